"""Pages that span apps: home (the user's scope) and the grid map. Thin: read and render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from resigrid.web.summary import scope_summary

TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"summary": scope_summary(request.user)})


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map.html", {"map_config": map_config()})


def tile_layers() -> list[dict[str, Any]]:
    """Base layers for settings.MAP_TILES: none (offline), osm, or tianditu (needs a key)."""
    kind = settings.MAP_TILES
    if kind == "osm":
        return [
            {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "options": {
                    "maxZoom": 19,
                    "attribution": "&copy; OpenStreetMap contributors",
                },
            }
        ]
    if kind == "tianditu":
        # 天地图 web-Mercator tiles (vec_w roads, cva_w labels) line up with WGS84 data.
        # Leaflet fills {s}, {z}, {x} and {y}; the key is put in here.
        key = settings.TIANDITU_KEY
        return [
            {
                "url": TIANDITU_URL.replace("{layer}", layer).replace("{key}", key),
                "options": {
                    "subdomains": "01234567",
                    "maxZoom": 18,
                    "attribution": "&copy; 天地图",
                },
            }
            for layer in ("vec", "cva")
        ]
    return []


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
