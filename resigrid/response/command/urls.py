"""Pages of the command post: the dashboard of an incident and its situation report."""

from django.urls import URLPattern, URLResolver

app_name = "command"

urlpatterns: list[URLPattern | URLResolver] = []
