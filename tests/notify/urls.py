"""The site's URLs with the inbox under /notify/ until config/urls.py includes it."""

from django.urls import URLPattern, URLResolver, include, path

from config.urls import urlpatterns as site

urlpatterns: list[URLPattern | URLResolver] = list(site)
if not any(getattr(p, "namespace", None) == "notify" for p in site):
    urlpatterns.insert(0, path("notify/", include("resigrid.notify.urls")))
