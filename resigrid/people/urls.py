from django.urls import path

from resigrid.people import ledger_views, views

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
]
