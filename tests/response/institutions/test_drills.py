"""Drills: participants, evaluation, lessons → improvement items with owners (all or nothing),
and the improvement-item list states."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions import drills
from resigrid.response.institutions.drills import LessonSpec, ScoreSpec
from resigrid.response.institutions.improvements import close_improvement_item
from resigrid.response.institutions.models import DrillScore, ImprovementItem

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 5, 10, 9, 0, tzinfo=SH)


@pytest.fixture
def drill(tree, community_admin, grid_worker):
    unit = Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    return drills.create_drill(
        actor=community_admin,
        kind="drill",
        area=tree.community1,
        title="防汛应急演练",
        starts_at=AT,
        scenario="暴雨导致地下车库进水",
        head_count=40,
        participant_users=[grid_worker, community_admin],
        participant_units=[unit],
    )


def test_create_with_participants(drill, grid_worker, community_admin) -> None:
    assert drill.head_count == 40
    assert set(drill.participant_users.all()) == {grid_worker, community_admin}
    assert drill.participant_units.get().name == "东湖物业"


def test_participants_must_be_of_the_area(tree, community_admin, outsider) -> None:
    with pytest.raises(ValidationFailed) as e:
        drills.create_drill(
            actor=community_admin,
            kind="drill",
            area=tree.community1,
            title="演练",
            starts_at=AT,
            participant_users=[outsider],
        )
    assert e.value.field == "participant_users"
    with pytest.raises(ValidationFailed) as e:
        drills.create_drill(
            actor=community_admin,
            kind="drill",
            area=tree.community1,
            title="演练",
            starts_at=AT,
            ends_at=AT - dt.timedelta(hours=1),
        )
    assert e.value.field == "ends_at"


def test_evaluation_scores(drill, community_admin) -> None:
    with time_machine.travel(AT + dt.timedelta(days=1), tick=False):
        drills.evaluate_drill(
            actor=community_admin,
            drill_id=drill.pk,
            scores=[ScoreSpec("响应速度", 4), ScoreSpec("物资保障", 3, "沙袋不足")],
            evaluation="总体良好",
        )
        for bad in ([ScoreSpec("响应速度", 6)], [ScoreSpec("a", 1), ScoreSpec("a", 2)], []):
            with pytest.raises(ValidationFailed):
                drills.evaluate_drill(actor=community_admin, drill_id=drill.pk, scores=bad)
    assert list(DrillScore.objects.values_list("aspect", "score")) == [
        ("响应速度", 4),
        ("物资保障", 3),
    ]
    drill.refresh_from_db()
    assert drill.evaluation == "总体良好"


def test_evaluation_waits_for_the_drill(drill, community_admin) -> None:
    with (
        time_machine.travel(AT - dt.timedelta(days=1), tick=False),
        pytest.raises(ValidationFailed),
    ):
        drills.evaluate_drill(
            actor=community_admin, drill_id=drill.pk, scores=[ScoreSpec("响应速度", 4)]
        )


def test_lessons_become_items_with_owners(drill, community_admin, grid_worker) -> None:
    items = drills.add_lessons(
        actor=community_admin,
        drill_id=drill.pk,
        lessons=[
            LessonSpec("补充沙袋", dt.date(2026, 6, 1), owner_user=grid_worker),
            LessonSpec(
                "疏通排水沟",
                dt.date(2026, 6, 15),
                owner_unit=drill.participant_units.get(),
                detail="东门",
            ),
        ],
    )
    rows = ImprovementItem.objects.order_by("due_date")
    assert [(i.source, i.source_id, i.title, i.owner_user_id) for i in rows] == [
        ("drill", drill.pk, "补充沙袋", grid_worker.pk),
        ("drill", drill.pk, "疏通排水沟", None),
    ]
    assert [i.pk for i in items] == [r.pk for r in rows]


def test_lesson_without_owner_writes_nothing(drill, community_admin, grid_worker) -> None:
    with pytest.raises(ValidationFailed) as e:
        drills.add_lessons(
            actor=community_admin,
            drill_id=drill.pk,
            lessons=[
                LessonSpec("补充沙袋", dt.date(2026, 6, 1), owner_user=grid_worker),
                LessonSpec("疏通排水沟", dt.date(2026, 6, 15)),
            ],
        )
    assert e.value.field == "lessons.1.owner"
    assert str(e.value.message) == "An improvement item needs an owner."
    assert not ImprovementItem.objects.exists()
    with pytest.raises(ValidationFailed) as e:
        drills.add_lessons(
            actor=community_admin,
            drill_id=drill.pk,
            lessons=[LessonSpec("补充沙袋", dt.date(2026, 5, 1), owner_user=grid_worker)],
        )
    assert e.value.field == "lessons.0.due_date"
    assert not ImprovementItem.objects.exists()


def test_owner_message_is_translated(drill, community_admin) -> None:
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as e:
        drills.add_lessons(
            actor=community_admin,
            drill_id=drill.pk,
            lessons=[LessonSpec("补充沙袋", dt.date(2026, 6, 1))],
        )
    assert e.value.errors["lessons.0.owner"] == ["整改事项必须有责任人。"]


def test_rights(drill, grid_worker, outsider, tree) -> None:
    for user in (grid_worker, outsider):
        with pytest.raises(PermissionDeniedError):
            drills.add_lessons(
                actor=user,
                drill_id=drill.pk,
                lessons=[LessonSpec("补充沙袋", dt.date(2026, 6, 1), owner_user=grid_worker)],
            )
        with pytest.raises(PermissionDeniedError):
            drills.create_drill(
                actor=user, kind="drill", area=tree.community1, title="演练", starts_at=AT
            )
    assert not ImprovementItem.objects.exists()


def test_open_overdue_done(drill, community_admin, grid_worker) -> None:
    a, b, c = drills.add_lessons(
        actor=community_admin,
        drill_id=drill.pk,
        lessons=[
            LessonSpec(t, d, owner_user=grid_worker)
            for t, d in (
                ("甲", dt.date(2026, 5, 20)),
                ("乙", dt.date(2026, 7, 1)),
                ("丙", dt.date(2026, 5, 30)),
            )
        ],
    )
    close_improvement_item(actor=community_admin, item=c)
    today = dt.date(2026, 6, 1)
    assert list(ImprovementItem.objects.overdue(today)) == [a]
    assert set(ImprovementItem.objects.open()) == {a, b}
    assert list(ImprovementItem.objects.closed()) == [c]
    with pytest.raises(ConflictError):
        close_improvement_item(actor=community_admin, item=c)
