"""Admin: messages and deliveries are read-only lists with filters; a superuser can requeue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import enqueue, requeue
from tests.factories import UserFactory

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(client_for: Any, db: None) -> Any:
    return client_for(UserFactory(username="root", is_superuser=True, is_staff=True))


@pytest.fixture
def message(alice: User) -> Message:
    return enqueue(topic="case.accepted", subject="受理通知", users=[alice])


def test_lists_and_filters_render_read_only(admin_client: Any, message: Message) -> None:
    row = Delivery.objects.get(channel="email")
    pages = [
        reverse("admin:notify_message_changelist"),
        reverse("admin:notify_message_changelist") + "?topic=case.accepted",
        reverse("admin:notify_message_change", args=[message.pk]),
        reverse("admin:notify_delivery_changelist") + "?status__exact=pending&channel__exact=email",
        reverse("admin:notify_delivery_change", args=[row.pk]),
    ]
    for url in pages:
        r = admin_client.get(url)
        assert r.status_code == 200, url
        assert b'name="_save"' not in r.content
    listing = admin_client.get(reverse("admin:notify_delivery_changelist")).content.decode()
    assert "受理通知" in listing and "requeue_selected" in listing
    assert admin_client.get(reverse("admin:notify_delivery_add")).status_code == 403
    post = admin_client.post(
        reverse("admin:notify_delivery_change", args=[row.pk]), {"status": "sent"}
    )
    assert post.status_code == 403
    delete = admin_client.post(
        reverse("admin:notify_message_delete", args=[message.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert (Message.objects.count(), Delivery.objects.get(pk=row.pk).status) == (1, "pending")


def test_superuser_requeues_given_up_rows(admin_client: Any, message: Message) -> None:
    row = Delivery.objects.get(channel="email")
    Delivery.objects.filter(pk=row.pk).update(status="dead", attempts=3, last_error="refused")
    inbox = Delivery.objects.get(channel="inbox")
    with time_machine.travel(T0, tick=False):
        r = admin_client.post(
            reverse("admin:notify_delivery_changelist"),
            {"action": "requeue_selected", "_selected_action": [row.pk, inbox.pk]},
            follow=True,
        )
    assert "1 delivery requeued." in r.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "pending",
        0,
        T0,
        "refused",
    )
    assert Delivery.objects.get(pk=inbox.pk).status == "sent"  # sent rows are never touched
    assert requeue(delivery_ids=[inbox.pk]) == 0
