from django.contrib import admin

from resigrid.orgs.models import (
    Commitment,
    PartyMember,
    PartyOrg,
    Unit,
    UnitContact,
    UnitSpecialty,
)


@admin.register(PartyOrg)
class PartyOrgAdmin(admin.ModelAdmin[PartyOrg]):
    list_display = ("name", "kind", "area", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "area__code")
    raw_id_fields = ("area", "parent", "secretary")


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin[PartyMember]):
    list_display = ("person", "org", "status", "in_service", "joined")
    list_filter = ("status", "in_service")
    raw_id_fields = ("person", "org", "employer")


class SpecialtyInline(admin.TabularInline[UnitSpecialty, Unit]):
    model = UnitSpecialty
    extra = 0


class ContactInline(admin.TabularInline[UnitContact, Unit]):
    model = UnitContact
    extra = 0
    # Phones are ciphertext; they are entered through the services, never here.
    fields = ("name", "role")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ("name", "kind", "area", "co_building", "has_party_org")
    list_filter = ("kind", "co_building", "has_party_org")
    search_fields = ("name", "credit_code", "area__code")
    raw_id_fields = ("area",)
    inlines = [SpecialtyInline, ContactInline]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin[Commitment]):
    list_display = ("unit", "kind", "description", "quantity", "uom", "for_emergency")
    list_filter = ("kind", "for_emergency", "for_daily")
    raw_id_fields = ("unit", "contact")
