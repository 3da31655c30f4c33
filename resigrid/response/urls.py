"""Pages of emergency response: one prefix per sub-app, each with its own namespace."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("risks/", include("resigrid.response.risks.urls")),
    path("institutions/", include("resigrid.response.institutions.urls")),
    path("plans/", include("resigrid.response.plans.urls")),
    path("incidents/", include("resigrid.response.incidents.urls")),
    path("callups/", include("resigrid.response.callups.urls")),
    path("allocations/", include("resigrid.response.allocations.urls")),
    path("sweeps/", include("resigrid.response.sweeps.urls")),
    path("bulletins/", include("resigrid.response.bulletins.urls")),
    path("recovery/", include("resigrid.response.recovery.urls")),
    path("command/", include("resigrid.response.command.urls")),
]
