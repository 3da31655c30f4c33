"""Pages of incidents (the incident's own page is the command dashboard: `command:dashboard`)."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.incidents import views

app_name = "incidents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.incident_list, name="list"),
    path("open/", views.incident_open, name="open"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/activate/", views.incident_activate, name="activate"),
    path("<int:pk>/transition/", views.incident_transition, name="transition"),
    path("<int:pk>/decide/", views.incident_decide, name="decide"),
    path("<int:pk>/tasks/add/", views.task_add, name="task_add"),
    path("tasks/<int:task_id>/<str:move>/", views.task_move, name="task_move"),
    path("seats/<int:member_id>/assign/", views.seat_assign, name="seat_assign"),
]
