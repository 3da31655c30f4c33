"""Accounts API: who am I, personal access tokens; and the Bearer-token authenticator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer, django_auth

from resigrid.accounts.models import AccessToken, User
from resigrid.accounts.services import (
    MAX_TOKEN_DAYS,
    TOKEN_NAME_MAX_LENGTH,
    create_access_token,
    revoke_access_token,
)

router = Router()


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <personal access token>`. A rejected token answers 401 and is
    logged as `token_rejected` (see tokens.user_for_token)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from resigrid.accounts.tokens import user_for_token

        user = user_for_token(token, request=request)
        if user is not None:
            request.user = user
        return user


def _user(request: HttpRequest) -> User:
    # Every operation here is behind auth, so the user is a real account.
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (narrowing for mypy; auth guarantees it)
    return user


class RoleOut(Schema):
    area_code: str
    area_name: str
    role: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]


@router.get("/me", response=MeOut, summary="The current user and their roles")
def me(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {"area_code": b.area.code, "area_name": b.area.name, "role": b.role}
            for b in user.role_bindings.select_related("area").order_by("area__code", "role")
        ],
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    status: str


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=TOKEN_NAME_MAX_LENGTH)
    days: int | None = Field(None, ge=1, le=MAX_TOKEN_DAYS, description="Lifetime in days")


class TokenCreatedOut(Schema):
    token: TokenOut
    raw: str = Field(..., description="The token itself. Shown this once; only its hash is kept.")


def _token_out(token: AccessToken, now: datetime) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "status": token.status(now).value,
    }


@router.get("/tokens", response=list[TokenOut], summary="My personal access tokens")
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    now = timezone.now()
    return [_token_out(t, now) for t in AccessToken.objects.owned_by(_user(request))]


# Session only: a token must not mint new tokens. Otherwise a leaked token could create
# fresh ones that survive its own revocation, and the password, the lockout and the session
# timeouts that guard an interactive login would be bypassed for good.
@router.post(
    "/tokens",
    auth=django_auth,
    response={201: TokenCreatedOut},
    summary="Create a personal access token (session login only)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    token, raw = create_access_token(
        user=_user(request), name=payload.name, days=payload.days, request=request
    )
    return Status(201, {"token": _token_out(token, timezone.now()), "raw": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an access token")
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    revoke_access_token(actor=_user(request), token_id=token_id, request=request)
    return Status(204, None)
