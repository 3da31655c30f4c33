"""Writes of sweeps: start (snapshot every vulnerable person of the area), record an outcome
(needs help → a task; unreachable → an escalation task and a message to the community
secretary), close, and escalate the persons not contacted by the deadline (once per sweep).

Each function owns its transaction, locks what two users can race on, checks the permission
and writes the incident log in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Role
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.notify.services import enqueue
from resigrid.people.choices import Need
from resigrid.people.models import Carer, EmergencyNeed, Person
from resigrid.response.incidents.models import Incident, IncidentState, TaskOrigin, TaskState
from resigrid.response.incidents.services import create_task, record
from resigrid.response.sweeps.models import (
    Method,
    Outcome,
    Sweep,
    SweepAttempt,
    SweepContact,
    SweepState,
)
from resigrid.response.sweeps.permissions import can_record, can_start_sweep

BATCH = 5000
MAX_NOTE = 2000
MAX_KEY = 80
MAX_DEADLINE = dt.timedelta(days=7)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _grid_workers(grid_ids: list[int]) -> dict[int, int]:
    """grid id → the first grid worker's account id bound on that grid."""
    found: dict[int, int] = {}
    rows = (
        RoleBinding.objects.filter(
            area_id__in=grid_ids, role=Role.GRID_WORKER, user__is_active=True
        )
        .order_by("pk")
        .values_list("area_id", "user_id")
    )
    for grid_id, user_id in rows:
        found.setdefault(grid_id, user_id)
    return found


def _carer_accounts(area: Area) -> dict[int, int]:
    """person id → the first active carer account paired with them."""
    found: dict[int, int] = {}
    rows = (
        Carer.objects.filter(
            person__grid__code__startswith=area.scope_prefix,
            active=True,
            user__isnull=False,
            user__is_active=True,
        )
        .order_by("pk")
        .values_list("person_id", "user_id")
    )
    for person_id, user_id in rows:
        if user_id is not None:
            found.setdefault(person_id, user_id)
    return found


_COLUMNS = ("sweep_id", "person_id", "grid_id", "assigned_to_id", "outcome", "method", "note",
            "attempts")  # fmt: skip


