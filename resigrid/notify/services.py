"""Writes to the outbox. `enqueue` is called inside the caller's transaction, so a message
exists exactly when the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.core.errors import NotFoundError
from resigrid.notify.models import Channel, Delivery, Message


def enqueue(
    *,
    topic: str,
    subject: str,
    body: str = "",
    url: str = "",
    source: str = "",
    users: Iterable[Any] = (),
    emails: Iterable[str] = (),
) -> Message:
    """One message; for each distinct user an inbox row (delivered at once) and, when the user
    has an email address, an email row; for each extra address an email row. Email rows wait for
    a worker (`notify_worker`)."""
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            topic=topic, source=source, subject=subject[:200], body=body, url=url
        )
        rows: list[Delivery] = []
        seen_users: set[int] = set()
        seen_addresses: set[str] = set()
        for user in users:
            if user is None or user.pk in seen_users or not user.is_active:
                continue
            seen_users.add(user.pk)
            rows.append(
                Delivery(
                    message=message,
                    channel=Channel.INBOX,
                    user=user,
                    status=Delivery.Status.SENT,
                    next_attempt_at=now,
                    sent_at=now,
                )
            )
            if user.email and user.email.lower() not in seen_addresses:
                seen_addresses.add(user.email.lower())
                rows.append(
                    Delivery(message=message, channel=Channel.EMAIL, user=user, next_attempt_at=now)
                )
        for address in emails:
            if address and address.lower() not in seen_addresses:
                seen_addresses.add(address.lower())
                rows.append(
                    Delivery(
                        message=message, channel=Channel.EMAIL, address=address, next_attempt_at=now
                    )
                )
        Delivery.objects.bulk_create(rows)
    return message


def mark_read(*, user: Any, delivery_id: int) -> Delivery:
    """Mark one of the user's own inbox messages read (again is a no-op). Another user's row is
    "not found", exactly like a row that does not exist."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Delivery.objects.inbox_of(user).select_related("message").filter(pk=delivery_id).first()
        )
        if row is None:
            raise NotFoundError(_("No such message."))
        if row.read_at is None:
            Delivery.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now)
            row.read_at = now
    return row


def mark_all_read(*, user: Any) -> int:
    """Mark every unread inbox message of the user read; returns how many."""
    with transaction.atomic():
        return Delivery.objects.inbox_of(user).unread().update(read_at=timezone.now())


def requeue(*, delivery_ids: Iterable[int]) -> int:
    """Give deliveries that were given up (or are waiting to retry) a fresh start now, e.g. after
    the SMTP server was fixed. Sent rows are never touched; returns how many were requeued."""
    with transaction.atomic():
        return Delivery.objects.filter(
            pk__in=list(delivery_ids),
            status__in=[Delivery.Status.DEAD, Delivery.Status.RETRY],
        ).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            lease_until=None,
            leased_by="",
        )
