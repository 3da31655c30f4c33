from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from config.api import api

admin.site.site_header = "Resigrid 韧网"
admin.site.site_title = "Resigrid"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("resigrid.accounts.urls")),
    path("people/", include("resigrid.people.urls")),
    path("orgs/", include("resigrid.orgs.urls")),
    path("resources/", include("resigrid.resources.urls")),
    path("registers/", include("resigrid.registers.urls")),
    path("cases/metrics/", include("resigrid.cases.metrics.urls")),
    path("cases/", include("resigrid.cases.urls")),
    path("open311/v2/", include("resigrid.cases.open311.urls")),
    path("notify/", include("resigrid.notify.urls")),
    path("alerts/", include("resigrid.alerts.urls")),
    path("monitoring/", include("resigrid.monitoring.urls")),
    path("response/", include("resigrid.response.urls")),
    path("sim/", include("resigrid.sim.urls")),
    path("", include("resigrid.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
