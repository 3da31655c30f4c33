"""Alert URLs (cap): CAP 1.2 XML of an alert, the Atom feed of active alerts, the import page."""

from django.urls import URLPattern, URLResolver, path

from resigrid.alerts import views_cap

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/cap.xml", views_cap.cap_xml, name="cap_xml"),
    path("feed.atom", views_cap.feed, name="cap_feed"),
    path("cap/import/", views_cap.import_page, name="cap_import"),
]
