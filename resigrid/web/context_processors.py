"""Navigation entries the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    from resigrid.web.navigation import entries_for

    return {"nav_entries": entries_for(request.user)}
