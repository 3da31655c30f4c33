"""API of emergency plans (预案): parse → visible_to → service → schema."""

from ninja import Router

router = Router()
