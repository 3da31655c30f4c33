"""Personal access tokens: the raw format, hashing, and the lookup used by Bearer auth."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from resigrid.accounts.models import AccessToken, SecurityEvent, User

TOKEN_PREFIX = "rgt_"  # noqa: S105  (a public marker, not a secret)
PREFIX_LENGTH = 12  # "rgt_" + 8 characters: enough to tell tokens apart, useless to an attacker


# `last_used_at` is an hour-scale fact ("used today"): stamping it on every request would cost a
# write per API call.
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    # A plain SHA-256 is enough: the token has 256 bits of entropy, so no salt or stretching.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_prefix(raw: str) -> str:
    return raw[:PREFIX_LENGTH]


def _reject(request: HttpRequest | None, raw: str, reason: str, user: User | None = None) -> None:
    from resigrid.accounts.services import record_security_event

    record_security_event(
        kind=SecurityEvent.Kind.TOKEN_REJECTED,
        request=request,
        user=user,
        # Never the raw token; its public prefix only when it looks like one of ours.
        detail={
            "reason": reason,
            "prefix": token_prefix(raw) if raw.startswith(TOKEN_PREFIX) else "",
        },
    )


def user_for_token(raw: str, *, request: HttpRequest | None = None) -> User | None:
    """The owner of an active token, stamping its last use (at most once a minute); None (and
    a `token_rejected` event) for an unknown, expired or revoked token or an inactive owner."""
    token = AccessToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        _reject(request, raw, "unknown")
        return None
    now = timezone.now()
    status = token.status(now)
    if status != AccessToken.Status.ACTIVE:
        _reject(request, raw, status.value, token.user)
        return None
    if not token.user.is_active:
        _reject(request, raw, "inactive_user", token.user)
        return None
    last = token.last_used_at
    if last is None or now - last >= TOUCH_EVERY:
        # At most one write a minute per token, and only when no other request wrote since.
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
        AccessToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    return token.user
