"""The project's URLs, plus the registers pages and API while config/ does not mount them yet.

Once the lead wires `path("registers/", …)` in config/urls.py and `api.add_router("/registers/",
…)` in config/api.py, this module is the project's URLconf unchanged."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import get_resolver
from ninja import NinjaAPI
from ninja.security import django_auth

import config.urls as project
from resigrid.accounts.api import TokenAuth
from resigrid.accounts.api_errors import install_error_handlers
from resigrid.registers.api import router


def _resolves(url: str) -> bool:
    try:
        get_resolver(project.__name__).resolve(url)
    except Resolver404:
        return False
    return True


urlpatterns: list[URLPattern | URLResolver] = []
if not _resolves("/api/registers/categories"):
    api = NinjaAPI(
        title="Resigrid API (registers tests)",
        version="test",
        auth=[django_auth, TokenAuth()],
        urls_namespace="registers_test_api",
    )
    install_error_handlers(api)
    api.add_router("/registers/", router, tags=["registers"])
    urlpatterns.append(path("api/", api.urls))
if not _resolves("/registers/categories/"):
    urlpatterns.append(path("registers/", include("resigrid.registers.urls")))
urlpatterns += project.urlpatterns
