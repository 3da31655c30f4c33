"""Pages of emergency plans (预案), mounted at /response/plans/."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.plans import views, views_parts

app_name = "plans"

KIND = "<str:kind>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_edit, name="edit"),
    path("<int:pk>/update/", views.plan_update, name="update"),
    path("<int:pk>/revise/", views.plan_revise, name="revise"),
    path("<int:pk>/deactivate/", views.plan_deactivate, name="deactivate"),
    path("<int:pk>/preview/", views.plan_preview, name="preview"),
    path(f"<int:pk>/{KIND}/", views_parts.section_view, name="section"),
    path(f"<int:pk>/{KIND}/add/", views_parts.part_add, name="part_add"),
    path(f"<int:pk>/{KIND}/<int:row_id>/edit/", views_parts.part_edit, name="part_edit"),
    path(f"<int:pk>/{KIND}/<int:row_id>/delete/", views_parts.part_delete, name="part_delete"),
]
