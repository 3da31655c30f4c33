"""The demo's past alerts: a red warning acknowledged by most (some late, the rest escalated)
and expired, a cancelled warning, a directive with report-backs — consistent after being moved
back in time (integrity intact, identifiers of their own day)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from resigrid.alerts import directives, reads, services
from resigrid.alerts.models import Alert, Recipient
from resigrid.areas.models import Area
from resigrid.notify.models import Delivery

pytestmark = pytest.mark.django_db


def test_demo_alerts() -> None:
    call_command("seed_demo", "--residents", "600", "--grids", "4", "--communities", "2",
                 stdout=StringIO())  # fmt: skip
    now = timezone.now()
    street = Area.objects.get(level="street")
    issued = Alert.objects.filter(issuer_area=street).order_by("sent")
    assert [(a.kind, a.level, a.state) for a in issued] == [
        ("warning", "red", "expired"),
        ("warning", "yellow", "cancelled"),
        ("directive", "", "published"),
    ]
    storm, wind, order = issued
    for alert, days in ((storm, 7), (wind, 5), (order, 3)):
        assert alert.sent is not None
        assert abs((now - alert.sent) - dt.timedelta(days=days)) < dt.timedelta(hours=2)
        assert alert.identifier.endswith(
            "_" + timezone.localtime(alert.sent).strftime("%Y%m%d%H%M%S") + "_1"
        )
        assert services.verify(alert).intact is True
        # Nothing of those days is left waiting in the outbox.
        assert not Delivery.objects.filter(
            message__source=f"alert:{alert.pk}", status__in=["pending", "retry"]
        ).exists()
    assert storm.published_at is not None and wind.published_at is not None
    reachable = Recipient.objects.filter(alert=storm).exclude(
        user__isnull=True, person__phone_hash__isnull=True
    )
    acknowledged = reachable.filter(acknowledged_at__isnull=False).count()
    assert acknowledged > 0.8 * reachable.count()
    late = reachable.filter(
        acknowledged_at__gt=storm.published_at + dt.timedelta(minutes=storm.ack_minutes)
    )
    assert late.count() > 0
    assert reachable.filter(acknowledged_at__isnull=True, escalated_at__isnull=False).exists()
    board = reads.board(alert=storm, area=street)
    assert board.everyone.acknowledged == acknowledged
    assert wind.closed_at == wind.published_at + dt.timedelta(minutes=60)
    view = directives.reports(alert=order, now=now)
    assert [x.state for x in view.levels] == ["reported", "reported_late"]
    assert view.levels[0].updates == 1
