from django.urls import path

from resigrid.cases import views

app_name = "cases"

urlpatterns = [
    path("<int:pk>/", views.case_detail, name="detail"),
    path("track/<str:code>/", views.track, name="track"),
]
