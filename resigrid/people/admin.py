"""Admin: read-mostly views for operators. Ciphertexts and keyed hashes are never shown or
edited here (changes to identity go through the services, which validate and re-hash)."""

from django.contrib import admin

from resigrid.people.models import Carer, Household, Person, Volunteer

_SEALED = (
    "id_number_enc",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "health_notes_enc",
    "purged_at",
)


class PersonInline(admin.TabularInline[Person, Household]):
    model = Person
    extra = 0
    raw_id_fields = ("grid", "building")
    exclude = _SEALED


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ("id", "grid", "building", "room")
    search_fields = ("grid__code", "building__name", "room")
    raw_id_fields = ("grid", "building")
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ("name", "sex", "birth_date", "grid", "residence_type", "is_head", "moved_out")
    list_filter = ("sex", "residence_type")
    search_fields = ("name", "grid__code")
    raw_id_fields = ("household", "grid", "building")
    exclude = _SEALED


@admin.register(Carer)
class CarerAdmin(admin.ModelAdmin[Carer]):
    list_display = ("name", "kind", "person", "active")
    raw_id_fields = ("person", "user", "carer_person")
    exclude = ("phone_enc", "phone_hash")


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin[Volunteer]):
    list_display = ("person", "service_hours", "points", "active")
    raw_id_fields = ("person",)
    readonly_fields = ("service_hours", "points")
