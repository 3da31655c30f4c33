"""Call-up services: publish, sign up, exact proposals with their explanation, confirm with
notifications, no double booking, report back accruing hours and points, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.notify.models import Delivery, Message
from resigrid.optim.geo import haversine_m
from resigrid.people.models import Volunteer, VolunteerService
from resigrid.response.callups import assign, services
from resigrid.response.callups.models import (
    Assignment,
    AssignmentState,
    CallUpState,
    SignUp,
    SignUpState,
)
from tests.factories import Tree
from tests.response.callups.conftest import (
    END,
    PLACE,
    SATURDAY_MORNING,
    START,
    TZ,
    Crew,
    make_callup,
    make_volunteer,
    user_of,
)

pytestmark = pytest.mark.django_db


def metres(v: Volunteer) -> int:
    assert v.home_lon is not None and v.home_lat is not None
    return round(float(haversine_m(v.home_lon, v.home_lat, *PLACE)))


def proposed(callup) -> list[tuple[int, str, int]]:
    return [
        (a.slot, a.volunteer.person.name, a.distance_m)
        for a in callup.assignments.filter(state=AssignmentState.PROPOSED)
        .select_related("volunteer__person")
        .order_by("slot")
    ]


def test_publish_and_validation(community_admin: User, tree: Tree, clock: None) -> None:
    callup = make_callup(community_admin, tree, skills=["rescue", "rescue", "medical"])
    assert (callup.state, callup.skills, callup.count) == ("open", ["medical", "rescue"], 2)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"title": "  "}, "title", "Give the call-up a title."),
        ({"count": 0}, "count", "Ask for between 1 and 1000 volunteers."),
        ({"count": 1001}, "count", "Ask for between 1 and 1000 volunteers."),
        ({"skills": ["flying"]}, "skills.0", "Unknown skill: flying."),
        ({"ends_at": START}, "ends_at", "The call-up must end after it starts."),
        ({"lat": 91.0}, "lon", "The place's longitude or latitude is out of range."),
        (
            {"starts_at": START - dt.timedelta(days=9), "ends_at": START - dt.timedelta(days=8)},
            "ends_at",
            "The call-up's window is over: it cannot be published.",
        ),
    ]
    for over, field, message in cases:
        with pytest.raises(ValidationFailed) as err:
            make_callup(community_admin, tree, **over)
        assert (err.value.field, str(err.value.message)) == (field, message)
    assert callup.__class__.objects.count() == 1  # nothing half written


def test_scope(community_admin: User, grid_worker: User, tree: Tree, clock: None) -> None:
    with pytest.raises(PermissionDeniedError):
        make_callup(community_admin, tree, area=tree.grid21)
    with pytest.raises(PermissionDeniedError):  # grid workers do not coordinate
        make_callup(grid_worker, tree)
    callup = make_callup(community_admin, tree)
    from resigrid.response.callups.models import CallUp

    assert list(CallUp.objects.visible_to(community_admin)) == [callup]
    assert list(CallUp.objects.visible_to(grid_worker)) == []


def test_sign_up_rules(community_admin: User, crew: Crew) -> None:
    callup = make_callup(community_admin, crew.tree)
    row = services.sign_up(actor=user_of(crew.jia), callup=callup)
    assert row.state == SignUpState.ACTIVE
    with pytest.raises(ConflictError, match="already signed up"):
        services.sign_up(actor=user_of(crew.jia), callup=callup)
    with pytest.raises(ValidationFailed, match="every skill"):
        services.sign_up(actor=user_of(crew.bing), callup=callup)
    with pytest.raises(NotFoundError):  # 25 km away, another community
        services.sign_up(actor=user_of(crew.far), callup=callup)
    with pytest.raises(PermissionDeniedError, match="Only registered volunteers"):
        services.sign_up(actor=community_admin, callup=callup)
    services.withdraw(actor=user_of(crew.jia), callup=callup)
    assert SignUp.objects.get().state == SignUpState.WITHDRAWN
    assert services.sign_up(actor=user_of(crew.jia), callup=callup).state == SignUpState.ACTIVE


def test_proposal_from_sign_ups_is_exact(community_admin: User, crew: Crew) -> None:
    callup = make_callup(community_admin, crew.tree, count=2)
    for v in (crew.yi, crew.jia, crew.near):
        services.sign_up(actor=user_of(v), callup=callup)
    # 近 withdraws: the two nearest left are 甲 and 乙, least total distance.
    services.withdraw(actor=user_of(crew.near), callup=callup)
    result = assign.propose_assignment(actor=community_admin, callup=callup)
    assert (result.filled, result.unfilled, result.signed_up, result.from_area) == (2, 0, 2, 0)
    got = proposed(callup)
    assert sorted((name, d) for _s, name, d in got) == [
        ("乙", metres(crew.yi)),
        ("甲", metres(crew.jia)),
    ]
    assert 950 < metres(crew.jia) < 980 and 2200 < metres(crew.yi) < 2250
    assert result.total_m == metres(crew.jia) + metres(crew.yi)
    jia = callup.assignments.get(volunteer=crew.jia)
    assert jia.explanation == {
        "skills": ["rescue"],
        "distance_m": metres(crew.jia),
        "source": "signed_up",
        "available": "signed_up",
    }
    # Proposing again replaces the proposals (no duplicates).
    assign.propose_assignment(actor=community_admin, callup=callup)
    assert callup.assignments.filter(state=AssignmentState.PROPOSED).count() == 2


def test_area_volunteers_fill_in_with_weekly_availability(
    community_admin: User, crew: Crew
) -> None:
    """Signed up: 乙 only. Asked for 3. The area adds those with the skill who are free on
    Saturday morning and not booked: 近 (nearest) and 甲; 丙 lacks the skill; 远 is outside."""
    Volunteer.objects.filter(pk=crew.jia.pk).update(availability=SATURDAY_MORNING)
    busy = make_volunteer(crew.tree, "忙", 120.0501, 30.0501, ["rescue"], availability=1)
    callup = make_callup(community_admin, crew.tree, count=3)
    services.sign_up(actor=user_of(crew.yi), callup=callup)
    only_signed = assign.propose_assignment(actor=community_admin, callup=callup)
    assert (only_signed.filled, only_signed.unfilled) == (1, 2)
    result = assign.propose_assignment(actor=community_admin, callup=callup, include_area=True)
    assert (result.filled, result.signed_up, result.from_area) == (3, 1, 3)
    names = {a.volunteer.person.name: a for a in callup.assignments.filter(state="proposed")}
    assert set(names) == {"乙", "近", "甲"}  # 忙 is free on Monday mornings only
    assert busy.pk not in {a.volunteer_id for a in names.values()}
    assert names["近"].explanation["available"] == "weekly"
    assert names["近"].source == "area"
    callup.refresh_from_db()
    assert callup.proposed_from == "area"


def test_confirm_notifies_and_refuses_double_booking(community_admin: User, crew: Crew) -> None:
    first = make_callup(community_admin, crew.tree, count=1)
    services.sign_up(actor=user_of(crew.jia), callup=first)
    assign.propose_assignment(actor=community_admin, callup=first)
    done = assign.confirm(actor=community_admin, callup=first)
    assert [(a.volunteer_id, a.state) for a in done] == [(crew.jia.pk, "confirmed")]
    message = Message.objects.get(topic="callups.confirmed")
    assert message.subject == "You are confirmed: 防汛沙袋搬运"
    assert message.url == "/response/callups/open/"
    inbox = Delivery.objects.filter(message=message, channel="inbox")
    assert [d.user_id for d in inbox] == [user_of(crew.jia).pk]

    # An overlapping call-up: the solver skips the booked volunteer…
    second = make_callup(
        community_admin,
        crew.tree,
        title="转移群众",
        count=1,
        starts_at=START + dt.timedelta(hours=2),
        ends_at=END + dt.timedelta(hours=2),
    )
    services.sign_up(actor=user_of(crew.jia), callup=second)
    assert assign.propose_assignment(actor=community_admin, callup=second).filled == 0
    # …and a proposal made before the booking is refused at confirmation, nothing written.
    Assignment.objects.filter(callup=first).update(state=AssignmentState.PROPOSED)
    assign.propose_assignment(actor=community_admin, callup=second)
    Assignment.objects.filter(callup=first).update(state=AssignmentState.CONFIRMED)
    with pytest.raises(ConflictError) as err:
        assign.confirm(actor=community_admin, callup=second)
    assert str(err.value.message) == (
        "A volunteer cannot be booked twice: 甲 is already confirmed for “防汛沙袋搬运” at an "
        "overlapping time."
    )
    assert second.assignments.get().state == AssignmentState.PROPOSED
    assert Message.objects.count() == 1

    # A call-up starting when the first ends does not overlap.
    third = make_callup(
        community_admin,
        crew.tree,
        title="清淤",
        count=1,
        starts_at=END,
        ends_at=END + dt.timedelta(hours=1),
    )
    services.sign_up(actor=user_of(crew.jia), callup=third)
    assign.propose_assignment(actor=community_admin, callup=third)
    assert [a.volunteer_id for a in assign.confirm(actor=community_admin, callup=third)] == [
        crew.jia.pk
    ]


def test_confirm_some_and_decline(community_admin: User, crew: Crew) -> None:
    callup = make_callup(community_admin, crew.tree, count=2)
    for v in (crew.jia, crew.yi):
        services.sign_up(actor=user_of(v), callup=callup)
    assign.propose_assignment(actor=community_admin, callup=callup)
    jia = callup.assignments.get(volunteer=crew.jia)
    yi = callup.assignments.get(volunteer=crew.yi)
    assign.confirm(actor=community_admin, callup=callup, assignment_ids=[jia.pk])
    with pytest.raises(ConflictError, match="no longer open"):
        assign.confirm(actor=community_admin, callup=callup, assignment_ids=[jia.pk, yi.pk])
    assign.decline(actor=community_admin, assignment=yi)
    with pytest.raises(ValidationFailed, match="no proposal"):
        assign.confirm(actor=community_admin, callup=callup)
    # Re-proposing keeps the confirmed slot and fills the other one again.
    assign.propose_assignment(actor=community_admin, callup=callup)
    rows = callup.assignments.exclude(state="declined").order_by("slot")
    assert [(r.slot, r.volunteer_id, r.state) for r in rows] == [
        (jia.slot, crew.jia.pk, "confirmed"),
        (1 - jia.slot, crew.yi.pk, "proposed"),
    ]
    with pytest.raises(ConflictError, match="confirmed for this task"):
        services.withdraw(actor=user_of(crew.jia), callup=callup)


def test_report_back_accrues_hours_and_points(community_admin: User, crew: Crew) -> None:
    callup = make_callup(community_admin, crew.tree, count=1)
    services.sign_up(actor=user_of(crew.jia), callup=callup)
    assign.propose_assignment(actor=community_admin, callup=callup)
    (row,) = assign.confirm(actor=community_admin, callup=callup)
    me = user_of(crew.jia)
    with pytest.raises(ValidationFailed, match="once the task has started"):
        assign.report_back(actor=me, assignment=row, report="done", hours="2")
    with time_machine.travel(dt.datetime(2026, 7, 4, 12, 30, tzinfo=TZ), tick=False):
        for hours, message in [
            ("0", "more than 0 and at most 3.0"),
            ("3.1", "more than 0 and at most 3.0"),
            ("abc", "as a number"),
        ]:
            with pytest.raises(ValidationFailed, match=message):
                assign.report_back(actor=me, assignment=row, report="done", hours=hours)
        with pytest.raises(ValidationFailed, match="what was done"):
            assign.report_back(actor=me, assignment=row, report="  ", hours="2")
        with pytest.raises(NotFoundError):
            assign.report_back(actor=user_of(crew.yi), assignment=row, report="x", hours="2")
        out = assign.report_back(actor=me, assignment=row, report="搬运沙袋 120 袋", hours="2.75")
        with pytest.raises(ConflictError, match="already reported"):
            assign.report_back(actor=me, assignment=row, report="again", hours="1")
    assert (out.state, out.hours, out.points) == ("reported", Decimal("2.8"), 28)
    crew.jia.refresh_from_db()
    assert (crew.jia.service_hours, crew.jia.points) == (Decimal("2.8"), 28)
    service = VolunteerService.objects.get(volunteer=crew.jia)
    assert (service.hours, service.points, service.note, service.by) == (
        Decimal("2.8"),
        28,
        "防汛沙袋搬运",
        me,
    )


def test_close_and_cancel(community_admin: User, crew: Crew) -> None:
    callup = make_callup(community_admin, crew.tree, count=1)
    services.sign_up(actor=user_of(crew.jia), callup=callup)
    assign.propose_assignment(actor=community_admin, callup=callup)
    assign.confirm(actor=community_admin, callup=callup)
    services.close(actor=community_admin, callup=callup, cancel=True)
    callup.refresh_from_db()
    assert callup.state == CallUpState.CANCELLED
    assert callup.assignments.get().state == AssignmentState.DECLINED
    assert Message.objects.filter(topic="callups.cancelled").count() == 1
    with pytest.raises(ConflictError):
        services.close(actor=community_admin, callup=callup)
    with pytest.raises(ConflictError, match="not open"):
        services.sign_up(actor=user_of(crew.yi), callup=callup)


def test_incident_log_rows(community_admin: User, crew: Crew) -> None:
    from resigrid.response.incidents.models import Incident, IncidentLog

    incident = Incident.objects.create(
        title="东湖暴雨内涝",
        hazard_class="natural",
        area=crew.tree.community1,
        level="4",
        opened_by=community_admin,
    )
    callup = make_callup(community_admin, crew.tree, count=1, incident=incident)
    services.sign_up(actor=user_of(crew.jia), callup=callup)
    assign.propose_assignment(actor=community_admin, callup=callup)
    assign.confirm(actor=community_admin, callup=callup)
    actions = list(
        IncidentLog.objects.filter(incident=incident)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["callup.created", "callup.published", "callup.proposed", "callup.confirmed"]
    elsewhere = Incident.objects.create(
        title="东湖二网格停电",
        hazard_class="accident",
        area=crew.tree.grid12,
        level="4",
        opened_by=community_admin,
    )
    with pytest.raises(ValidationFailed, match="outside the incident"):
        make_callup(community_admin, crew.tree, incident=elsewhere)
