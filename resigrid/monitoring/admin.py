"""Read-only views for operators: sensors, rules, their states and events, dead letters. Sensors
and rules change through the API (services check scope and invariants); readings are not listed
here (millions of rows), the sensor pages chart them."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.http import HttpRequest

from resigrid.monitoring.models import DeadLetter, Rule, RuleEvent, RuleState, Sensor

M = TypeVar("M", Sensor, Rule, RuleState, RuleEvent, DeadLetter)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(Sensor)
class SensorAdmin(ReadOnlyAdmin[Sensor]):
    list_display = ("code", "name", "kind", "grid", "last_value", "unit", "last_at", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")
    list_select_related = ("grid",)


@admin.register(Rule)
class RuleAdmin(ReadOnlyAdmin[Rule]):
    list_display = ("name", "area", "sensor", "sensor_kind", "type", "fire_level", "active")
    list_filter = ("type", "active", "action_alert", "action_case")
    search_fields = ("name",)
    list_select_related = ("area", "sensor")


@admin.register(RuleState)
class RuleStateAdmin(ReadOnlyAdmin[RuleState]):
    list_display = ("rule", "sensor", "state", "since", "fire_count", "last_error_at")
    list_filter = ("state",)
    list_select_related = ("rule", "sensor")


@admin.register(RuleEvent)
class RuleEventAdmin(ReadOnlyAdmin[RuleEvent]):
    list_display = ("at", "rule", "sensor", "kind", "value", "acted", "alert", "case")
    list_filter = ("kind", "acted")
    date_hierarchy = "at"
    list_select_related = ("rule", "sensor")


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin[DeadLetter]):
    list_display = ("received_at", "source", "topic", "error")
    list_filter = ("source",)
    search_fields = ("topic", "error", "payload")
    date_hierarchy = "received_at"
