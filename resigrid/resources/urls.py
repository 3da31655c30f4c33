from django.urls import path

from resigrid.resources import views

app_name = "resources"

urlpatterns = [
    path("", views.depot_list, name="depots"),
    path("depots/<int:pk>/", views.depot_detail, name="depot"),
    path("facilities/", views.facility_list, name="facilities"),
    path("map/", views.resource_map, name="map"),
]
