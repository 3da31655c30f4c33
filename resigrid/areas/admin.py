from django.contrib import admin
from django.http import HttpRequest

from resigrid.areas.models import Area, AreaChange, Building


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


@admin.register(AreaChange)
class AreaChangeAdmin(admin.ModelAdmin[AreaChange]):
    """Read-only audit of area writes."""

    list_display = ("at", "area", "action", "actor")
    list_filter = ("action",)
    search_fields = ("area__code", "area__name", "actor__username")
    raw_id_fields = ("area", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
