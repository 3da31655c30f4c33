"""API of recovery needs and after-action reviews: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
