"""The synthetic street the alert benchmarks share (bench_alert_fanout.py, bench_alert_acks.py):
one street, 10 communities × 10 grids, staff on every level, N residents (a few thousand with a
phone of their own, the rest reached only through the board and door-knocks) and M resident
accounts. Seeded once per database (kept between runs); each run empties the alert and outbox
tables and publishes afresh.

Not a benchmark by itself: imported by the two scripts after they set the environment."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_alerts"
)
ENV = {
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "RESIGRID_DEBUG": "0",
    "RESIGRID_SECRET_KEY": "bench-" + "k" * 50,
    "RESIGRID_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "RESIGRID_LOG_LEVEL": os.environ.get("RESIGRID_LOG_LEVEL", "ERROR"),
    # Only the inbox (and SMS for residents with a phone): no email for the synthetic accounts.
    "RESIGRID_NOTIFY_DEFAULT_CHANNELS": "sms",
}
os.environ.update(ENV)

import psycopg  # noqa: E402

LON0, LAT0, STEP = 120.0, 30.0, 0.01
COMMUNITIES, GRIDS_PER = 10, 10
MARKER = "bench-alerts-street"


def ensure_database(url: str = BENCH_URL) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def rect(lon: float, lat: float, width: float, height: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height]]
    return {"type": "Polygon", "coordinates": [[*ring, [lon, lat]]]}


def seed(*, residents: int, phones: int, accounts: int) -> float:
    """The street (once; reseeded when the sizes asked for differ). Returns seconds spent."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.core import pii
    from resigrid.people.models import Household, Person

    sizes = f"{residents}/{phones}/{accounts}"
    street = Area.objects.filter(code="330106001000000").first()
    if street is not None and street.name == f"{MARKER} {sizes}":
        return 0.0
    t0 = time.perf_counter()
    wipe_world()
    password = make_password(None)
    with transaction.atomic():
        district = Area.objects.create(
            code="330106000000000",
            name="示范区",
            level=Level.DISTRICT,
            boundary=rect(LON0 - 0.1, LAT0 - 0.1, 1.2, 0.3),
        )
        street = Area.objects.create(
            code="330106001000000",
            name=f"{MARKER} {sizes}",
            level=Level.STREET,
            parent=district,
            boundary=rect(LON0, LAT0, COMMUNITIES * GRIDS_PER * STEP, STEP),
        )
        users: list[User] = [
            User(username=f"ba-street-{i}", full_name=f"街道{i}", password=password)
            for i in range(2)
        ]
        grids: list[Area] = []
        bindings: list[tuple[int, Area, str]] = [(0, street, Role.STREET_STAFF)]
        bindings.append((1, street, Role.STREET_STAFF))
        for c in range(COMMUNITIES):
            x = LON0 + c * GRIDS_PER * STEP
            community = Area.objects.create(
                code=f"330106001{c + 1:03d}000",
                name=f"社区{c + 1}",
                level=Level.COMMUNITY,
                parent=street,
                boundary=rect(x, LAT0, GRIDS_PER * STEP, STEP),
            )
            users.append(User(username=f"ba-c{c}", full_name=f"社工{c}", password=password))
            bindings.append((len(users) - 1, community, Role.COMMUNITY_STAFF))
            for g in range(GRIDS_PER):
                grid = Area.objects.create(
                    code=f"330106001{c + 1:03d}{g + 1:03d}",
                    name=f"社区{c + 1}网格{g + 1}",
                    level=Level.GRID,
                    parent=community,
                    boundary=rect(x + g * STEP, LAT0, STEP, STEP),
                )
                grids.append(grid)
                users.append(
                    User(username=f"ba-gw{c}-{g}", full_name=f"网格员{c}-{g}", password=password)
                )
                bindings.append((len(users) - 1, grid, Role.GRID_WORKER))
        for i in range(accounts):
            users.append(User(username=f"ba-res-{i:06d}", full_name=f"居民{i}", password=password))
            bindings.append((len(users) - 1, grids[i % len(grids)], Role.RESIDENT))
        User.objects.bulk_create(users, batch_size=5000)
        RoleBinding.objects.bulk_create(
            [RoleBinding(user=users[i], area=area, role=role) for i, area, role in bindings],
            batch_size=5000,
        )
        homes = Household.objects.bulk_create(
            [Household(grid=grids[h % len(grids)], room=f"{h}") for h in range(residents // 3 + 1)],
            batch_size=5000,
        )
        birth = dt.date(1970, 1, 1)
        batch: list[Person] = []
        for i in range(residents):
            home = homes[i // 3]
            phone = f"139{i:08d}" if i < phones else ""
            batch.append(
                Person(
                    household=home,
                    grid_id=home.grid_id,
                    name=f"居民{i}",
                    sex="F" if i % 2 else "M",
                    birth_date=birth,
                    phone_enc=pii.encrypt(phone) if phone else None,
                    phone_hash=pii.keyed_hash(phone) if phone else None,
                )
            )
            if len(batch) == 10_000:
                Person.objects.bulk_create(batch)
                batch.clear()
        Person.objects.bulk_create(batch)
    return time.perf_counter() - t0


def wipe_world() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE alerts_alert, alerts_alert_target_areas, alerts_relay, alerts_recipient,"
            " alerts_visit, alerts_alertlog, people_person, people_household, areas_area,"
            " accounts_rolebinding, accounts_accesstoken, accounts_user CASCADE"
        )
    empty_alerts()


def empty_alerts() -> None:
    """No alerts, no outbox rows: each run starts from the same state."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE alerts_alert, alerts_alert_target_areas, alerts_relay, alerts_recipient,"
            " alerts_visit, alerts_alertlog, notify_smsreceipt, notify_delivery, notify_message"
            " RESTART IDENTITY CASCADE"
        )


def street_staff() -> Any:
    from resigrid.accounts.models import User

    return User.objects.get(username="ba-street-0"), User.objects.get(username="ba-street-1")


def draft_street_alert(*, cascade: str = "direct", headline: str = "暴雨红色预警") -> Any:
    from resigrid.alerts.drafting import Draft, draft_alert
    from resigrid.alerts.services import approve
    from resigrid.areas.models import Area

    issuer, approver = street_staff()
    street = Area.objects.get(code="330106001000000")
    alert = draft_alert(
        actor=issuer,
        draft=Draft(
            issuer_area_id=street.pk,
            target_area_ids=[street.pk]
            if cascade == "direct"
            else list(Area.objects.filter(parent=street).values_list("pk", flat=True)),
            kind="warning",
            level="red",
            category="Met",
            event="暴雨",
            headline=headline,
            description="预计未来3小时降雨量将达100毫米以上，请立即转移到安全地带。",
            instruction="停止户外活动，低洼地区人员立即转移。",
            cascade=cascade,
        ),
    )
    approve(actor=approver, alert_id=alert.pk)
    return alert
