"""API of the institution list: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
