"""API of sweeps contacting every vulnerable person: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
