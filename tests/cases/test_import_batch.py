"""Hotline (12345) tickets imported in a batch: good items kept, bad ones reported, repeats
return the first case."""

from __future__ import annotations

import pytest

from resigrid.cases import intake
from resigrid.cases.models import Case
from resigrid.core.errors import ValidationFailed
from tests.cases.conftest import Casebook

pytestmark = pytest.mark.django_db


def _ticket(number: str, **extra: object) -> intake.Report:
    data: dict[str, object] = {
        "category": "01.01",
        "title": "12345转办",
        "description": "市民来电反映垃圾未清运。",
        "lon": 120.05,
        "lat": 30.05,
        "source": "hotline",
        "external_id": number,
    }
    data.update(extra)
    return intake.Report(**data)  # type: ignore[arg-type]


def test_batch_keeps_good_items_and_reports_bad_ones(casebook: Casebook, community_admin) -> None:
    result = intake.import_batch(
        actor=community_admin,
        reports=[
            _ticket("GD2026110001"),
            _ticket("GD2026110002", lon=121.5, lat=31.2),
            _ticket(""),
            _ticket("GD2026110003", category="99"),
        ],
    )
    assert [i for i, _ in result.created] == [0]
    assert [(i, sorted(e)) for i, e in result.errors] == [
        (1, ["point"]),
        (2, ["external_id"]),
        (3, ["category"]),
    ]
    assert Case.objects.get().external_id == "GD2026110001"


def test_repeat_import_returns_the_first_case(casebook: Casebook, community_admin) -> None:
    first = intake.import_batch(actor=community_admin, reports=[_ticket("GD1")])
    again = intake.import_batch(actor=community_admin, reports=[_ticket("GD1")])
    assert again.created == []
    assert [(i, c.pk) for i, c in again.existing] == [(0, first.created[0][1].pk)]
    assert Case.objects.count() == 1


def test_resident_cannot_import_hotline_tickets(casebook: Casebook, resident) -> None:
    result = intake.import_batch(actor=resident, reports=[_ticket("GD9")])
    assert result.created == []
    assert result.errors[0][0] == 0
    assert Case.objects.count() == 0


def test_batch_size_limit(casebook: Casebook, community_admin) -> None:
    with pytest.raises(ValidationFailed):
        intake.import_batch(
            actor=community_admin, reports=[_ticket(str(i)) for i in range(intake.MAX_BATCH + 1)]
        )
