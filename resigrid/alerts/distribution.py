"""Distribution down the tree: relays for the covered areas, every recipient (staff by role,
party members, volunteers, residents, resident accounts, carers of vulnerable people),
door-knock visits for vulnerable people without a phone, and ONE notify message per batch.
Bulk writes only: a street is 100,000 recipients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from resigrid.accounts.models import RoleBinding, User
from resigrid.accounts.roles import Role
from resigrid.alerts.choices import RecipientRole
from resigrid.alerts.models import Alert, Recipient, Relay, Visit
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.notify.services import enqueue
from resigrid.orgs.models import PartyMember
from resigrid.people.models import Carer, Person, Volunteer, Vulnerability

STAFF_ROLES = (
    Role.STREET_STAFF,
    Role.COMMUNITY_STAFF,
    Role.COMMUNITY_SECRETARY,
    Role.GRID_WORKER,
)
BATCH = 5000
TOPIC = "alert"


def alert_text(alert: Alert) -> str:
    """The original text, verbatim, as it goes out on every channel."""
    parts = [alert.headline, alert.description]
    if alert.instruction:
        parts.append(alert.instruction)
    if alert.sender_name:
        parts.append(f"—— {alert.sender_name}")
    return "\n\n".join(parts)


def areas_below(targets: Iterable[Area]) -> list[Area]:
    """The targets and every area under them (by code prefix, i.e. the parent chain), parents
    before children."""
    found: dict[int, Area] = {}
    for target in targets:
        for area in Area.objects.subtree(target):
            found[area.pk] = area
    return sorted(found.values(), key=lambda a: a.code)


def create_relays(
    *, alert: Alert, areas: list[Area], now: dt.datetime, parent_of: dict[int, Relay]
) -> list[Relay]:
    """One relay per area, parented to the relay of its parent area when there is one."""
    by_area: dict[int, Relay] = dict(parent_of)
    created: list[Relay] = []
    # Depth by depth so that parents have their pk before children reference them.
    for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
        batch = [
            Relay(
                alert=alert,
                area=area,
                parent=by_area.get(area.parent_id) if area.parent_id else None,
                received_at=now,
                received_sha256=alert.content_sha256,
            )
            for area in areas
            if area.level == level and area.pk not in by_area
        ]
        if batch:
            Relay.objects.bulk_create(batch, batch_size=BATCH)
            for relay in batch:
                by_area[relay.area_id] = relay
            created.extend(batch)
    return created


@dataclass
class _Plan:
    users: dict[int, tuple[str, int, int | None]] = field(default_factory=dict)  # role, relay, grid
    persons: dict[int, tuple[str, int, int | None]] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


def _plan(alert: Alert, relays: list[Relay], now: dt.datetime) -> _Plan:
    plan = _Plan()
    relay_of = {r.area_id: r.pk for r in relays}
    levels = dict(Area.objects.filter(pk__in=list(relay_of)).values_list("pk", "level"))
    grid_ids = [a for a, lvl in levels.items() if lvl == Level.GRID]
    # Staff by role on these areas.
    for user_id, area_id in RoleBinding.objects.filter(
        area_id__in=list(relay_of), role__in=STAFF_ROLES, user__is_active=True
    ).values_list("user_id", "area_id"):
        grid = area_id if levels[area_id] == Level.GRID else None
        plan.users.setdefault(user_id, (RecipientRole.STAFF, relay_of[area_id], grid))
    if not grid_ids:
        return plan
    # Resident accounts bound to these grids.
    for user_id, area_id in RoleBinding.objects.filter(
        area_id__in=grid_ids, role=Role.RESIDENT, user__is_active=True
    ).values_list("user_id", "area_id"):
        plan.users.setdefault(user_id, (RecipientRole.RESIDENT, relay_of[area_id], area_id))
    # Residents living in these grids (party members and volunteers named as such).
    people = (
        Person.objects.current()
        .filter(grid_id__in=grid_ids)
        .annotate(
            is_member=Exists(PartyMember.objects.filter(person=OuterRef("pk"))),
            is_volunteer=Exists(Volunteer.objects.filter(person=OuterRef("pk"), active=True)),
        )
        .values_list("pk", "grid_id", "phone_enc", "is_member", "is_volunteer")
    )
    for pk, grid_id, phone_enc, is_member, is_volunteer in people.iterator(chunk_size=BATCH):
        role = (
            RecipientRole.PARTY_MEMBER
            if is_member
            else RecipientRole.VOLUNTEER
            if is_volunteer
            else RecipientRole.RESIDENT
        )
        plan.persons[pk] = (role, relay_of[grid_id], grid_id)
        if phone_enc:
            plan.phones.append(pii.decrypt(phone_enc))
    # Carers of vulnerable people living here.
    vulnerable = Person.objects.current().filter(
        grid_id__in=grid_ids, pk__in=Vulnerability.objects.values("person_id")
    )
    carers = Carer.objects.filter(active=True, person__in=vulnerable).values_list(
        "person_id", "person__grid_id", "user_id", "carer_person_id", "phone_enc", "pk"
    )
    carer_of: dict[int, tuple[int, int]] = {}  # person → (carer pk, user pk) with an account
    for person_id, grid_id, user_id, carer_person_id, phone_enc, carer_pk in carers:
        if user_id:
            plan.users.setdefault(user_id, (RecipientRole.CARER, relay_of[grid_id], grid_id))
            carer_of.setdefault(person_id, (carer_pk, user_id))
        elif carer_person_id:
            plan.persons.setdefault(
                carer_person_id, (RecipientRole.CARER, relay_of[grid_id], grid_id)
            )
        elif phone_enc:
            plan.phones.append(pii.decrypt(phone_enc))
    # Vulnerable people without a phone of their own: a door-knock.
    workers = grid_workers(grid_ids)
    no_phone = vulnerable.filter(Q(phone_enc__isnull=True) | Q(phone_enc=""))
    for person_id, grid_id in no_phone.values_list("pk", "grid_id"):
        carer = carer_of.get(person_id)
        plan.visits.append(
            Visit(
                alert=alert,
                person_id=person_id,
                reason=Visit.Reason.NO_CHANNEL,
                carer_id=carer[0] if carer else None,
                assignee_id=carer[1] if carer else workers.get(grid_id),
                created_at=now,
            )
        )
    return plan


def grid_workers(grid_ids: list[int]) -> dict[int, int]:
    """grid → one active grid worker's user id (the first bound)."""
    found: dict[int, int] = {}
    for area_id, user_id in (
        RoleBinding.objects.filter(
            area_id__in=grid_ids, role=Role.GRID_WORKER, user__is_active=True
        )
        .order_by("pk")
        .values_list("area_id", "user_id")
    ):
        found.setdefault(area_id, user_id)
    return found


