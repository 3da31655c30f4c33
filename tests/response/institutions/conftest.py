"""Institution fixtures: two leaf case categories and a fire-lane schedule in grid 11 whose
first item files findings as 消防通道 cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from resigrid.accounts.models import User
from resigrid.registers import snapshot
from resigrid.registers.choices import CategoryKind
from resigrid.registers.models import Category
from resigrid.response.institutions import inspections
from resigrid.response.institutions.models import InspectionSchedule
from tests.factories import Tree


@dataclass
class Book:
    tree: Tree
    fire_lane: Category  # 03.01 消防通道堵塞 (leaf)
    flood: Category  # 03.02 防汛设施损坏 (leaf)


@pytest.fixture
def book(tree: Tree) -> Book:
    safety = Category.objects.create(code="03", name="安全隐患", kind=CategoryKind.EVENT)
    fire = Category.objects.create(
        code="03.01", name="消防通道堵塞", kind=CategoryKind.EVENT, parent=safety
    )
    flood = Category.objects.create(
        code="03.02", name="防汛设施损坏", kind=CategoryKind.EVENT, parent=safety
    )
    snapshot.invalidate()
    return Book(tree, fire, flood)


def make_schedule(
    actor: User, tree: Tree, *, responsible: User | None = None, **extra: object
) -> InspectionSchedule:
    data: dict[str, object] = {
        "actor": actor,
        "area": tree.grid11,
        "title": "消防通道巡查",
        "cadence": "weekly",
        "next_due": dt.date(2026, 6, 1),
        "items": [
            inspections.ItemSpec("消防通道是否畅通", "03.01"),
            inspections.ItemSpec("灭火器是否在有效期内"),
        ],
        "responsible_user": responsible or actor,
        "place": "1号楼东侧",
    }
    data.update(extra)
    return inspections.create_schedule(**data)  # type: ignore[arg-type]


@pytest.fixture
def schedule(book: Book, community_admin: User, grid_worker: User) -> InspectionSchedule:
    return make_schedule(community_admin, book.tree, responsible=grid_worker)
