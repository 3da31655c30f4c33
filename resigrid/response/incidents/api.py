"""API of incidents and their command posts: parse → visible_to → service → schema."""

from ninja import Router

router = Router()
