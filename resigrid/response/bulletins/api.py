"""API of public bulletins and rumour rebuttals: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
