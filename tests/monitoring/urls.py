"""The site's URLs plus the monitoring API and pages, for these tests until config/ wires them
(once config/api.py mounts the router and config/urls.py the pages, this adds nothing twice)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI
from ninja.security import django_auth

from config.api import api
from config.urls import urlpatterns as site_urlpatterns
from resigrid.accounts.api import TokenAuth
from resigrid.accounts.api_errors import install_error_handlers
from resigrid.monitoring.api import router

urlpatterns: list[URLPattern | URLResolver] = []
if not any(mount[1] is router for mount in api._routers):
    monitoring_api = NinjaAPI(
        title="Resigrid monitoring (tests)",
        auth=[django_auth, TokenAuth()],
        urls_namespace="monitoring-api",
    )
    install_error_handlers(monitoring_api)
    monitoring_api.add_router("/monitoring/", router)
    urlpatterns.append(path("api/", monitoring_api.urls))
if not any(getattr(p, "namespace", None) == "monitoring" for p in site_urlpatterns):
    urlpatterns.append(path("monitoring/", include("resigrid.monitoring.urls")))
urlpatterns += site_urlpatterns
