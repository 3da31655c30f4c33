"""`alert_banner` on every page: published alerts addressed to the logged-in user that they
have not acknowledged yet (the banner with the “I have received it” button)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from resigrid.alerts.reads_pages import banner


def unacknowledged(request: HttpRequest) -> dict[str, Any]:
    # Lazy: one indexed query when the base template renders the banner, none otherwise;
    # nothing at all for anonymous users.
    user = getattr(request, "user", None)
    return {"alert_banner": SimpleLazyObject(lambda: banner(user))}
