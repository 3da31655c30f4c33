"""Schedules, cadence and inspections: each finding opens exactly one case, even when the same
form is submitted twice; recording moves the next due date."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from resigrid.cases.models import Case
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.response.institutions import inspections, rules
from resigrid.response.institutions.inspections import AnswerSpec
from resigrid.response.institutions.models import Inspection, InspectionSchedule
from tests.response.institutions.conftest import make_schedule

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_cadence_rules() -> None:
    d = dt.date(2026, 1, 31)
    assert rules.step("daily", None, d) == dt.date(2026, 2, 1)
    assert rules.step("weekly", None, d) == dt.date(2026, 2, 7)
    assert rules.step("monthly", None, d) == dt.date(2026, 2, 28)
    assert rules.step("quarterly", None, d) == dt.date(2026, 4, 30)
    assert rules.step("quarterly", None, dt.date(2026, 11, 30)) == dt.date(2027, 2, 28)
    assert rules.step("days", 10, d) == dt.date(2026, 2, 10)
    with pytest.raises(ValueError):
        rules.step("days", None, d)
    assert rules.days_overdue(dt.date(2026, 1, 1), dt.date(2026, 1, 4)) == 3
    assert rules.days_overdue(dt.date(2026, 1, 5), dt.date(2026, 1, 4)) == 0


def _answers(s: InspectionSchedule, first: AnswerSpec) -> dict[int, AnswerSpec]:
    a, b = list(s.items.all())
    return {a.pk: first, b.pk: AnswerSpec("ok")}


FOUND = AnswerSpec("finding", "电动车堵住消防通道")


def test_finding_opens_one_case_and_moves_due_date(schedule, grid_worker) -> None:
    with time_machine.travel(dt.datetime(2026, 6, 3, 9, 0, tzinfo=SH), tick=False):
        assert list(InspectionSchedule.objects.overdue(dt.date(2026, 6, 3))) == [schedule]
        inspection, new = inspections.record_inspection(
            actor=grid_worker, schedule_id=schedule.pk, answers=_answers(schedule, FOUND), key="k1"
        )
    assert new
    finding = inspection.answers.get(result="finding")
    case = Case.objects.get()
    assert finding.case_id == case.pk
    assert (case.source, case.category.code, case.grid_id, case.reporter_id) == (
        "inspection",
        "03.01",
        schedule.area_id,
        grid_worker.pk,
    )
    assert case.title == "消防通道巡查：消防通道是否畅通"
    assert case.description == "电动车堵住消防通道"
    schedule.refresh_from_db()
    assert schedule.next_due == dt.date(2026, 6, 10)
    assert not InspectionSchedule.objects.overdue(dt.date(2026, 6, 10)).exists()
    assert InspectionSchedule.objects.overdue(dt.date(2026, 6, 11)).get() == schedule


def test_resubmission_opens_no_second_case(schedule, grid_worker) -> None:
    first, new1 = inspections.record_inspection(
        actor=grid_worker, schedule_id=schedule.pk, answers=_answers(schedule, FOUND), key="same"
    )
    again, new2 = inspections.record_inspection(
        actor=grid_worker, schedule_id=schedule.pk, answers=_answers(schedule, FOUND), key="same"
    )
    assert (new1, new2, again.pk) == (True, False, first.pk)
    assert Case.objects.count() == 1
    assert Inspection.objects.count() == 1


def test_finding_without_category_or_note_writes_nothing(schedule, grid_worker) -> None:
    a, b = list(schedule.items.all())
    due = schedule.next_due
    with pytest.raises(ValidationFailed) as e:
        inspections.record_inspection(
            actor=grid_worker,
            schedule_id=schedule.pk,
            answers={a.pk: AnswerSpec("ok"), b.pk: AnswerSpec("finding", "过期")},
        )
    assert e.value.field == f"answers.{b.pk}"
    with pytest.raises(ValidationFailed) as e:
        inspections.record_inspection(
            actor=grid_worker,
            schedule_id=schedule.pk,
            answers={a.pk: AnswerSpec("finding", " "), b.pk: AnswerSpec("ok")},
        )
    assert e.value.field == f"answers.{a.pk}"
    with pytest.raises(ValidationFailed) as e:
        inspections.record_inspection(
            actor=grid_worker, schedule_id=schedule.pk, answers={a.pk: AnswerSpec("ok")}
        )
    assert e.value.field == f"answers.{b.pk}"
    with pytest.raises(ValidationFailed):
        inspections.record_inspection(
            actor=grid_worker,
            schedule_id=schedule.pk,
            answers={a.pk: AnswerSpec("ok"), b.pk: AnswerSpec("maybe")},
        )
    # A category given on the finding is enough.
    inspections.record_inspection(
        actor=grid_worker,
        schedule_id=schedule.pk,
        answers={a.pk: AnswerSpec("na"), b.pk: AnswerSpec("finding", "过期", "03.02")},
    )
    assert Case.objects.get().category.code == "03.02"
    schedule.refresh_from_db()
    assert schedule.next_due != due
    assert Inspection.objects.count() == 1


def test_who_may_record(schedule, community_staff, department, outsider, tree) -> None:
    answers = _answers(schedule, AnswerSpec("ok"))
    for user in (department, outsider):
        with pytest.raises(PermissionDeniedError):
            inspections.record_inspection(actor=user, schedule_id=schedule.pk, answers=answers)
    inspections.record_inspection(actor=community_staff, schedule_id=schedule.pk, answers=answers)
    assert Inspection.objects.count() == 1


def test_schedule_validation(book, community_admin, grid_worker, tree) -> None:
    with pytest.raises(ValidationFailed) as e:
        make_schedule(community_admin, tree, cadence="days")
    assert e.value.field == "every_days"
    with pytest.raises(ValidationFailed) as e:
        make_schedule(community_admin, tree, items=[])
    assert e.value.field == "items"
    with pytest.raises(ValidationFailed) as e:
        make_schedule(community_admin, tree, items=[inspections.ItemSpec("问", "99.99")])
    assert e.value.field == "items"
    with pytest.raises(ValidationFailed) as e:
        make_schedule(community_admin, tree, responsible_user=None)
    assert e.value.field == "responsible_user"
    with pytest.raises(ValidationFailed) as e:
        make_schedule(community_admin, tree, lon=120.35, lat=30.05)  # community 2
    assert e.value.field == "lon"
    with pytest.raises(PermissionDeniedError):
        make_schedule(grid_worker, tree)
    assert not InspectionSchedule.objects.exists()
    s = make_schedule(community_admin, tree, area=tree.community1, cadence="days", every_days=3)
    assert s.every_days == 3
    assert inspections.finding_point(s) == pytest.approx((120.05, 30.05))
