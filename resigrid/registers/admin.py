"""Admin for the registers. Day-to-day edits go through the pages and the API (checked and
logged by the services); the admin is for operators, and the change log is read-only here."""

from django.contrib import admin

from resigrid.registers.models import Category, Deadline, Duty, RegisterChange


class DeadlineInline(admin.TabularInline[Deadline, Category]):
    model = Deadline
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("code", "name", "kind", "parent", "active", "sort")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "keywords")
    raw_id_fields = ("parent",)
    inlines = [DeadlineInline]


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin[Duty]):
    list_display = ("category", "area", "phase", "lead_unit", "active")
    list_filter = ("phase", "active")
    search_fields = ("category__code", "category__name", "area__code", "lead_unit__name")
    raw_id_fields = ("category", "area", "lead_unit", "support_units")


@admin.register(RegisterChange)
class RegisterChangeAdmin(admin.ModelAdmin[RegisterChange]):
    list_display = ("at", "subject", "label", "action", "actor")
    list_filter = ("subject", "action")
    search_fields = ("label",)
    readonly_fields = [f.name for f in RegisterChange._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
