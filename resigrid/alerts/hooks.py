"""What alerts plug into notify (resigrid.notify.links, registered in AlertsConfig.ready()):
each external message of an alert carries its recipient's signed acknowledgement link, and a
delivery that reached its person sets that recipient's delivered time (read time when known).

A delivery is matched to its recipient through the message it carries (Recipient.message_id:
only the alert's own message, not a cancellation or a reminder) and its account — or, for an
SMS to a resident without an account, the keyed hash of the phone number."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from resigrid.alerts.acks import token_for
from resigrid.alerts.distribution import TOPIC
from resigrid.alerts.models import Recipient, RecipientQuerySet
from resigrid.core import pii
from resigrid.notify import links
from resigrid.people.models import Person

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery


def _recipients(
    source: str, message_id: int, user_id: int | None, address_enc: str
) -> RecipientQuerySet:
    """The recipients a delivery reached: by alert first (the message's source, so the unique
    (alert, user) and (alert, person) indexes find them among 100,000), then by message."""
    kind, _sep, pk = source.partition(":")
    if kind != "alert" or not pk.isdigit():
        return Recipient.objects.none()
    rows = Recipient.objects.filter(alert_id=int(pk), message_id=message_id)
    if user_id is not None:
        return rows.filter(user_id=user_id)
    if address_enc:
        phone = pii.decrypt(address_enc)
        if not phone:
            return rows.none()
        # The people with that number first (phone_hash index), then their rows through the
        # (alert, person) unique index: a join would walk all the alert's recipients.
        people = list(
            Person.objects.filter(phone_hash=pii.keyed_hash(phone)).values_list("pk", flat=True)
        )
        return rows.filter(person_id__in=people)
    return rows.none()


def ack_url(token: str) -> str:
    """The signed link's address (the page is `alerts:ack-token`)."""
    return f"{settings.SITE_URL.rstrip('/')}/alerts/ack/{token}/"


def ack_link(delivery: Delivery) -> str | None:
    """The signed acknowledgement link of the delivery's recipient, or None (a group robot, a
    message that is not the alert itself, a number no resident has). Two residents sharing one
    phone number: the first registered gets the link (the SMS reaches them both)."""
    if delivery.robot_id is not None:
        return None
    recipient = (
        _recipients(
            delivery.message.source, delivery.message_id, delivery.user_id, delivery.address_enc
        )
        .order_by("pk")
        .only("pk")
        .first()
    )
    return ack_url(token_for(recipient)) if recipient is not None else None


def record_delivered(event: links.DeliveryEvent) -> int:
    """Set delivered_at (and read_at) of the matching recipients: idempotent, and the earliest
    time wins (the inbox may have been written before the email went out). Returns rows
    changed."""
    rows = _recipients(event.source, event.message_id, event.user_id, event.address_enc)
    changed = 0
    if event.delivered_at is not None:
        changed += _earliest(rows, "delivered_at", event.delivered_at)
    if event.read_at is not None:
        changed += _earliest(rows, "read_at", event.read_at)
    return changed


def _earliest(rows: RecipientQuerySet, name: str, at: dt.datetime) -> int:
    return rows.filter(Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gt": at})).update(
        **{name: at}
    )


def register() -> None:
    links.register(TOPIC, ack_link)
    links.register_delivered(TOPIC, record_delivered)