_COLUMNS = (
    "alert_id",
    "relay_id",
    "grid_id",
    "role",
    "user_id",
    "person_id",
    "message_id",
    "delivered_at",
    "created_at",
    "ack_channel",
)


def write_recipients(rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (a street is 100,000 rows), bulk INSERT elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Recipient._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's cursor (psycopg 3)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    Recipient.objects.bulk_create(
        [Recipient(**dict(zip(_COLUMNS, row, strict=True))) for row in rows], batch_size=BATCH
    )


def accounts(ids: list[int]) -> Iterator[User]:
    """The accounts, fetched in chunks (an IN list per chunk stays within SQLite's limits)."""
    for start in range(0, len(ids), BATCH):
        yield from User.objects.filter(pk__in=ids[start : start + BATCH]).only(
            "pk", "email", "is_active"
        )


def reach(
    *, alert: Alert, relays: list[Relay], now: dt.datetime, addition: str = ""
) -> tuple[int, int | None]:
    """Recipients and visits for these relays' areas and one notify message to all of them
    (original text verbatim; a level's local addition after it, marked as such). Returns
    (recipients created, notify message id)."""
    if not relays:
        return 0, None
    plan = _plan(alert, relays, now)
    taken_users: set[int] = set()
    taken_persons: set[int] = set()
    for user_id, person_id in Recipient.objects.filter(alert=alert).values_list(
        "user_id", "person_id"
    ):
        if user_id:
            taken_users.add(user_id)
        if person_id:
            taken_persons.add(person_id)
    user_ids = [u for u in plan.users if u not in taken_users]
    person_ids = [p for p in plan.persons if p not in taken_persons]
    message_id: int | None = None
    body = alert_text(alert)
    if addition:
        body += "\n\n" + _("Local addition (not part of the original):") + "\n" + addition
    if user_ids or plan.phones:
        message = enqueue(
            topic=TOPIC,
            subject=alert.headline,
            body=body,
            url=f"/alerts/{alert.pk}/",
            source=f"alert:{alert.pk}",
            users=accounts(user_ids),
            phones=plan.phones,
        )
        message_id = message.pk
    rows: list[tuple[Any, ...]] = [
        (alert.pk, r, g, role, u, None, message_id, now, now, "")  # inbox: delivered
        for u, (role, r, g) in ((u, plan.users[u]) for u in user_ids)
    ] + [
        (alert.pk, r, g, role, None, p, message_id, None, now, "")
        for p, (role, r, g) in ((p, plan.persons[p]) for p in person_ids)
    ]
    write_recipients(rows)
    Visit.objects.bulk_create(plan.visits, batch_size=BATCH, ignore_conflicts=True)
    return len(rows), message_id


def notify_users(*, alert: Alert, user_ids: Iterable[int], subject: str, body: str) -> int | None:
    ids = list(dict.fromkeys(u for u in user_ids if u))
    if not ids:
        return None
    message = enqueue(
        topic=TOPIC,
        subject=subject,
        body=body,
        url=f"/alerts/{alert.pk}/",
        source=f"alert:{alert.pk}",
        users=accounts(ids),
    )
    return message.pk


def first_level(alert: Alert) -> list[Area]:
    return list(alert.target_areas.all())


def distribute(*, alert: Alert, now: dt.datetime) -> tuple[list[Relay], int]:
    """At publication: direct → every area below the targets at once; relay → the targets
    only (each level forwards on)."""
    targets = first_level(alert)
    areas = areas_below(targets) if alert.cascade == "direct" else targets
    relays = create_relays(alert=alert, areas=areas, now=now, parent_of={})
    count, _mid = reach(alert=alert, relays=relays, now=now)
    return relays, count
