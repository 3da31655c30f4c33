"""Drafting: scope of the issuer, targets inside the issuing area, required fields."""

from __future__ import annotations

import pytest

from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from tests.factories import Tree

pytestmark = pytest.mark.django_db


def _draft(tree: Tree, **extra: object) -> Draft:
    data: dict[str, object] = {
        "issuer_area_id": tree.street.pk,
        "target_area_ids": [tree.community1.pk, tree.community2.pk],
        "kind": "warning",
        "level": "red",
        "category": "Met",
        "event": "暴雨",
        "headline": "暴雨红色预警",
        "description": "预计未来3小时降雨量将达100毫米以上。",
        "instruction": "停止户外活动，低洼地区人员转移。",
    }
    data.update(extra)
    return Draft(**data)  # type: ignore[arg-type]


def test_street_drafts_a_red_warning(tree: Tree, street_admin) -> None:
    alert = draft_alert(actor=street_admin, draft=_draft(tree))
    assert (alert.state, alert.severity, alert.area_desc, alert.geocodes) == (
        "draft",
        "Extreme",
        "东湖社区、西湖社区",
        [tree.community1.code, tree.community2.code],
    )
    assert list(alert.log.values_list("action", "to_state")) == [("draft", "draft")]


def test_community_cannot_cover_the_neighbour(tree: Tree, community_admin) -> None:
    with pytest.raises(PermissionDeniedError):
        draft_alert(
            actor=community_admin,
            draft=_draft(tree, issuer_area_id=tree.community1.pk),
        )
    with pytest.raises(PermissionDeniedError):
        draft_alert(actor=community_admin, draft=_draft(tree))  # issuing for the street
    assert Alert.objects.count() == 0


def test_grid_worker_cannot_issue(tree: Tree, grid_worker) -> None:
    with pytest.raises(PermissionDeniedError):
        draft_alert(
            actor=grid_worker,
            draft=_draft(tree, issuer_area_id=tree.grid11.pk, target_area_ids=[tree.grid11.pk]),
        )


def test_warning_needs_a_level_and_text(tree: Tree, street_admin) -> None:
    with pytest.raises(ValidationFailed) as err:
        draft_alert(
            actor=street_admin, draft=_draft(tree, level="", headline="", target_area_ids=[])
        )
    assert set(err.value.errors) == {"level", "headline", "target_areas"}
    assert Alert.objects.count() == 0


def test_system_draft_needs_no_actor(tree: Tree) -> None:
    alert = draft_alert(
        actor=None, draft=_draft(tree), source="sensor", source_ref="rule:1", system=True
    )
    assert (alert.source, alert.created_by) == ("sensor", None)
