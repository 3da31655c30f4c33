"""CAP pages: /alerts/<id>/cap.xml (public for published public alerts, scoped otherwise), the
Atom feed of active alerts, and the upload page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree

from resigrid.alerts import services
from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.cap.schema import xml_schema
from resigrid.alerts.models import Alert
from tests.alerts.cap_helpers import NOON, cap, published
from tests.alerts.conftest import World, draft

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def as_(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_published_alert_is_open_to_all(world: World) -> None:
    alert = published(world)
    response = Client().get(f"/alerts/{alert.pk}/cap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert xml_schema().validate(etree.fromstring(response.content))


def test_draft_and_restricted_alerts_are_scoped(world: World) -> None:
    alert = draft(world)
    anonymous = Client().get(f"/alerts/{alert.pk}/cap.xml")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    # Same answer for an alert that does not exist: nothing leaks.
    assert Client().get("/alerts/999999/cap.xml").status_code == 302
    assert as_(world.staff2).get(f"/alerts/{alert.pk}/cap.xml").status_code == 404
    assert as_(world.street).get(f"/alerts/{alert.pk}/cap.xml").status_code == 200
    restricted = published(world, at=NOON + dt.timedelta(seconds=1))
    Alert.objects.filter(pk=restricted.pk).update(scope="Restricted")
    assert Client().get(f"/alerts/{restricted.pk}/cap.xml").status_code == 302
    # Relayed into community 2 at publication: its staff may read it.
    assert as_(world.staff2).get(f"/alerts/{restricted.pk}/cap.xml").status_code == 200


def feed_entries(client: Client) -> list[dict[str, str]]:
    response = client.get("/alerts/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    return [
        {
            "title": e.findtext(f"{ATOM}title") or "",
            "id": e.findtext(f"{ATOM}id") or "",
            "link": e.find(f"{ATOM}link").get("href", ""),  # type: ignore[union-attr]
        }
        for e in root.findall(f"{ATOM}entry")
    ]


def test_feed_lists_only_active_public_alerts(world: World) -> None:
    active = published(world)
    second = NOON + dt.timedelta(seconds=1)
    cancelled = published(world, at=second)
    services.cancel(actor=world.street, alert_id=cancelled.pk, note="误报")
    restricted = published(world, at=NOON + dt.timedelta(seconds=2))
    Alert.objects.filter(pk=restricted.pk).update(scope="Restricted")
    expired = published(
        world,
        at=NOON + dt.timedelta(seconds=3),
        onset=NOON,
        expires=NOON + dt.timedelta(minutes=30),
    )
    draft(world)
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        entries = feed_entries(Client())
    assert entries == [
        {
            "title": "暴雨红色预警",
            "id": f"http://testserver/alerts/{active.pk}/cap.xml",
            "link": f"http://testserver/alerts/{active.pk}/cap.xml",
        }
    ]
    assert expired.pk != active.pk
    with time_machine.travel(NOON + dt.timedelta(hours=13), tick=False):
        assert feed_entries(Client()) == []  # the active one expired as well


def test_import_page_imports_an_upload(world: World) -> None:
    client = as_(world.secretary)
    page = client.get("/alerts/cap/import/")
    assert page.status_code == 200
    assert b'value="330106001001000"' in page.content
    upload = SimpleUploadedFile("alert.xml", cap(), content_type="application/xml")
    response = client.post("/alerts/cap/import/", {"area": "330106001001000", "file": upload})
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "Imported 44030000000000_20260701120000_1 from cap@gd.example.cn as a draft alert." in text
    )
    alert = Alert.objects.get()
    assert f'href="/alerts/{alert.pk}/cap.xml"' in text
    assert f'href="/alerts/{alert.pk}/"' in text  # the alert's page
    again = client.post("/alerts/cap/import/", {"area": "330106001001000", "xml": cap().decode()})
    assert "Already imported: 44030000000000_20260701120000_1" in again.content.decode()
    assert CapImport.objects.count() == 1


def test_import_page_lists_schema_errors(world: World) -> None:
    bad = cap().replace(b"<status>Actual</status>", b"<status>Real</status>")
    response = as_(world.secretary).post(
        "/alerts/cap/import/", {"area": "330106001001000", "xml": bad.decode()}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "The document does not follow the CAP 1.2 schema." in text
    assert 'id="cap-schema-errors"' in text
    assert "Line 6, column " in text
    assert Alert.objects.count() == 0


def test_import_page_refuses_other_areas_and_empty_input(world: World) -> None:
    client = as_(world.staff2)
    response = client.post(
        "/alerts/cap/import/", {"area": "330106001001000", "xml": cap().decode()}
    )
    assert response.status_code == 422
    assert "Choose one of your areas." in response.content.decode()
    empty = client.post("/alerts/cap/import/", {"area": "330106001002000", "xml": " "})
    assert "Choose a CAP file or paste the XML." in empty.content.decode()
    assert Alert.objects.count() == 0
    assert Client().get("/alerts/cap/import/").status_code == 302


def test_import_page_refuses_oversize_upload(world: World, settings: Any) -> None:
    settings.ALERT_CAP_MAX_BYTES = 300
    upload = SimpleUploadedFile("alert.xml", cap(), content_type="application/xml")
    response = as_(world.secretary).post(
        "/alerts/cap/import/", {"area": "330106001001000", "file": upload}
    )
    assert response.status_code == 422
    assert "The document is larger than 300 bytes." in response.content.decode()
    assert Alert.objects.count() == 0


def test_feed_answers_conditional_get(world: World) -> None:
    published(world)
    later = NOON + dt.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        first = Client().get("/alerts/feed.atom")
        etag = first["ETag"]
        assert Client().get("/alerts/feed.atom", HTTP_IF_NONE_MATCH=etag).status_code == 304
    published(world, at=NOON + dt.timedelta(seconds=1))
    with time_machine.travel(later, tick=False):
        changed = Client().get("/alerts/feed.atom", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert len(etree.fromstring(changed.content).findall(f"{ATOM}entry")) == 2
