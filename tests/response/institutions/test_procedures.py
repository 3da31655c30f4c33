"""Procedures: the first version, revisions as new rows, old versions unchanged."""

from __future__ import annotations

import datetime as dt

import pytest

from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.institutions import procedures
from resigrid.response.institutions.models import Procedure, ProcedureVersion

pytestmark = pytest.mark.django_db


def _new(actor, tree, **extra):
    data = {
        "actor": actor,
        "area": tree.community1,
        "kind": "inspection",
        "title": "日常巡查制度",
        "text": "网格员每日巡查一次。",
        "effective_on": dt.date(2026, 1, 1),
        "approved_by": "社区党委会",
    }
    data.update(extra)
    return procedures.create_procedure(**data)


def test_create_writes_version_one_and_makes_it_current(tree, community_admin) -> None:
    p = _new(community_admin, tree)
    v = p.versions.get()
    assert (v.number, v.text, v.approved_by, v.effective_on) == (
        1,
        "网格员每日巡查一次。",
        "社区党委会",
        dt.date(2026, 1, 1),
    )
    assert p.current_id == v.pk


def test_revision_adds_a_version_and_keeps_the_old_text(tree, community_admin) -> None:
    p = _new(community_admin, tree)
    old = p.current
    assert old is not None
    before = ProcedureVersion.objects.filter(pk=old.pk).values().get()
    v2 = procedures.add_version(
        actor=community_admin,
        procedure_id=p.pk,
        text="网格员每日巡查两次。",
        effective_on=dt.date(2026, 3, 1),
        approved_by="社区党委会",
        change_note="汛期加密巡查",
        expected_number=1,
    )
    assert v2.number == 2
    assert ProcedureVersion.objects.filter(pk=old.pk).values().get() == before
    p.refresh_from_db()
    assert p.current_id == v2.pk
    assert list(p.versions.values_list("number", flat=True)) == [2, 1]


def test_revision_needs_a_change_note_and_a_later_date(tree, community_admin) -> None:
    p = _new(community_admin, tree)
    args = {
        "actor": community_admin,
        "procedure_id": p.pk,
        "text": "新文本",
        "approved_by": "社区党委会",
    }
    with pytest.raises(ValidationFailed) as e:
        procedures.add_version(**args, effective_on=dt.date(2026, 2, 1), change_note="  ")
    assert e.value.field == "change_note"
    with pytest.raises(ValidationFailed) as e:
        procedures.add_version(**args, effective_on=dt.date(2025, 12, 1), change_note="改")
    assert e.value.field == "effective_on"
    assert p.versions.count() == 1


def test_stale_revision_conflicts(tree, community_admin) -> None:
    p = _new(community_admin, tree)
    args = {
        "actor": community_admin,
        "procedure_id": p.pk,
        "text": "新文本",
        "approved_by": "社区党委会",
        "effective_on": dt.date(2026, 2, 1),
        "change_note": "改",
        "expected_number": 1,
    }
    procedures.add_version(**args)
    with pytest.raises(ConflictError):
        procedures.add_version(**args)
    assert p.versions.count() == 2


def test_bad_input_and_rights(tree, community_admin, grid_worker, outsider) -> None:
    with pytest.raises(ValidationFailed) as e:
        _new(community_admin, tree, kind="poetry")
    assert e.value.field == "kind"
    with pytest.raises(ValidationFailed) as e:
        _new(community_admin, tree, text=" ")
    assert e.value.field == "text"
    with pytest.raises(ValidationFailed) as e:
        _new(community_admin, tree, title="x" * 121)
    assert e.value.field == "title"
    with pytest.raises(PermissionDeniedError):
        _new(grid_worker, tree)
    with pytest.raises(PermissionDeniedError):
        _new(outsider, tree)
    _new(community_admin, tree)
    with pytest.raises(ValidationFailed) as e:
        _new(community_admin, tree)
    assert e.value.field == "title"
    assert Procedure.objects.count() == 1
