"""Cases API (Django Ninja): filled by the API work; wired at /api/cases/."""

from ninja import Router

router = Router()
