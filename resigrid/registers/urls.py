from django.urls import path

from resigrid.registers import views

app_name = "registers"

urlpatterns = [
    path("", views.duty_list, name="duties"),
    path("duties/new/", views.duty_create, name="duty_create"),
    path("duties/<int:pk>/edit/", views.duty_edit, name="duty_edit"),
    path("duties/<int:pk>/deactivate/", views.duty_deactivate, name="duty_deactivate"),
    path("categories/", views.category_tree, name="categories"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<str:code>/edit/", views.category_edit, name="category_edit"),
    path("categories/<str:code>/active/", views.category_active, name="category_active"),
    path("categories/<str:code>/deadlines/", views.deadlines_edit, name="deadlines"),
    path("route/", views.route_page, name="route"),
]
