"""CAP over the API: GET /api/alerts/{id}/cap and POST /api/alerts/cap, scoped like the rest
of /api/alerts (404 outside, 403 without the right, 422 with line and column, 409 closed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree

from resigrid.alerts import services
from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.cap.schema import xml_schema
from resigrid.alerts.models import Alert
from tests.alerts.cap_helpers import cap, published
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db

XML = "application/xml"


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_cap(user: Any, area_id: int, data: bytes) -> Any:
    return as_(user).post(f"/api/alerts/cap?area_id={area_id}", data=data, content_type=XML)


def test_get_cap_in_scope_validates(world: World) -> None:
    alert = draft(world)
    response = as_(world.street).get(f"/api/alerts/{alert.pk}/cap")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert xml_schema().validate(etree.fromstring(response.content))


def test_get_cap_outside_scope_is_404(world: World) -> None:
    alert = draft(world)
    assert as_(world.secretary).get(f"/api/alerts/{alert.pk}/cap").status_code == 404  # a draft
    other = draft(
        world,
        issuer_area_id=world.tree.community1.pk,
        target_area_ids=[world.tree.community1.pk],
        actor=world.secretary,
    )
    response = as_(world.staff2).get(f"/api/alerts/{other.pk}/cap")
    assert (response.status_code, response.json()) == (404, {"detail": "No such alert."})
    assert Client().get(f"/api/alerts/{alert.pk}/cap").status_code == 401


def test_import_created_then_duplicate(world: World) -> None:
    response = post_cap(world.secretary, world.tree.community1.pk, cap())
    assert response.status_code == 201
    body = response.json()
    alert = Alert.objects.get(source="cap_import")
    assert body == {
        "outcome": "created",
        "duplicate": False,
        "alert_id": alert.pk,
        "identifier": "44030000000000_20260701120000_1",
        "sender": "cap@gd.example.cn",
        "sent": "2026-07-01T12:00:00+08:00",
    }
    again = post_cap(world.street, world.tree.street.pk, cap())
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert (Alert.objects.count(), CapImport.objects.count()) == (1, 1)


def test_import_as_multipart_file(world: World) -> None:
    upload = SimpleUploadedFile("alert.xml", cap(), content_type=XML)
    response = as_(world.secretary).post(
        f"/api/alerts/cap?area_id={world.tree.community1.pk}", {"file": upload}
    )
    assert response.status_code == 201
    missing = as_(world.secretary).post(
        f"/api/alerts/cap?area_id={world.tree.community1.pk}", {"other": "x"}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]


def test_schema_errors_in_422_with_line_and_column(world: World) -> None:
    data = cap().replace(b"<status>Actual</status>", b"<status>Real</status>")
    response = post_cap(world.secretary, world.tree.community1.pk, data)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "xml"]
    assert error["msg"].startswith("Line 6, column ")
    assert "status" in error["msg"]
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "msg"),
    [
        (b"", "The document is empty."),
        (b"<not-xml", "Line 1, column "),
        (b"<alert xmlns='urn:example'/>", "The root element is {urn:example}alert, not a CAP"),
    ],
)
def test_bad_bodies_are_422(world: World, data: bytes, msg: str) -> None:
    response = post_cap(world.secretary, world.tree.community1.pk, data)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith(msg)
    assert Alert.objects.count() == 0


def test_oversize_body_is_422_before_reading(world: World, settings: Any) -> None:
    settings.ALERT_CAP_MAX_BYTES = 500
    response = post_cap(world.secretary, world.tree.community1.pk, cap())
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "The document is larger than 500 bytes."
    assert Alert.objects.count() == 0


def test_area_outside_scope_is_404_and_without_right_403(world: World) -> None:
    response = post_cap(world.staff2, world.tree.community1.pk, cap())
    assert (response.status_code, response.json()) == (404, {"detail": "No such area."})
    response = post_cap(world.resident, world.tree.grid11.pk, cap())
    assert response.status_code == 403
    assert Alert.objects.count() == 0


def test_closed_alert_is_409(world: World) -> None:
    alert = published(world)
    services.cancel(actor=world.street, alert_id=alert.pk, note="误报")
    ref = f"{alert.sender},{alert.identifier},2026-07-01T12:00:00+08:00"
    data = cap(identifier="u9", msg_type="Update", references=ref)
    response = post_cap(world.street, world.tree.street.pk, data)
    assert response.status_code == 409
    assert response.json()["state"] == "cancelled"
    assert CapImport.objects.count() == 0


def test_openapi_lists_the_cap_paths(world: World) -> None:
    spec = as_(world.street).get("/api/openapi.json").json()
    get = spec["paths"]["/api/alerts/{pk}/cap"]["get"]
    assert "application/xml" in get["responses"]["200"]["content"]
    post = spec["paths"]["/api/alerts/cap"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/xml", "multipart/form-data"}
    assert {"201", "200", "403", "404", "409", "422"} <= set(post["responses"])
