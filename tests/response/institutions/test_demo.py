"""The demo seed on the test tree: five procedures (one with three versions), two schedules,
one past inspection with a case, a flood drill two months ago linked to the natural-hazard plan,
and three lessons (done, open, overdue)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from resigrid.cases.models import Case
from resigrid.orgs.models import Unit
from resigrid.registers import snapshot
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category
from resigrid.response.institutions.models import (
    Drill,
    ImprovementItem,
    InspectionSchedule,
    Procedure,
)
from resigrid.response.plans.models import Plan
from resigrid.web.demo import response_institutions

pytestmark = pytest.mark.django_db


def test_demo_seed(tree, street_admin, community_admin, grid_worker) -> None:
    top = Category.objects.create(code="03", name="街面秩序", kind=CategoryKind.EVENT)
    Category.objects.create(
        code="03.04", name="共享单车乱停放", kind=CategoryKind.EVENT, parent=top
    )
    snapshot.invalidate()
    Unit.objects.create(kind="property", name="东湖物业", area=tree.community1)
    plan = Plan.objects.create(title="防汛应急预案", hazard_class="natural", area=tree.street)
    counts = response_institutions.seed(
        seed=1, street_id=tree.street.pk, community_ids=[tree.community1.pk]
    )
    assert counts == {
        "institution procedures": 5,
        "inspection schedules": 2,
        "inspection cases": 1,
        "drill lessons": 3,
    }
    assert sorted(Procedure.objects.values_list("kind", flat=True)) == [
        "inspection",
        "response",
        "risk",
        "survey",
        "training",
    ]
    routine = Procedure.objects.get(kind="inspection")
    assert routine.current is not None and routine.current.number == 3
    case = Case.objects.get()
    assert (case.source, case.grid_id, case.category.code) == (
        "inspection",
        tree.grid11.pk,
        "03.04",
    )
    today = timezone.localdate()
    assert list(InspectionSchedule.objects.overdue(today).values_list("title", flat=True)) == [
        "防汛设施检查"
    ]
    drill = Drill.objects.get()
    assert drill.plan == plan
    assert 55 <= (today - timezone.localdate(drill.starts_at)).days <= 65
    assert drill.scores.count() == 4
    items = ImprovementItem.objects.filter(source="drill", source_id=drill.pk)
    assert items.count() == 3
    assert items.filter(state="done").count() == 1
    assert items.overdue(today).count() == 1
    assert items.open().filter(due_date__gte=today).count() == 1
    # A second run writes nothing more.
    assert (
        response_institutions.seed(
            seed=1, street_id=tree.street.pk, community_ids=[tree.community1.pk]
        )
        == {}
    )
    assert Procedure.objects.count() == 5
