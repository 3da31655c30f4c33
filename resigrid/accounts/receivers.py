"""Security-event log fed by Django's and axes' authentication signals (audit, not domain logic)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from resigrid.accounts.middleware import start_session_clock
from resigrid.accounts.models import SecurityEvent
from resigrid.accounts.services import record_security_event


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
    record_security_event(kind=SecurityEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_security_event(kind=SecurityEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django masks the password in `credentials`; only the username is kept.
    record_security_event(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
        detail={"locked_out": bool(getattr(request, "axes_locked_out", False))},
    )


@receiver(user_locked_out)
def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    record_security_event(
        kind=SecurityEvent.Kind.LOCKED_OUT,
        request=request,
        username=username or "",
        detail={"failure_limit": settings.AXES_FAILURE_LIMIT},
    )
