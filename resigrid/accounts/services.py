"""Every write of the accounts app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from resigrid.accounts.models import SecurityEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
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
    real_user = user if isinstance(user, User) and user.pk else None
    return SecurityEvent.objects.create(
        kind=kind,
        user=real_user,
        username=username or (real_user.username if real_user else ""),
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        path=(request.path[:300] if request else ""),
        detail=detail or {},
    )
