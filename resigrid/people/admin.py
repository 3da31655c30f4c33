from django.contrib import admin

from resigrid.people.models import Household, Person


class PersonInline(admin.TabularInline[Person, Household]):
    model = Person
    extra = 0
    raw_id_fields = ("grid",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ("id", "grid", "building", "room")
    search_fields = ("grid__code", "building__name", "room")
    raw_id_fields = ("grid", "building")
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ("name", "sex", "birth_date", "grid", "is_head")
    list_filter = ("sex",)
    search_fields = ("name", "grid__code")
    raw_id_fields = ("household", "grid")
