"""Template context shared by every page: the navigation entries the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict[str, Any]:
    from resigrid.web.navigation import entries_for

    # Lazy: responses that never render the navbar do not query role bindings.
    return {"nav_entries": SimpleLazyObject(lambda: entries_for(request.user))}
