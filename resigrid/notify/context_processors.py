"""`notify_unread` on every page: the user's unread inbox count for the navbar badge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from resigrid.notify.reads import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    # Lazy: one COUNT query when a template shows the badge, none otherwise; 0 for anonymous.
    user = getattr(request, "user", None)
    return {"notify_unread": SimpleLazyObject(lambda: unread_count(user))}
