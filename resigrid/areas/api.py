"""Areas API: the tree, a grid's GeoJSON, locate(point)."""

from __future__ import annotations

from ninja import Router

router = Router()
