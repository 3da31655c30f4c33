"""Read-only views of the outbox for operators: what was said, to whom, and how each delivery
went. Rows change only through the worker and services; the one action requeues given-up rows."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resigrid.notify.models import ChannelPreference, Delivery, Message, Robot, SmsReceipt
from resigrid.notify.services import requeue

M = TypeVar("M", Message, Delivery, SmsReceipt)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


class DeliveryInline(admin.TabularInline[Delivery, Message]):
    model = Delivery
    fields = ("channel", "user", "address", "status", "attempts", "sent_at", "read_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin[Message]):
    list_display = ("created_at", "topic", "subject", "source")
    list_filter = ("topic", "created_at")
    search_fields = ("subject", "source", "topic")
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin[Delivery]):
    list_display = (
        "id",
        "message",
        "channel",
        "user",
        "address",
        "robot",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "read_at",
        "leased_by",
    )
    list_filter = ("status", "channel", "uncertain", "message__topic")
    search_fields = ("address", "user__username", "message__subject", "external_id")
    list_select_related = ("message", "user", "robot")
    exclude = ("address_enc",)
    date_hierarchy = "created_at"
    actions = ["requeue_selected"]

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Send again now (given up or waiting)"), permissions=["requeue"])
    def requeue_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = requeue(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d delivery requeued.", "%(count)d deliveries requeued.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin[Robot]):
    """Robots are added through the robots page (validated, credentials encrypted); here an
    operator renames them, changes the format and switches them on and off. The encrypted
    credentials are never shown."""

    list_display = ("name", "kind", "area", "webhook_hint", "message_format", "active")
    list_filter = ("kind", "active", "message_format")
    search_fields = ("name", "area__name", "area__code")
    list_select_related = ("area",)
    fields = ("name", "kind", "area", "webhook_hint", "message_format", "active", "created_by")
    readonly_fields = ("kind", "area", "webhook_hint", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin[ChannelPreference]):
    """Who chose which channels; the phone stays encrypted (people change it on their page)."""

    list_display = ("user", "channels", "has_phone", "updated_at")
    search_fields = ("user__username", "user__full_name")
    list_select_related = ("user",)
    fields = ("user", "channels", "has_phone", "updated_at")
    readonly_fields = ("user", "has_phone", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(boolean=True, description=_("phone given"))
    def has_phone(self, obj: ChannelPreference) -> bool:
        return bool(obj.phone_enc)


@admin.register(SmsReceipt)
class SmsReceiptAdmin(ReadOnlyAdmin[SmsReceipt]):
    list_display = ("message_id", "client_ref", "status", "error", "reported_at", "received_at")
    list_filter = ("status",)
    search_fields = ("message_id", "client_ref")
    date_hierarchy = "received_at"
