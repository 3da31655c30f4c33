"""Read-only views of the outbox for operators: what was said, to whom, and how each delivery
went. Rows change only through the worker and services; the one action requeues given-up rows."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import requeue

M = TypeVar("M", Message, Delivery)


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
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "read_at",
        "leased_by",
    )
    list_filter = ("status", "channel", "message__topic")
    search_fields = ("address", "user__username", "message__subject", "external_id")
    list_select_related = ("message", "user")
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
