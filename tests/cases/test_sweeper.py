"""The sweeper: overdue marking, escalation one level at a time, whistles nobody answered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from resigrid.cases import coordination, services
from resigrid.cases.sweeper import sweep
from resigrid.notify.models import Delivery
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_accept_stage_escalates_one_level_per_stage_length(
    casebook: Casebook, resident, community_admin, street_admin
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)  # accept within 60 min
    assert sweep(now=_at(59)).escalated == 0
    assert sweep(now=_at(61)).escalated == 1
    case.refresh_from_db()
    assert (case.escalation_level, case.overdue_since) == (1, _at(60))
    assert sweep(now=_at(100)).escalated == 0  # same level: nothing new
    assert sweep(now=_at(121)).escalated == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert list(case.log.filter(action="escalate").values_list("at", flat=True)) == [
        _at(61),
        _at(121),
    ]
    # Level 1 tells the community, level 2 the street.
    assert Delivery.objects.filter(user=community_admin, message__topic="case.overdue").count() == 1
    assert Delivery.objects.filter(user=street_admin, message__topic="case.overdue").count() == 1


def test_escalation_stops_at_three(casebook: Casebook, resident) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
    sweep(now=_at(60 * 100))
    case.refresh_from_db()
    assert case.escalation_level == 3
    assert sweep(now=_at(60 * 200)).escalated == 0


def test_a_new_stage_clears_the_overdue_mark(casebook: Casebook, resident, community_admin) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
    sweep(now=_at(70))
    with time_machine.travel(_at(75), tick=False):
        services.accept(actor=community_admin, case_id=case.pk)
    case.refresh_from_db()
    assert (case.stage, case.escalation_level, case.overdue_since) == ("dispatch", 0, None)
    assert case.stage_due == _at(75 + 120)


def test_suspended_case_is_not_swept_and_resume_moves_the_deadlines(
    casebook: Casebook, resident, community_admin, department
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
        services.accept(actor=community_admin, case_id=case.pk, register=True)
        services.dispatch(actor=community_admin, case_id=case.pk)
        request = coordination.request_change(
            actor=department, case_id=case.pk, kind="suspend", reason="等待产权单位答复"
        )
    with time_machine.travel(_at(30), tick=False):
        coordination.decide(actor=community_admin, request_id=request.pk, approve=True)
    assert sweep(now=_at(3 * 24 * 60)).escalated == 0
    with time_machine.travel(_at(30 + 48 * 60), tick=False):
        coordination.resume(actor=community_admin, case_id=case.pk)
    case.refresh_from_db()
    assert case.was_suspended is True
    assert case.handle_due == T0 + dt.timedelta(hours=24 + 48)
    assert case.stage_due == case.handle_due


def test_postponement_extends_the_handling_deadline(
    casebook: Casebook, resident, community_admin, department
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
        services.accept(actor=community_admin, case_id=case.pk, register=True)
        services.dispatch(actor=community_admin, case_id=case.pk)
        request = coordination.request_change(
            actor=department,
            case_id=case.pk,
            kind="postpone",
            reason="需采购配件",
            extra_minutes=24 * 60,
        )
        coordination.decide(actor=community_admin, request_id=request.pk, approve=True)
    case.refresh_from_db()
    assert case.handle_due == T0 + dt.timedelta(hours=48)
    assert case.was_postponed is True


def test_unanswered_whistle_is_reported_once(
    casebook: Casebook, resident, community_admin, street_admin
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
        coordination.whistle(
            actor=community_admin,
            case_id=case.pk,
            unit_id=casebook.city_admin.pk,
            reason="需要执法力量",
            answer_minutes=30,
        )
    assert sweep(now=_at(29)).late_whistles == 0
    assert sweep(now=_at(31)).late_whistles == 1
    assert sweep(now=_at(40)).late_whistles == 0
    assert (
        Delivery.objects.filter(user=street_admin, message__topic="case.whistle_late").count() == 1
    )


def test_answered_whistle_is_not_late(
    casebook: Casebook, resident, community_admin, department
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
        row = coordination.whistle(
            actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="协助"
        )
    with time_machine.travel(_at(10), tick=False):
        coordination.answer(actor=department, whistle_id=row.pk, text="已派人到场")
    assert sweep(now=_at(60 * 5)).late_whistles == 0
    row.refresh_from_db()
    assert (row.answered_by, row.answered_at) == (department, _at(10))


def test_sweeper_runs_as_a_task(casebook: Casebook, resident) -> None:
    from resigrid.cases.tasks import sweep_cases

    with time_machine.travel(T0, tick=False):
        report(resident)
    with time_machine.travel(_at(61), tick=False):
        result = sweep_cases.enqueue()
    assert result.return_value == {
        "escalated": 1,
        "late_whistles": 0,
        "absorbed": 0,
        "purged_keys": 0,
    }
