"""Pages of the app (placeholders until the owner replaces them)."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.pending import pending

app_name = "plans"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pending, name="list"),
]
