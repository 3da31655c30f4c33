from django.contrib import admin
from django.http import HttpRequest

from resigrid.resources.models import Batch, Depot, DepotItem, Facility, Item, StockMovement


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin[Depot]):
    list_display = ("name", "area", "contact_name")
    search_fields = ("name", "area__code")
    raw_id_fields = ("area", "manager")
    exclude = ("contact_phone_enc", "contact_phone_hash")


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = ("code", "name", "category", "uom", "tracks_expiry", "default_min_level")
    list_filter = ("category", "tracks_expiry")
    search_fields = ("code", "name")


@admin.register(DepotItem)
class DepotItemAdmin(admin.ModelAdmin[DepotItem]):
    list_display = ("depot", "item", "min_level")
    raw_id_fields = ("depot", "item")


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin[Batch]):
    list_display = ("number", "depot", "item", "expiry")
    raw_id_fields = ("depot", "item")


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin[StockMovement]):
    """Read-only: stock changes only through the movement service (balances are sums)."""

    list_display = ("at", "depot", "item", "kind", "quantity", "by", "reason")
    list_filter = ("kind",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StockMovement | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StockMovement | None = None) -> bool:
        return False


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin[Facility]):
    list_display = ("name", "kind", "area", "status", "capacity", "last_inspected")
    list_filter = ("kind", "status")
    search_fields = ("name", "area__code")
    raw_id_fields = ("area",)
