from django.urls import path

from resigrid.orgs import ledger_views, views

app_name = "orgs"

urlpatterns = [
    path("", views.org_tree, name="tree"),
    path("members/", views.member_list, name="members"),
    path("units/", views.unit_list, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/contacts/unmask/", views.unit_contacts_unmask, name="unit_unmask"),
    path("ledgers/<str:kind>/template.xlsx", ledger_views.template, name="ledger_template"),
    path("ledgers/<str:kind>/export.xlsx", ledger_views.export, name="ledger_export"),
    path("ledgers/<str:kind>/import/", ledger_views.import_page, name="ledger_import"),
]
