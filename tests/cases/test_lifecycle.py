"""The whole loop through the services: report → … → rated, with clocks, log and feedback."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from resigrid.cases import coordination, services
from resigrid.cases.choices import RequestKind
from resigrid.cases.models import Case, CaseRequest
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.notify.models import Delivery
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _states(case: Case) -> list[tuple[str, str, str]]:
    return list(case.log.values_list("action", "from_state", "to_state"))


def test_full_loop_with_clocks_log_and_reporter_feedback(
    casebook: Casebook, resident, community_admin, department, grid_worker
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
    assert case.state == "reported"
    assert case.grid == casebook.tree.grid11
    assert case.stage == "accept"
    assert case.stage_due == T0 + dt.timedelta(minutes=60)

    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        services.accept(actor=community_admin, case_id=case.pk, register=True)
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        case = services.dispatch(actor=community_admin, case_id=case.pk)
    assert case.lead_unit == casebook.city_admin
    assert list(case.support_units.all()) == [casebook.property_co]
    assert case.handle_due == T0 + dt.timedelta(minutes=20 + 24 * 60)

    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        services.start(actor=department, case_id=case.pk)
        services.handle(actor=department, case_id=case.pk, result="已清运。")
    with pytest.raises(PermissionDeniedError):
        services.verify(actor=department, case_id=case.pk, passed=True)
    with time_machine.travel(T0 + dt.timedelta(hours=4), tick=False):
        services.verify(actor=grid_worker, case_id=case.pk, passed=False, note="还有残留")
    case.refresh_from_db()
    assert (case.state, case.rework_count) == ("in_progress", 1)
    assert case.stage_due == case.handle_due == T0 + dt.timedelta(minutes=20 + 24 * 60)

    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        services.handle(actor=department, case_id=case.pk, result="已彻底清运。")
        services.verify(actor=grid_worker, case_id=case.pk, passed=True)
        services.close(actor=community_admin, case_id=case.pk)
        case = services.rate(actor=resident, case_id=case.pk, rating="basically")
    assert case.state == "rated"
    assert case.closed_on_time is True
    assert _states(case) == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("register", "accepted", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("start", "dispatched", "in_progress"),
        ("handle", "in_progress", "handled"),
        ("verify_fail", "handled", "in_progress"),
        ("handle", "in_progress", "handled"),
        ("verify_pass", "handled", "verified"),
        ("close", "verified", "closed"),
        ("rate", "closed", "rated"),
    ]
    topics = list(
        Delivery.objects.filter(user=resident, channel="inbox")
        .order_by("pk")
        .values_list("message__topic", flat=True)
    )
    assert topics == [
        "case.report",
        "case.accept",
        "case.dispatch",
        "case.handle",
        "case.handle",
        "case.close",
    ]
    assert Delivery.objects.filter(user=department, message__topic="case.dispatched").count() == 1


def test_illegal_move_is_409_naming_the_state_and_writes_nothing(
    casebook: Casebook, resident, community_admin
) -> None:
    case = report(resident)
    with pytest.raises(ConflictError) as err:
        services.close(actor=community_admin, case_id=case.pk)
    assert err.value.state == "reported"
    assert case.log.count() == 1
    case.refresh_from_db()
    assert case.state == "reported"


def test_second_accept_loses(
    casebook: Casebook, resident, community_admin, community_staff
) -> None:
    case = report(resident)
    services.accept(actor=community_admin, case_id=case.pk, expected="reported")
    with pytest.raises(ConflictError):
        services.accept(actor=community_staff, case_id=case.pk, expected="reported")
    assert case.log.filter(action="accept").count() == 1


def test_outsider_cannot_accept_and_nothing_changes(casebook: Casebook, resident, outsider) -> None:
    case = report(resident)
    with pytest.raises(PermissionDeniedError):
        services.accept(actor=outsider, case_id=case.pk)
    case.refresh_from_db()
    assert case.state == "reported"
    assert case.log.count() == 1


def test_reject_needs_a_reason(casebook: Casebook, resident, community_admin) -> None:
    case = report(resident)
    with pytest.raises(ValidationFailed) as err:
        services.reject(actor=community_admin, case_id=case.pk, reason="  ")
    assert err.value.field == "reason"
    services.reject(actor=community_admin, case_id=case.pk, reason="不属于社区管辖")
    case.refresh_from_db()
    assert (case.state, case.rejection_reason) == ("rejected", "不属于社区管辖")


def test_dispatch_override_needs_reason(casebook: Casebook, resident, community_admin) -> None:
    case = report(resident)
    services.accept(actor=community_admin, case_id=case.pk, register=True)
    with pytest.raises(ValidationFailed) as err:
        services.dispatch(
            actor=community_admin, case_id=case.pk, lead_unit_id=casebook.property_co.pk
        )
    assert err.value.field == "note"
    case = services.dispatch(
        actor=community_admin,
        case_id=case.pk,
        lead_unit_id=casebook.property_co.pk,
        note="小区内部道路归物业",
    )
    assert case.lead_unit == casebook.property_co
    assert list(case.support_units.all()) == []


def test_unsatisfied_rating_opens_a_reopen_request(
    casebook: Casebook, resident, community_admin, department, grid_worker
) -> None:
    case = report(resident)
    services.accept(actor=community_admin, case_id=case.pk, register=True)
    services.dispatch(actor=community_admin, case_id=case.pk)
    services.handle(actor=department, case_id=case.pk, result="已处理")
    services.verify(actor=grid_worker, case_id=case.pk, passed=True)
    services.close(actor=community_admin, case_id=case.pk)
    services.rate(actor=resident, case_id=case.pk, rating="unsatisfied", comment="根本没清")
    request = CaseRequest.objects.get(case=case)
    assert request.kind == RequestKind.REOPEN
    coordination.decide(actor=community_admin, request_id=request.pk, approve=True, note="重办")
    case.refresh_from_db()
    assert (case.state, case.reopen_count, case.rating) == ("dispatched", 1, "")
    assert case.handle_due is not None and case.handle_due > timezone.now()
