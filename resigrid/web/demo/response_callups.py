"""Demo data of the callups app (issue 6).

In the first community: a past call-up 防汛沙袋搬运 (closed; six confirmed, four reported back
with hours and points on the people side) and an open one for the coming days with a few
sign-ups and no proposal yet (the coordinator's "propose" button has something to do). One
volunteer of the community gets the login ``volunteer`` (the demo password; no role: the menu
shows "Volunteer needs" to accounts linked to a volunteer), so the volunteer's phone page can be
shown: they served in the past call-up and qualify for the open one.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.optim.geo import haversine_m
from resigrid.people.models import Volunteer, VolunteerService, VolunteerSkill
from resigrid.response.callups import rules
from resigrid.response.callups.models import (
    Assignment,
    AssignmentState,
    CallUp,
    CallUpState,
    SignUp,
    Source,
    VolunteerAccount,
)
from resigrid.response.incidents.models import Incident

USERNAME = "volunteer"
REPORTED_HOURS = (Decimal("4.0"), Decimal("3.5"), Decimal("4.0"), Decimal("3.0"))


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _metres(v: Volunteer, lon: float, lat: float) -> int:
    assert v.home_lon is not None and v.home_lat is not None  # noqa: S101 - filtered below
    return round(float(haversine_m(v.home_lon, v.home_lat, lon, lat)))


def _account(volunteer: Volunteer) -> int:
    """The ``volunteer`` login (the password hash of the other demo accounts); 0 when taken."""
    template = User.objects.filter(username="resident").first()
    if (
        template is None
        or User.objects.filter(username=USERNAME).exists()
        or VolunteerAccount.objects.filter(volunteer=volunteer).exists()
    ):
        return 0
    user = User(username=USERNAME, full_name=volunteer.person.name, password=template.password)
    user.save()
    VolunteerAccount.objects.create(user=user, volunteer=volunteer)
    return 1


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's callups rows; return counts for the seed summary."""
    if not community_ids:
        return {}
    community = Area.objects.get(pk=community_ids[0])
    coordinator = (
        User.objects.filter(username="secretary").first()
        or User.objects.filter(is_superuser=True).first()
    )
    vols = list(
        Volunteer.objects.filter(
            active=True,
            person__grid__code__startswith=community.scope_prefix,
            home_lon__isnull=False,
            home_lat__isnull=False,
        )
        .select_related("person__grid")
        .order_by("pk")
    )
    # Ten volunteers spread over the community (the first ones by id share a building).
    rng = random.Random(f"{seed}-callups")  # noqa: S311 - demo data, not security
    vols = rng.sample(vols, min(10, len(vols)))
    if coordinator is None or len(vols) < 8:
        return {}
    lon = community.centroid_lon or vols[0].home_lon or 120.0
    lat = community.centroid_lat or vols[0].home_lat or 30.0
    today = timezone.localdate()
    incident = (
        Incident.objects.filter(area__code__startswith=community.code[:9])
        .order_by("opened_at", "pk")
        .first()
    )
    if incident is not None and not community.code.startswith(incident.area.scope_prefix):
        incident = None
    past = CallUp.objects.create(
        incident=incident,
        area=community,
        title="防汛沙袋搬运",
        description="暴雨预警，低洼地段入口堆放沙袋，需身体健康、能搬重物的志愿者。",
        skills=[],
        count=6,
        lon=lon,
        lat=lat,
        address=f"{community.name}党群服务中心门口",
        starts_at=_at(today - dt.timedelta(days=5), 8),
        ends_at=_at(today - dt.timedelta(days=5), 12),
        state=CallUpState.CLOSED,
        proposed_from=Source.SIGNED_UP,
        proposed_at=_at(today - dt.timedelta(days=6), 18),
        created_by=coordinator,
        published_at=_at(today - dt.timedelta(days=6), 9),
    )
    SignUp.objects.bulk_create(SignUp(callup=past, volunteer=v) for v in vols[:8])
    # The six nearest of the eight were proposed and confirmed (what the solver picks here).
    nearest = sorted(vols[:8], key=lambda v: (_metres(v, lon, lat), v.pk))[:6]
    me = nearest[0]
    rows = []
    for slot, v in enumerate(nearest):
        d = _metres(v, lon, lat)
        reported = slot < len(REPORTED_HOURS)
        hours = REPORTED_HOURS[slot] if reported else None
        service = None
        if hours is not None:
            points = rules.points_for(hours)
            service = VolunteerService.objects.create(
                volunteer=v, hours=hours, points=points, note=past.title, by=coordinator
            )
            Volunteer.objects.filter(pk=v.pk).update(
                service_hours=F("service_hours") + hours, points=F("points") + points
            )
        rows.append(
            Assignment(
                callup=past,
                slot=slot,
                volunteer=v,
                source=Source.SIGNED_UP,
                distance_m=d,
                explanation={
                    "skills": [],
                    "distance_m": d,
                    "source": Source.SIGNED_UP.value,
                    "available": "signed_up",
                },
                state=AssignmentState.REPORTED if reported else AssignmentState.CONFIRMED,
                confirmed_at=past.proposed_at,
                confirmed_by=coordinator,
                report="完成沙袋搬运与堆放，入口已封堵。" if reported else "",
                reported_at=past.ends_at if reported else None,
                hours=hours,
                points=rules.points_for(hours) if hours is not None else 0,
                service=service,
            )
        )
    Assignment.objects.bulk_create(rows)

    # An open need in two days: the demo volunteer qualifies (elderly care) and signed up.
    VolunteerSkill.objects.get_or_create(volunteer=me, skill="elderly_care")
    coming = CallUp.objects.create(
        area=community,
        title="协助转移独居老人",
        description="台风来临前协助网格员将独居老人转移至安置点。",
        skills=["elderly_care"],
        count=3,
        lon=lon,
        lat=lat,
        address=f"{community.name}安置点",
        starts_at=_at(today + dt.timedelta(days=2), 9),
        ends_at=_at(today + dt.timedelta(days=2), 17),
        state=CallUpState.OPEN,
        created_by=coordinator,
        published_at=timezone.now(),
    )
    helpers = [me, *[v for v in vols if v.pk != me.pk][:2]]
    for v in helpers:
        VolunteerSkill.objects.get_or_create(volunteer=v, skill="elderly_care")
    SignUp.objects.bulk_create(SignUp(callup=coming, volunteer=v) for v in helpers)
    accounts = _account(me)
    return {
        "callups": 2,
        "callup_signups": 8 + len(helpers),
        "callup_assignments": len(rows),
        "callup_accounts": accounts,
    }
