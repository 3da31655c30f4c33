"""API of allocation of relief supplies to grids: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
