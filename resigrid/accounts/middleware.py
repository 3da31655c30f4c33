"""Account security around every request: absolute session lifetime, a note when an idle
session has expired, and an audit row for every page that answers PermissionDenied.

The idle timeout itself is the sliding session: SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT with
SESSION_SAVE_EVERY_REQUEST, so the server-side expiry moves on with each request and a session
left alone longer than that is gone from the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from resigrid.accounts.models import SecurityEvent

SESSION_STARTED_KEY = "resigrid_session_started"
# Why the last session ended ("idle" or "absolute"); the login page pops it and says so. Kept in
# the (new, anonymous) session rather than in messages so that it does not depend on where the
# message middleware sits.
SESSION_NOTICE_KEY = "resigrid_session_notice"


@cache
def _api_prefix() -> str:
    return reverse("api:api-root")


def start_session_clock(request: HttpRequest) -> None:
    """Called at login: the absolute lifetime counts from here."""
    request.session[SESSION_STARTED_KEY] = time.time()


class AccountSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            expired = self._check_absolute_lifetime(request)
            if expired is not None:
                return expired
        elif self._idle_session_expired(request):
            request.session[SESSION_NOTICE_KEY] = "idle"
        return self.get_response(request)

    def _check_absolute_lifetime(self, request: HttpRequest) -> HttpResponse | None:
        started = request.session.get(SESSION_STARTED_KEY)
        now = time.time()
        if started is None:
            # A session from before this middleware: start counting now.
            request.session[SESSION_STARTED_KEY] = now
            return None
        if now - float(started) <= settings.SESSION_ABSOLUTE_TIMEOUT:
            return None
        from resigrid.accounts.services import record_security_event

        user = request.user
        # Django's logout() sends user_logged_out (a `logout` event) and flushes the session.
        logout(request)
        record_security_event(
            kind=SecurityEvent.Kind.SESSION_EXPIRED,
            request=request,
            user=user,
            detail={"why": "absolute", "limit_seconds": settings.SESSION_ABSOLUTE_TIMEOUT},
        )
        if request.path.startswith(_api_prefix()):
            # The API answers 401 itself; a redirect to an HTML page would confuse clients.
            return None
        request.session[SESSION_NOTICE_KEY] = "absolute"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(reverse(settings.LOGIN_URL))
        return redirect_to_login(request.get_full_path())

    @staticmethod
    def _idle_session_expired(request: HttpRequest) -> bool:
        # A session cookie the store no longer knows: the session timed out (or was tampered
        # with). The session middleware then deletes the cookie, so this is said once.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
        return request.session.session_key is None

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Pages answer 403 through Django; the API logs its own (api_errors.on_denied).
        if isinstance(exception, PermissionDenied):
            from resigrid.accounts.services import record_security_event

            record_security_event(
                kind=SecurityEvent.Kind.PERMISSION_DENIED,
                request=request,
                user=request.user,
                detail={"message": str(exception), "method": request.method or ""},
            )
