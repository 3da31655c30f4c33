"""Open311 GeoReport v2 at /open311/v2/.

Each resource answers as `name.xml` or `name.json` (without a suffix: XML, the spec's required
format). Leading extra slashes are tolerated, so clients that join the endpoint URL and the path
with another "/" still land here; anything else answers an Open311 404.
"""

from django.urls import URLPattern, re_path

from resigrid.cases.open311 import views

app_name = "open311"

_FMT = r"(?:\.(?P<fmt>json|xml))?"

urlpatterns: list[URLPattern] = [
    re_path(r"^(?:/*)$", views.discovery, name="root"),
    re_path(rf"^(?:/*)discovery{_FMT}$", views.discovery, name="discovery"),
    re_path(rf"^(?:/*)services{_FMT}$", views.services, name="services"),
    re_path(rf"^(?:/*)services/(?P<code>[^/]+?){_FMT}$", views.service_definition, name="service"),
    re_path(rf"^(?:/*)requests{_FMT}$", views.requests, name="requests"),
    re_path(
        rf"^(?:/*)requests/(?P<request_id>[^/]+?){_FMT}$", views.request_detail, name="request"
    ),
    re_path(rf"^(?:/*)tokens/(?P<token>[^/]+?){_FMT}$", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
