"""API of volunteer call-ups and assignments: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
