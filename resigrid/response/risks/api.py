"""API of risk register (风险清单): parse → visible_to → service → schema."""

from ninja import Router

router = Router()
