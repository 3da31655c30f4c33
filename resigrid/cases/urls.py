from django.urls import path

from resigrid.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.queues, name="queues"),
    path("report/", views.report, name="report"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("report/done/", views.reported, name="reported"),
    path("mine/", views.mine, name="mine"),
    path("map/", views.case_map, name="map"),
    path("map/geojson", views.map_geojson, name="map_geojson"),
    path("track/<str:code>/", views.track, name="track"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("track/<str:code>/photos/<int:photo>/", views.track_photo, name="track_photo"),
    path("public/<int:pk>/", views.public, name="public"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/<int:photo>/", views.case_photo, name="photo"),
    path("<int:pk>/act/<slug:key>/", views.act, name="act"),
    path("<int:pk>/act/<slug:key>/<int:item>/", views.act, name="act_item"),
]
