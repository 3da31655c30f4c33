from django.urls import path

from resigrid.people import (
    ledger_views,
    views,
    views_edit,
    views_edit_care,
    views_edit_volunteers,
)

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/unmask/", views.person_unmask, name="person_unmask"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("vulnerable/map/", views.vulnerable_map, name="vulnerable_map"),
    path("ledgers/<str:kind>/template.xlsx", ledger_views.template, name="ledger_template"),
    path("ledgers/<str:kind>/export.xlsx", ledger_views.export, name="ledger_export"),
    path("ledgers/<str:kind>/import/", ledger_views.import_page, name="ledger_import"),
    # Edit pages (views_edit*.py)
    path("households/new/", views_edit.household_create, name="household_create"),
    path("households/buildings/", views_edit.household_buildings, name="household_buildings"),
    path("households/<int:pk>/edit/", views_edit.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views_edit.member_create, name="member_create"),
    path("<int:pk>/edit/", views_edit.person_edit, name="person_edit"),
    path("<int:pk>/vulnerability/", views_edit_care.vulnerability_edit, name="vulnerability_edit"),
    path("<int:pk>/carers/new/", views_edit_care.carer_add, name="carer_add"),
    path("carers/<int:pk>/active/", views_edit_care.carer_set_active, name="carer_set_active"),
    path(
        "<int:pk>/volunteer/new/",
        views_edit_volunteers.volunteer_register,
        name="volunteer_register",
    ),
    path("volunteers/<int:pk>/", views_edit_volunteers.volunteer_edit, name="volunteer_edit"),
    path(
        "volunteers/<int:pk>/certificates/",
        views_edit_volunteers.certificate_add,
        name="certificate_add",
    ),
    path("volunteers/<int:pk>/service/", views_edit_volunteers.service_add, name="service_add"),
]
