"""Pages that span apps: home (the user's scope) and the grid map. Thin: read and render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from resigrid.areas.maps import tile_layers
from resigrid.web.summary import scope_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"summary": scope_summary(request.user)})


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map.html", {"map_config": map_config()})


def map_config() -> dict[str, Any]:
    """Everything map.js needs, passed with json_script (no inline logic in the page)."""
    return {
        "geojsonUrl": reverse("api:api-root") + "areas/grids/geojson",
        "tiles": tile_layers(),
        "labels": {
            "name": _("Name"),
            "code": _("Code"),
            "community": _("Community"),
            "population": _("Population"),
            "households": _("Households"),
            "buildings": _("Buildings"),
            "area": _("Area (km²)"),
            "density": _("Density (people/km²)"),
            "legend": _("Population per grid"),
            "empty": _("There are no grids in your scope."),
            "error": _("The grid layer could not be loaded."),
            "hint": _("Click a grid to see its figures."),
            # %(count)s is replaced in map.js with the number of grids drawn.
            "count": _("Grids shown: %(count)s"),
        },
    }
