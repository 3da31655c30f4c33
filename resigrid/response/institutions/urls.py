"""Pages of the institution list (制度清单) and its practice."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.institutions import views, views_drills, views_inspections

app_name = "institutions"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.procedure_list, name="procedures"),
    path("procedures/new/", views.procedure_new, name="procedure_new"),
    path("procedures/<int:pk>/", views.procedure_detail, name="procedure"),
    path("schedules/", views_inspections.schedule_list, name="schedules"),
    path("schedules/new/", views_inspections.schedule_new, name="schedule_new"),
    path("schedules/<int:pk>/", views_inspections.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/record/", views_inspections.record, name="record"),
    path("inspections/<int:pk>/", views_inspections.inspection_detail, name="inspection"),
    path("drills/", views_drills.drill_list, name="drills"),
    path("drills/new/", views_drills.drill_new, name="drill_new"),
    path("drills/<int:pk>/", views_drills.drill_detail, name="drill"),
    path("drills/<int:pk>/evaluation/", views_drills.drill_evaluate, name="drill_evaluate"),
    path("drills/<int:pk>/lessons/", views_drills.drill_lesson, name="drill_lesson"),
    path("improvements/", views.improvement_list, name="improvements"),
    path("improvements/<int:pk>/close/", views.improvement_close, name="improvement_close"),
]
