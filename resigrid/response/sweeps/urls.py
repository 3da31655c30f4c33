"""Pages of sweeps contacting every vulnerable person."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.sweeps import views

app_name = "sweeps"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.sweep_list, name="list"),
    path("start/<int:incident_pk>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/mine/", views.mine, name="mine"),
    path("contacts/<int:pk>/record/", views.record, name="record"),
    path("contacts/<int:pk>/call/", views.call, name="call"),
]
