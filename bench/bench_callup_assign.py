"""Benchmark: the platform path of a volunteer call-up on PostgreSQL — `propose_assignment`
(load the signed-up volunteers, their skills and bookings, run the optim solver, write the
proposals with their explanation) and `confirm` (row locks, the double-booking check, the
notification), for one call-up of `--slots` people with `--signups` volunteers signed up.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_callups \
        .venv/bin/python bench/bench_callup_assign.py [--signups 2000] [--slots 500] [--repeat 3]

Uses a dedicated database (created if missing and migrated; DATABASE_URL is not touched). The
volunteers live in one grid around Hangzhou (0.1° square), 70 % hold the required skill; 10 %
are booked on an overlapping confirmed call-up; each has an account (so `confirm` notifies
them). Everything runs in one transaction rolled back at the end, so runs are independent.
Goal: propose under 2 s, confirm under 2 s. Exit status non-zero when a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_callups"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402

GOAL_PROPOSE_S = 2.0
GOAL_CONFIRM_S = 2.0


class _Rollback(Exception):
    pass


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def run(signups: int, slots: int, repeat: int) -> tuple[list[float], list[float], int]:
    from django.db import transaction
    from django.utils import timezone

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.people.models import Household, Person, Volunteer, VolunteerSkill
    from resigrid.response.callups import assign
    from resigrid.response.callups.models import (
        Assignment,
        CallUp,
        SignUp,
        VolunteerAccount,
    )

    rng = random.Random(1)
    propose_s: list[float] = []
    confirm_s: list[float] = []
    filled = 0
    for _ in range(repeat):
        try:
            with transaction.atomic():
                district = Area.objects.create(
                    code="330106000000000", name="区", level=Level.DISTRICT
                )
                street = Area.objects.create(
                    code="330106001000000", name="街道", level=Level.STREET, parent=district
                )
                community = Area.objects.create(
                    code="330106001001000", name="社区", level=Level.COMMUNITY, parent=street
                )
                grid = Area.objects.create(
                    code="330106001001001", name="网格", level=Level.GRID, parent=community
                )
                boss = User.objects.create(username="bench-boss", password="!")  # noqa: S106
                RoleBinding.objects.create(user=boss, area=community, role=Role.COMMUNITY_STAFF)
                homes = Household.objects.bulk_create(
                    [Household(grid=grid, room=str(i)) for i in range(signups)]
                )
                people = Person.objects.bulk_create(
                    [
                        Person(
                            household=h,
                            grid=grid,
                            name=f"志愿者{i}",
                            sex="F",
                            birth_date=dt.date(1990, 1, 1),
                        )
                        for i, h in enumerate(homes)
                    ]
                )
                vols = Volunteer.objects.bulk_create(
                    [
                        Volunteer(
                            person=p,
                            availability=0,
                            home_lon=120.0 + rng.random() * 0.1,
                            home_lat=30.0 + rng.random() * 0.1,
                        )
                        for p in people
                    ]
                )
                VolunteerSkill.objects.bulk_create(
                    [
                        VolunteerSkill(volunteer=v, skill="rescue")
                        for v in vols
                        if rng.random() < 0.7
                    ]
                )
                users = User.objects.bulk_create(
                    [User(username=f"bench-v{i}", password="!") for i in range(signups)]  # noqa: S106
                )
                VolunteerAccount.objects.bulk_create(
                    [
                        VolunteerAccount(user=u, volunteer=v)
                        for u, v in zip(users, vols, strict=True)
                    ]
                )
                start = timezone.now() + dt.timedelta(days=1)
                common = {
                    "area": community,
                    "lon": 120.05,
                    "lat": 30.05,
                    "skills": ["rescue"],
                    "state": "open",
                    "created_by": boss,
                }
                other = CallUp.objects.create(
                    title="other",
                    count=signups // 10,
                    starts_at=start - dt.timedelta(hours=1),
                    ends_at=start + dt.timedelta(hours=1),
                    **common,
                )
                Assignment.objects.bulk_create(
                    [
                        Assignment(
                            callup=other,
                            slot=i,
                            volunteer=v,
                            source="signed_up",
                            distance_m=0,
                            state="confirmed",
                        )
                        for i, v in enumerate(vols[: signups // 10])
                    ]
                )
                callup = CallUp.objects.create(
                    title="bench",
                    count=slots,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=4),
                    **common,
                )
                SignUp.objects.bulk_create([SignUp(callup=callup, volunteer=v) for v in vols])
                t0 = time.perf_counter()
                result = assign.propose_assignment(actor=boss, callup=callup)
                propose_s.append(time.perf_counter() - t0)
                filled = result.filled
                t0 = time.perf_counter()
                assign.confirm(actor=boss, callup=callup)
                confirm_s.append(time.perf_counter() - t0)
                raise _Rollback
        except _Rollback:
            pass
    return propose_s, confirm_s, filled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=2000)
    parser.add_argument("--slots", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.urls import reverse

    reverse("callups:open")  # import the URL conf now, not inside the first confirm
    propose_s, confirm_s, filled = run(args.signups, args.slots, args.repeat)
    p, c = statistics.median(propose_s), statistics.median(confirm_s)
    print(
        f"{args.signups} sign-ups × {args.slots} slots: {filled} filled; "
        f"propose median {p:.3f} s (runs {', '.join(f'{x:.3f}' for x in propose_s)}); "
        f"confirm median {c:.3f} s (runs {', '.join(f'{x:.3f}' for x in confirm_s)})"
    )
    ok = p < GOAL_PROPOSE_S and c < GOAL_CONFIRM_S
    print(
        "goal met"
        if ok
        else f"goal missed (propose < {GOAL_PROPOSE_S} s, confirm < {GOAL_CONFIRM_S} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
