"""POST /api/cases/import: hotline tickets in a batch, per-item outcomes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from resigrid.cases.models import Case
from tests.cases.conftest import Casebook

pytestmark = pytest.mark.django_db


def _item(number: str, **extra: object) -> dict[str, object]:
    item: dict[str, object] = {
        "category": "01.01",
        "title": "12345转办",
        "description": "市民来电反映垃圾未清运。",
        "lon": 120.05,
        "lat": 30.05,
        "source": "hotline",
        "external_id": number,
    }
    item.update(extra)
    return item


def _post(client: Client, items: list[dict[str, object]]):
    return client.post(
        "/api/cases/import", data=json.dumps({"items": items}), content_type="application/json"
    )


def test_import_reports_each_item(casebook: Casebook, community_admin) -> None:
    client = Client()
    client.force_login(community_admin)
    response = _post(client, [_item("GD1"), _item("GD2", lon=121.5, lat=31.2), _item("GD1")])
    assert response.status_code == 200
    body = response.json()
    first = Case.objects.get(external_id="GD1")
    assert (body["created"], body["existing"], body["failed"]) == (1, 1, 1)
    assert body["items"] == [
        {"index": 0, "outcome": "created", "id": first.pk, "number": first.number, "errors": None},
        {
            "index": 1,
            "outcome": "error",
            "id": None,
            "number": None,
            "errors": {"point": ["The point lies outside every grid."]},
        },
        {"index": 2, "outcome": "existing", "id": first.pk, "number": first.number, "errors": None},
    ]
    assert Case.objects.count() == 1


def test_anonymous_cannot_import(casebook: Casebook) -> None:
    assert _post(Client(), [_item("GD9")]).status_code == 401
    assert Case.objects.count() == 0
