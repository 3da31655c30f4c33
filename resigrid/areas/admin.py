from django.contrib import admin

from resigrid.areas.models import Area, Building


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin[Area]):
    list_display = ("code", "name", "level", "parent", "population", "households")
    list_filter = ("level", "grid_kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("centroid_lon", "centroid_lat", "area_m2", "created_at", "updated_at")


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin[Building]):
    list_display = ("name", "grid", "floors", "households", "lon", "lat")
    search_fields = ("name", "address", "grid__code", "grid__name")
    raw_id_fields = ("grid",)
