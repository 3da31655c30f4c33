"""Map settings shared by every page that draws areas (the grid map, registries' layers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)


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
