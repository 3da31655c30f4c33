"""Pages of volunteer call-ups: the coordinator's list and detail, the volunteer's page."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.callups import views

app_name = "callups"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.callup_list, name="list"),
    path("<int:pk>/", views.callup_detail, name="detail"),
    path(
        "<int:pk>/<str:move>/",
        views.callup_move,
        name="move",
    ),
    path("assignment/<int:aid>/decline/", views.assignment_decline, name="decline"),
    path("open/", views.open_page, name="open"),
    path("open/<int:pk>/<str:move>/", views.volunteer_move, name="volunteer_move"),
    path("open/task/<int:aid>/report/", views.report, name="report"),
]
