"""Absolute session lifetime (the idle timeout is the sliding session cookie age)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SESSION_STARTED_KEY = "resigrid_session_started"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_TIMEOUT:
                from resigrid.accounts.services import record_security_event

                user = request.user
                logout(request)
                record_security_event(
                    kind="session_expired", request=request, user=user, detail={"why": "absolute"}
                )
        return self.get_response(request)
