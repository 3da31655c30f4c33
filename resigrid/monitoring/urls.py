from django.urls import path

from resigrid.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sensors/<int:pk>/", views.sensor_detail, name="sensor"),
]