def _write_contacts(rows: list[tuple[int, int, int, int | None]]) -> None:
    """COPY on PostgreSQL (a street is 100,000 rows), bulk INSERT elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SweepContact._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's cursor (psycopg 3)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, "", "", "", 0))
        return
    SweepContact.objects.bulk_create(
        (SweepContact(sweep_id=s, person_id=p, grid_id=g, assigned_to_id=a) for s, p, g, a in rows),
        batch_size=BATCH,
    )


def _check_start(actor: Any, incident: Incident, area: Area, deadline: dt.datetime) -> None:
    if not can_start_sweep(actor, area):
        raise PermissionDeniedError(_("You may not start a sweep in this area."))
    if incident.state == IncidentState.CLOSED:
        raise ConflictError(_("The incident is closed."), state=incident.state)
    if not area.is_within(incident.area):
        raise _fail("area", _("The sweep's area must be the incident's area or lie inside it."))
    if area.level not in (Level.STREET, Level.COMMUNITY, Level.GRID, Level.DISTRICT):
        raise _fail("area", _("Choose an area."))
    now = timezone.now()
    if deadline <= now:
        raise _fail("deadline", _("The deadline must be in the future."))
    if deadline > now + MAX_DEADLINE:
        raise _fail("deadline", _("The deadline must be within seven days."))


def start_sweep(*, actor: Any, incident: Incident, area: Area, deadline: dt.datetime) -> Sweep:
    """Open a sweep of `area` and snapshot every current vulnerable person living there, each
    assigned to a paired carer's account or else to the grid's worker."""
    _check_start(actor, incident, area, deadline)
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        overlapping = [
            s
            for s in Sweep.objects.open().filter(incident=incident).select_related("area")
            if s.area.is_within(area) or area.is_within(s.area)
        ]
        if overlapping:
            raise ConflictError(
                _("A sweep of this area is already open: %(area)s.")
                % {"area": overlapping[0].area.name},
                state=SweepState.OPEN,
            )
        sweep = Sweep.objects.create(
            incident=incident, area=area, deadline=deadline, started_by=actor
        )
        persons = list(
            Person.objects.current()
            .vulnerable()
            .filter(grid__code__startswith=area.scope_prefix)
            .order_by("pk")
            .values_list("pk", "grid_id")
        )
        carers = _carer_accounts(area)
        workers = _grid_workers(sorted({grid_id for _pk, grid_id in persons}))
        _write_contacts(
            [
                (sweep.pk, pk, grid_id, carers.get(pk) or workers.get(grid_id))
                for pk, grid_id in persons
            ]
        )
        record(
            incident=incident,
            actor=actor,
            action="sweep_started",
            note=area.name,
            data={
                "sweep": sweep.pk,
                "area": area.code,
                "persons": len(persons),
                "deadline": deadline.isoformat(),
            },
        )
    return sweep


def close_sweep(*, actor: Any, sweep: Sweep) -> Sweep:
    if not can_start_sweep(actor, sweep.area):
        raise PermissionDeniedError(_("You may not close this sweep."))
    with transaction.atomic():
        locked = Sweep.objects.select_for_update().get(pk=sweep.pk)
        if locked.state != SweepState.OPEN:
            raise ConflictError(_("The sweep is already closed."), state=locked.state)
        locked.state = SweepState.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at"])
        pending = SweepContact.objects.filter(sweep=locked).pending().count()
        record(
            incident=locked.incident,
            actor=actor,
            action="sweep_closed",
            note=locked.area.name,
            data={"sweep": locked.pk, "not_contacted": pending},
        )
    return locked


def _address(person: Person) -> str:
    parts = [person.building.name if person.building else "", person.household.room]
    return " ".join(p for p in parts if p)


def _help_detail(contact: SweepContact, note: str) -> str:
    """What the helpers need and no more: name, address, the emergency needs, the note (no tags,
    no health notes)."""
    person = contact.person
    needs = [
        str(Need(n).label) if n in Need.values else n
        for n in EmergencyNeed.objects.filter(person=person)
        .order_by("need")
        .values_list("need", flat=True)
    ]
    lines = [
        _("Person: %(name)s") % {"name": person.name},
        _("Address: %(address)s") % {"address": _address(person) or contact.grid.name},
    ]
    if needs:
        lines.append(_("Emergency needs: %(needs)s") % {"needs": "、".join(needs)})
    if note:
        lines.append(_("Note from the visit: %(note)s") % {"note": note})
    return "\n".join(lines)


def _community_of(grid: Area) -> Area:
    if grid.level == Level.GRID and grid.parent_id is not None:
        return Area.objects.get(pk=grid.parent_id)
    return grid


def _secretaries(community: Area) -> list[Any]:
    return [
        b.user
        for b in RoleBinding.objects.filter(
            area=community, role=Role.COMMUNITY_SECRETARY, user__is_active=True
        ).select_related("user")
    ]


def _open_needs_help(contact: SweepContact, actor: Any, note: str) -> None:
    if contact.help_task is not None and contact.help_task.state == TaskState.OPEN:
        return
    contact.help_task = create_task(
        incident=contact.sweep.incident,
        actor=actor,
        title=_("Help %(name)s (sweep)") % {"name": contact.person.name},
        origin=TaskOrigin.SWEEP,
        detail=_help_detail(contact, note),
        area=contact.grid,
        due_at=timezone.now() + dt.timedelta(hours=2),
    )


def _escalate_unreachable(contact: SweepContact, actor: Any, note: str) -> None:
    if contact.escalation_task is not None and contact.escalation_task.state == TaskState.OPEN:
        return
    community = _community_of(contact.grid)
    person = contact.person
    title = _("Unreachable in the sweep: find %(name)s") % {"name": person.name}
    contact.escalation_task = create_task(
        incident=contact.sweep.incident,
        actor=actor,
        title=title,
        origin=TaskOrigin.SWEEP,
        detail=_help_detail(contact, note),
        area=community,
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    enqueue(
        topic="sweep.unreachable",
        subject=title,
        body=_("%(grid)s: %(name)s could not be reached by visit or phone.")
        % {"grid": contact.grid.name, "name": person.name},
        url=reverse("sweeps:detail", args=[contact.sweep_id]),
        source=f"sweeps.sweepcontact:{contact.pk}",
        users=_secretaries(community),
    )


def _check_outcome(outcome: str, method: str, note: str, key: str) -> None:
    if outcome not in Outcome.values:
        raise _fail("outcome", _("Choose the outcome: safe, needs help or unreachable."))
    if method not in Method.values:
        raise _fail("method", _("Choose how the person was contacted: visit or phone."))
    if len(note) > MAX_NOTE:
        raise _fail("note", _("The note has at most 2,000 characters."))
    if len(key) > MAX_KEY:
        raise _fail("key", _("The key has at most 80 characters."))


def record_outcome(
    *,
    actor: Any,
    contact: SweepContact,
    outcome: str,
    method: str,
    note: str = "",
    key: str = "",
) -> SweepContact:
    """One visit or call and its outcome. The same `key` again (a double tap, a retry) returns
    the contact as it is without recording anything more."""
    note, key = (note or "").strip(), (key or "").strip()
    _check_outcome(outcome, method, note, key)
    if not can_record(actor, contact):
        raise PermissionDeniedError(_("You may not record contacts in this grid."))
    try:
        with transaction.atomic():
            return _record(actor, contact, outcome, method, note, key)
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        if key and SweepAttempt.objects.filter(contact_id=contact.pk, client_key=key).exists():
            return SweepContact.objects.get(pk=contact.pk)
        raise


def _record(
    actor: Any, contact: SweepContact, outcome: str, method: str, note: str, key: str
) -> SweepContact:
    locked = (
        SweepContact.objects.select_for_update(of=("self",))
        .select_related(
            "sweep__incident",
            "grid",
            "person__building",
            "person__household",
            "help_task",
            "escalation_task",
        )
        .get(pk=contact.pk)
    )
    if key and SweepAttempt.objects.filter(contact=locked, client_key=key).exists():
        return locked
    if locked.sweep.state != SweepState.OPEN:
        raise ConflictError(_("The sweep is closed."), state=locked.sweep.state)
    previous = locked.outcome
    user = _user_or_none(actor)
    SweepAttempt.objects.create(
        contact=locked, outcome=outcome, method=method, note=note, by=user, client_key=key
    )
    locked.outcome, locked.method, locked.note = outcome, method, note
    locked.at, locked.by = timezone.now(), user
    locked.attempts += 1
    if outcome == Outcome.NEEDS_HELP:
        _open_needs_help(locked, user, note)
    elif outcome == Outcome.UNREACHABLE:
        _escalate_unreachable(locked, user, note)
    if previous and previous != outcome:
        record(
            incident=locked.sweep.incident,
            actor=user,
            action="sweep_outcome_changed",
            data={
                "sweep": locked.sweep_id,
                "contact": locked.pk,
                "from": previous,
                "to": outcome,
            },
        )
    locked.save(
        update_fields=[
            "outcome",
            "method",
            "note",
            "at",
            "by",
            "attempts",
            "help_task",
            "escalation_task",
        ]
    )
    return locked


def escalate_overdue(*, sweep: Sweep, now: dt.datetime | None = None) -> int:
    """After the deadline, once per sweep: a task per grid for the persons not contacted, and a
    message to the grid's worker and the community secretary. Returns the tasks created (0
    when the deadline has not passed, the sweep is closed or it was already done)."""
    now = now or timezone.now()
    if sweep.overdue_escalated_at is not None or not sweep.is_overdue(now):
        return 0
    with transaction.atomic():
        locked = Sweep.objects.select_for_update().select_related("incident").get(pk=sweep.pk)
        if locked.overdue_escalated_at is not None or not locked.is_overdue(now):
            return 0
        pending: dict[int, int] = dict(
            SweepContact.objects.filter(sweep=locked)
            .pending()
            .order_by()
            .values("grid_id")
            .annotate(n=Count("pk"))
            .values_list("grid_id", "n")
        )
        grids = {g.pk: g for g in Area.objects.filter(pk__in=list(pending)).order_by("code")}
        workers = _grid_workers(list(grids))
        for grid in grids.values():
            title = _("Sweep overdue: %(n)d persons not contacted in %(grid)s") % {
                "n": pending[grid.pk],
                "grid": grid.name,
            }
            task = create_task(
                incident=locked.incident,
                actor=None,
                title=title,
                origin=TaskOrigin.SWEEP,
                detail=_("Contact them now and record each outcome."),
                area=grid,
                due_at=now + dt.timedelta(hours=1),
            )
            users = _secretaries(_community_of(grid))
            if grid.pk in workers:
                users.append(User.objects.get(pk=workers[grid.pk]))
            enqueue(
                topic="sweep.overdue",
                subject=title,
                url=reverse("sweeps:detail", args=[locked.pk]),
                source=f"incidents.incidenttask:{task.pk}",
                users=users,
            )
        locked.overdue_escalated_at = now
        locked.save(update_fields=["overdue_escalated_at"])
        record(
            incident=locked.incident,
            actor=None,
            action="sweep_overdue",
            data={"sweep": locked.pk, "grids": len(grids), "persons": sum(pending.values())},
        )
    return len(grids)


def escalate_all_overdue(now: dt.datetime | None = None) -> int:
    """Every open sweep past its deadline not yet escalated (the task and the command)."""
    now = now or timezone.now()
    total = 0
    for sweep in Sweep.objects.open().filter(deadline__lte=now, overdue_escalated_at__isnull=True):
        total += escalate_overdue(sweep=sweep, now=now)
    return total
