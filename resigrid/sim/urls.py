from django.urls import path

from resigrid.sim import views

app_name = "sim"

urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/<slug:kind>/", views.scenario_create, name="create"),
    path("<int:pk>/", views.scenario_detail, name="detail"),
    path("<int:pk>/run/", views.run_start, name="run"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/download.<slug:fmt>", views.run_download, name="download"),
    path("runs/<int:pk>/case/", views.run_case, name="case"),
    path("runs/<int:pk>/risk/", views.run_risk, name="risk"),
]
