"""Pages of the risk register, mounted at /response/risks/."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.risks import views

app_name = "risks"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.risk_list, name="list"),
    path("new/", views.risk_create, name="create"),
    path("preview/", views.rating_preview, name="preview"),
    path("map/", views.risk_map, name="map"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("export.xlsx", views.risk_export, name="export"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/review/", views.risk_review, name="review"),
    path("<int:pk>/escalate/", views.risk_escalate, name="escalate"),
    path("<int:pk>/close/", views.risk_close, name="close"),
    path("<int:pk>/controls/", views.control_add, name="control_add"),
    path("controls/<int:pk>/state/", views.control_state, name="control_state"),
]
