"""A URLconf for the alerts API tests until the lead mounts the router at /api/alerts/."""

from django.urls import path
from ninja import NinjaAPI
from ninja.security import django_auth

from resigrid.accounts.api import TokenAuth
from resigrid.accounts.api_errors import install_error_handlers
from resigrid.alerts.api import build_router

api = NinjaAPI(auth=[django_auth, TokenAuth()], urls_namespace="alerts_test_api")
install_error_handlers(api)
api.add_router("/alerts/", build_router())

urlpatterns = [path("api/", api.urls)]
