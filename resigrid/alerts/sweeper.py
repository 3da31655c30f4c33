"""The alerts sweeper (a command for cron and a django-tasks task): expire alerts past
`expires`, escalate recipients who did not acknowledge within `ack_minutes` (a door-knock for
their carer or grid worker, once per recipient) and tell the level above about a level that
did not acknowledge in time (once per relay)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import RoleBinding
from resigrid.accounts.roles import Role
from resigrid.alerts.choices import State
from resigrid.alerts.distribution import grid_workers, notify_users
from resigrid.alerts.models import Alert, Recipient, Relay, Visit
from resigrid.alerts.services import expire_due, log
from resigrid.people.models import Carer

RELAY_ROLES = (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY, Role.GRID_WORKER)


@dataclass
class SweepReport:
    expired: int = 0
    escalated: int = 0
    visits: int = 0
    relays_overdue: int = 0


def _escalate(alert: Alert, now: dt.datetime) -> tuple[int, int]:
    cutoff = now - dt.timedelta(minutes=alert.ack_minutes)
    late = list(
        Recipient.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            alert=alert,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            created_at__lte=cutoff,
        )
        .values_list("pk", "person_id", "grid_id", "role")
    )
    if not late:
        return 0, 0
    ids = [row[0] for row in late]
    for start in range(0, len(ids), 5000):
        Recipient.objects.filter(pk__in=ids[start : start + 5000]).update(escalated_at=now)
    escalated_now = Recipient.objects.filter(alert=alert, escalated_at=now, person__isnull=False)
    grids = [row[2] for row in late if row[2]]
    workers = grid_workers(list(set(grids)))
    carer_of: dict[int, tuple[int, int]] = {}
    for carer_pk, person_id, user_id in (
        Carer.objects.filter(
            person_id__in=escalated_now.values("person_id"), active=True, user__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "person_id", "user_id")
    ):
        carer_of.setdefault(person_id, (carer_pk, user_id))
    visits: list[Visit] = []
    tell: dict[int, int] = defaultdict(int)  # assignee → how many to visit
    for _pk, person_id, grid_id, role in late:
        if person_id:
            carer = carer_of.get(person_id)
            assignee = carer[1] if carer else workers.get(grid_id)
            visits.append(
                Visit(
                    alert=alert,
                    person_id=person_id,
                    reason=Visit.Reason.NOT_ACKNOWLEDGED,
                    carer_id=carer[0] if carer else None,
                    assignee_id=assignee,
                    created_at=now,
                )
            )
            if assignee:
                tell[assignee] += 1
        elif role == "resident" and grid_id in workers:
            tell[workers[grid_id]] += 1
    existing = set(Visit.objects.filter(alert=alert).values_list("person_id", flat=True))
    new_visits = [v for v in visits if v.person_id not in existing]
    Visit.objects.bulk_create(new_visits, batch_size=5000, ignore_conflicts=True)
    for assignee, count in tell.items():
        notify_users(
            alert=alert,
            user_ids=[assignee],
            subject=_("Not acknowledged: %(headline)s") % {"headline": alert.headline},
            body=_("%(n)d people have not acknowledged this alert; please tell them in person.")
            % {"n": count},
        )
    log(alert, actor=None, action="escalate", at=now, note=str(len(late)))
    return len(late), len(new_visits)


def _above(relay: Relay, alert: Alert) -> list[int]:
    """Staff of the level above a late relay (the issuing area for a first level)."""
    area_id = relay.parent.area_id if relay.parent_id and relay.parent else alert.issuer_area_id
    return list(
        RoleBinding.objects.filter(
            area_id=area_id, role__in=RELAY_ROLES, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _late_relays(alert: Alert, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(minutes=alert.ack_minutes)
    late = list(
        Relay.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("area", "parent")
        .filter(
            alert=alert,
            acknowledged_at__isnull=True,
            overdue_notified_at__isnull=True,
            received_at__lte=cutoff,
        )
    )
    for relay in late:
        notify_users(
            alert=alert,
            user_ids=_above(relay, alert),
            subject=_("%(area)s has not acknowledged: %(headline)s")
            % {"area": relay.area.name, "headline": alert.headline},
            body=_("Received at %(at)s, not acknowledged within %(n)d minutes.")
            % {
                "at": timezone.localtime(relay.received_at).strftime("%H:%M"),
                "n": alert.ack_minutes,
            },
        )
    Relay.objects.filter(pk__in=[r.pk for r in late]).update(overdue_notified_at=now)
    return len(late)


def sweep(*, now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport(expired=expire_due(now=now))
    for alert in (
        Alert.objects.filter(state=State.PUBLISHED)
        .filter(
            Q(recipients__acknowledged_at__isnull=True, recipients__escalated_at__isnull=True)
            | Q(relays__acknowledged_at__isnull=True, relays__overdue_notified_at__isnull=True)
        )
        .distinct()
    ):
        with transaction.atomic():
            escalated, visits = _escalate(alert, now)
            report.escalated += escalated
            report.visits += visits
            report.relays_overdue += _late_relays(alert, now)
    return report


def as_dict(report: SweepReport) -> dict[str, Any]:
    return {
        "expired": report.expired,
        "escalated": report.escalated,
        "visits": report.visits,
        "relays_overdue": report.relays_overdue,
    }
