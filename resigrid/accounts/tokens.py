"""Personal access tokens: create (shown once), look up by SHA-256, revoke."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone

from resigrid.accounts.models import AccessToken, User

TOKEN_PREFIX = "rgt_"  # noqa: S105  (a public marker, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def user_for_token(raw: str, *, request: HttpRequest | None = None) -> User | None:
    token = (
        AccessToken.objects.active(timezone.now())
        .select_related("user")
        .filter(token_hash=hash_token(raw))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
