"""Accounts API: who am I, personal access tokens; and the Bearer-token authenticator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

router = Router()


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <personal access token>`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from resigrid.accounts.tokens import user_for_token

        user = user_for_token(token, request=request)
        if user is not None:
            request.user = user
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
    user: Any = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {"area_code": b.area.code, "area_name": b.area.name, "role": b.role}
            for b in user.role_bindings.select_related("area").order_by("area__code", "role")
        ],
    }
