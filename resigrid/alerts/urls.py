"""Alert pages: the issuing and board pages, and CAP interchange (each in its own module)."""

from django.urls import URLPattern, URLResolver

from resigrid.alerts import urls_cap, urls_pages

app_name = "alerts"

urlpatterns: list[URLPattern | URLResolver] = [*urls_pages.urlpatterns, *urls_cap.urlpatterns]
