from django.urls import path

from resigrid.resources import ledger_views, views

app_name = "resources"

urlpatterns = [
    path("", views.depot_list, name="depots"),
    path("depots/<int:pk>/", views.depot_detail, name="depot"),
    path("facilities/", views.facility_list, name="facilities"),
    path("map/", views.resource_map, name="map"),
    path("ledgers/<str:kind>/template.xlsx", ledger_views.template, name="ledger_template"),
    path("ledgers/<str:kind>/export.xlsx", ledger_views.export, name="ledger_export"),
    path("ledgers/<str:kind>/import/", ledger_views.import_page, name="ledger_import"),
]
