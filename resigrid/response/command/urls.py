"""Pages of the command post: the dashboard of an incident and its situation report."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.command import views

app_name = "command"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/live/", views.live, name="live"),
    path("<int:pk>/sitrep.pdf", views.sitrep_pdf, name="sitrep_pdf"),
    path("<int:pk>/sitrep.xlsx", views.sitrep_xlsx, name="sitrep_xlsx"),
]
