"""Writes to the outbox. `enqueue` is called inside the caller's transaction, so a message
exists exactly when the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

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
