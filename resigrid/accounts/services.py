"""Every write of the accounts app: the security-event log, passwords, personal access tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import AccessToken, PersonalDataAccess, SecurityEvent, User
from resigrid.accounts.permissions import can_manage_tokens, can_revoke_token
from resigrid.accounts.tokens import hash_token, new_raw_token, token_prefix
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed

MAX_TOKEN_DAYS = 3650
MAX_ACTIVE_TOKENS = 20
TOKEN_NAME_MAX_LENGTH = 100


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_security_event(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | Any = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one audit row. `request` only supplies the client address, agent and path."""
    real_user = user if isinstance(user, User) and user.pk else None
    return SecurityEvent.objects.create(
        kind=kind,
        user=real_user,
        username=(username or (real_user.username if real_user else ""))[:150],
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        path=(request.path[:300] if request else ""),
        detail=detail or {},
    )


def change_password(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """Store a new (already validated) password and log it. The caller keeps the session alive
    with `update_session_auth_hash`; every other session of the user is invalidated."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_security_event(kind=SecurityEvent.Kind.PASSWORD_CHANGED, request=request, user=user)


def _token_days(days: int | None) -> int:
    if days is None:
        return int(settings.ACCESS_TOKEN_DEFAULT_DAYS)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        message = _("The lifetime must be between 1 and %(max)d days.") % {"max": MAX_TOKEN_DAYS}
        raise ValidationFailed(message, field="days", errors={"days": [message]})
    return days


def create_access_token(
    *, user: User, name: str, days: int | None = None, request: HttpRequest | None = None
) -> tuple[AccessToken, str]:
    """A new personal access token for `user`. Returns the row and the raw token, which is
    never stored (only its SHA-256) and so can be shown exactly once.

    `days=None` takes ACCESS_TOKEN_DEFAULT_DAYS (0 there means no expiry)."""
    if not can_manage_tokens(user):
        raise PermissionDeniedError(_("You may not create access tokens."))
    name = (name or "").strip()
    if not name or len(name) > TOKEN_NAME_MAX_LENGTH:
        message = _("Give the token a name of 1 to %(max)d characters.") % {
            "max": TOKEN_NAME_MAX_LENGTH
        }
        raise ValidationFailed(message, field="name", errors={"name": [message]})
    lifetime = _token_days(days)
    with transaction.atomic():
        # Lock the owner so that two concurrent requests cannot both pass the limits below.
        User.objects.select_for_update().filter(pk=user.pk).first()
        now = timezone.now()
        active = AccessToken.objects.active(now).filter(user=user)
        if active.filter(name=name).exists():
            message = _("You already have an active token with this name.")
            raise ValidationFailed(message, field="name", errors={"name": [message]})
        if active.count() >= MAX_ACTIVE_TOKENS:
            raise ValidationFailed(
                _("You have %(max)d active tokens; revoke one first.") % {"max": MAX_ACTIVE_TOKENS}
            )
        raw = new_raw_token()
        token = AccessToken.objects.create(
            user=user,
            name=name,
            prefix=token_prefix(raw),
            token_hash=hash_token(raw),
            expires_at=(now + timedelta(days=lifetime)) if lifetime else None,
        )
        record_security_event(
            kind=SecurityEvent.Kind.TOKEN_CREATED,
            request=request,
            user=user,
            detail={"token_id": token.pk, "prefix": token.prefix, "name": name},
        )
    return token, raw


def revoke_access_token(
    *, actor: User, token_id: int, request: HttpRequest | None = None
) -> AccessToken:
    """Revoke a token (the owner's own, or anyone's for a user manager). Revoking a token that
    is already revoked changes nothing and logs nothing: DELETE is idempotent."""
    with transaction.atomic():
        token = AccessToken.objects.select_for_update().filter(pk=token_id).first()
        # Someone else's token is "not found", not "forbidden": its existence is not disclosed.
        if token is None or not can_revoke_token(actor, token):
            raise NotFoundError(_("No such access token."))
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_security_event(
            kind=SecurityEvent.Kind.TOKEN_REVOKED,
            request=request,
            user=actor,
            detail={"token_id": token.pk, "prefix": token.prefix, "owner": token.user.username},
        )
    return token


def record_personal_data_access(
    *,
    user: User | Any,
    action: str,
    subject: str,
    object_ids: list[int] | None = None,
    fields: list[str] | None = None,
    row_count: int = 0,
    scope: str = "",
    request: HttpRequest | None = None,
) -> PersonalDataAccess:
    """Log an unmasked read or an export of personal data; call inside the reading request."""
    real_user = user if isinstance(user, User) and user.pk else None
    return PersonalDataAccess.objects.create(
        user=real_user,
        action=action,
        subject=subject,
        object_ids=list(object_ids or []),
        fields=list(fields or []),
        row_count=row_count,
        scope=scope[:200],
        ip_address=client_ip(request),
    )
