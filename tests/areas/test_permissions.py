"""can_* predicates: a role on an area covers its subtree; a superuser covers everything."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.areas.permissions import (
    can_create_root,
    can_edit_area,
    can_import_into,
    can_view_area,
)
from tests.factories import Tree

AREAS = ["district", "street", "community1", "community2", "grid11", "grid12", "grid21"]


def allowed(pred: Callable[[User, Area], bool], user: User, tree: Tree) -> list[str]:
    return [name for name in AREAS if pred(user, getattr(tree, name))]


@pytest.mark.parametrize(
    ("persona", "view", "edit", "import_"),
    [
        ("resident", ["grid11"], [], []),
        ("grid_worker", ["grid11"], [], []),
        (
            "community_staff",
            ["community1", "grid11", "grid12"],
            ["community1", "grid11", "grid12"],
            [],
        ),
        (
            "community_admin",
            ["community1", "grid11", "grid12"],
            ["community1", "grid11", "grid12"],
            ["community1", "grid11", "grid12"],
        ),
        ("street_admin", AREAS[1:], AREAS[1:], AREAS[1:]),
        ("department", AREAS, [], []),
        ("outsider", [], [], []),
    ],
)
def test_personas(
    tree: Tree,
    request: pytest.FixtureRequest,
    persona: str,
    view: list[str],
    edit: list[str],
    import_: list[str],
) -> None:
    user = request.getfixturevalue(persona)
    assert allowed(can_view_area, user, tree) == view
    assert allowed(can_edit_area, user, tree) == edit
    assert allowed(can_import_into, user, tree) == import_
    assert can_create_root(user) is False


def test_superuser_everywhere(tree: Tree) -> None:
    root = User.objects.create(username="root", is_superuser=True)
    assert allowed(can_edit_area, root, tree) == AREAS
    assert can_create_root(root) is True


def test_inactive_user_nowhere(tree: Tree, street_admin: User) -> None:
    street_admin.is_active = False
    assert allowed(can_view_area, street_admin, tree) == []
