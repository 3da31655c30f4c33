"""Pages of the app (placeholders until the owner replaces them)."""

from django.urls import URLPattern, URLResolver

app_name = "sweeps"

urlpatterns: list[URLPattern | URLResolver] = []
