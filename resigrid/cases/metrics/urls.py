from django.urls import URLPattern

app_name = "case_metrics"

urlpatterns: list[URLPattern] = []
