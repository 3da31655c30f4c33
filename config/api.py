"""The HTTP API: Django Ninja, one router per app, OpenAPI docs at /api/docs."""

from ninja import NinjaAPI
from ninja.security import django_auth

from resigrid.accounts.api import TokenAuth
from resigrid.accounts.api import router as accounts_router
from resigrid.accounts.api_errors import install_error_handlers
from resigrid.areas.api import router as areas_router

api = NinjaAPI(
    title="Resigrid API",
    version="1",
    description="Resigrid (韧网): areas, grids and the locator. Session or token (Bearer) auth.",
    auth=[django_auth, TokenAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/accounts/", accounts_router, tags=["accounts"])
api.add_router("/areas/", areas_router, tags=["areas"])
