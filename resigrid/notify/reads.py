"""Reads for the inbox: a user's own messages, newest first, and the unread count."""

from __future__ import annotations

from typing import Any

from resigrid.notify.models import ChannelPreference, Delivery, DeliveryQuerySet

PAGE_SIZE = 20


def inbox(user: Any) -> DeliveryQuerySet:
    """The user's inbox rows with their message, newest first."""
    return Delivery.objects.inbox_of(user).select_related("message").order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """One COUNT query; 0 (and no query) for an anonymous visitor."""
    if user is None or not user.is_authenticated:
        return 0
    return Delivery.objects.inbox_of(user).unread().count()


def own_message(user: Any, delivery_id: int) -> Delivery | None:
    """One of the user's own inbox rows, or None (someone else's row is None too)."""
    return inbox(user).filter(pk=delivery_id).first()


def preference_of(user: Any) -> ChannelPreference | None:
    """The user's channel preference, or None when they never set one."""
    return ChannelPreference.objects.filter(user=user).first()
