from django.urls import path

from resigrid.cases.metrics import views

app_name = "case_metrics"

urlpatterns = [
    path("", views.page, name="page"),
    path("export.xlsx", views.export, name="export"),
]
