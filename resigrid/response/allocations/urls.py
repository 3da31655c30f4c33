"""Pages of supply allocation, mounted at /response/allocations/."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.allocations import views

app_name = "allocations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("lines/<int:line_id>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/needs/", views.plan_needs, name="needs"),
    path("<int:pk>/<str:move>/", views.plan_move, name="move"),
]
