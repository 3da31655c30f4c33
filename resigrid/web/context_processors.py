"""Template context shared by every page: the navigation entries the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict[str, Any]:
    from resigrid.web.navigation import entries_for, grouped

    # Lazy: responses that never render the navbar do not query role bindings.
    entries = SimpleLazyObject(lambda: entries_for(request.user))
    return {
        "nav_entries": entries,
        "nav_groups": SimpleLazyObject(lambda: grouped(list(entries))),
    }
