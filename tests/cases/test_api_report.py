"""POST /api/cases/reports: who may report, what the answer says, and every bad input."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from resigrid.accounts.services import create_access_token
from resigrid.cases.models import Case, CaseLog, IdempotentRequest
from resigrid.notify.models import Delivery, Message
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import REPORTS, T0, Z0, fix_codes, post, report_body

pytestmark = pytest.mark.django_db


def nothing_written() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        CaseLog.objects.count(),
        Message.objects.count(),
        IdempotentRequest.objects.count(),
    )


def test_resident_reports_and_hears_number_code_route_and_duplicates(
    casebook: Casebook, resident, grid_worker, client_for, monkeypatch
) -> None:
    fix_codes(monkeypatch)
    near = report(grid_worker, source="patrol", lon=120.0503)  # ≈ 29 m east, same category
    report(grid_worker, source="patrol", lon=120.06)  # ≈ 960 m: too far
    report(grid_worker, source="patrol", category="02.01")  # same spot, other category
    with time_machine.travel(T0, tick=False):
        response = post(client_for(resident), REPORTS, report_body(address="东门外"))
    assert response.status_code == 201
    case = Case.objects.get(reporter=resident)
    assert response.json() == {
        "id": case.pk,
        "number": f"AJ{case.pk:08d}",
        "state": "reported",
        "state_label": "Reported",
        "category": "01.01",
        "category_name": "暴露垃圾",
        "priority": "normal",
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运。",
        "address": "东门外",
        "lon": 120.05,
        "lat": 30.05,
        "grid": "330106001001001",
        "grid_name": "东湖一网格",
        "reported_at": Z0,
        "lead_unit": None,
        "result": "",
        "rejection_reason": "",
        "rating": "",
        "resolution": "",
        "merged_into": None,
        "photos": [],
        "view": "public",
        "rating_comment": "",
        "closed_at": None,
        "timeline": [{"at": Z0, "action": "report", "to_state": "reported", "note": ""}],
        "can_rate": False,
        "tracking_code": "TRACKCODE004",
        "route": {
            "lead_unit": {"id": casebook.city_admin.pk, "name": "城管执法队"},
            "support_units": [{"id": casebook.property_co.pk, "name": "东湖物业"}],
        },
        # The resident may not read the grid worker's case: its number and distance only.
        "duplicates": [
            {
                "id": near.pk,
                "number": near.number,
                "state": "reported",
                "distance_m": 28.9,
                "title": None,
            }
        ],
    }
    assert (case.source, case.grid, case.stage) == ("resident", casebook.tree.grid11, "accept")


def test_staff_see_the_titles_of_duplicates(
    casebook: Casebook, resident, community_admin, client_for
) -> None:
    near = report(resident, lat=30.0502)
    body = post(client_for(community_admin), REPORTS, report_body()).json()
    assert [(d["id"], d["title"]) for d in body["duplicates"]] == [(near.pk, "垃圾堆在路边")]


def test_anonymous_report_with_a_contact(casebook: Casebook, monkeypatch) -> None:
    fix_codes(monkeypatch)
    response = post(
        Client(),
        REPORTS,
        report_body(contact_name="王先生", contact_phone="138-0013-8000", contact_email="w@x.cn"),
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["tracking_code"], body["view"], body["state"]) == (
        "TRACKCODE001",
        "public",
        "reported",
    )
    case = Case.objects.get()
    assert (case.reporter, case.contact_name, case.contact_email) == (None, "王先生", "w@x.cn")
    emails = Delivery.objects.filter(address="w@x.cn").values_list("message__topic", flat=True)
    assert list(emails) == ["case.report"]


def test_anonymous_report_without_a_contact_is_refused(casebook: Casebook) -> None:
    response = post(Client(), REPORTS, report_body())
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "contact_phone"],
                "msg": "Leave a phone number or an email so we can tell you the outcome.",
                "type": "value_error",
            }
        ]
    }
    assert nothing_written() == (0, 0, 0, 0)


def test_point_outside_every_grid(casebook: Casebook, resident, client_for) -> None:
    response = post(client_for(resident), REPORTS, report_body(lon=121.5, lat=31.2), key="k-1")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "point"],
                "msg": "The point lies outside every grid.",
                "type": "value_error",
            }
        ]
    }
    assert nothing_written() == (0, 0, 0, 0)


def test_unknown_category_and_bad_fields_are_named(casebook: Casebook, resident, client_for):
    response = post(
        client_for(resident),
        REPORTS,
        report_body(category="99.99", title=" ", priority="soon", crs="bd09"),
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "category"],
            "msg": "Unknown case category '99.99'.",
            "type": "value_error",
        },
        {"loc": ["body", "priority"], "msg": "Unknown priority.", "type": "value_error"},
        {"loc": ["body", "title"], "msg": "Please give a short title.", "type": "value_error"},
        {
            "loc": ["body", "crs"],
            "msg": "Unknown coordinate system 'bd09'; use wgs84 or gcj02.",
            "type": "value_error",
        },
    ]
    assert nothing_written() == (0, 0, 0, 0)


def test_a_parent_category_is_not_a_case_category(casebook: Casebook, resident, client_for):
    response = post(client_for(resident), REPORTS, report_body(category="01"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "category"]


def test_gcj02_points_are_stored_as_wgs84(casebook: Casebook, resident, client_for) -> None:
    from resigrid.core.geo import gcj02_to_wgs84, wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(120.05, 30.05)
    response = post(client_for(resident), REPORTS, report_body(lon=lon, lat=lat, crs="gcj02"))
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.lon, case.lat) == pytest.approx(gcj02_to_wgs84(lon, lat))
    assert (round(case.lon, 5), round(case.lat, 5)) == (120.05, 30.05)
    assert response.json()["grid"] == "330106001001001"


def test_a_resident_may_not_file_as_a_patrol(casebook: Casebook, resident, client_for) -> None:
    response = post(client_for(resident), REPORTS, report_body(source="patrol"))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only staff of this grid may file cases from source “Grid worker patrol”."
    }
    assert nothing_written() == (0, 0, 0, 0)


def test_grid_worker_files_a_patrol_case_with_a_token_and_no_csrf(
    casebook: Casebook, grid_worker
) -> None:
    _, raw = create_access_token(user=grid_worker, name="phone", days=30)
    client = Client(enforce_csrf_checks=True)
    response = post(client, REPORTS, report_body(source="patrol"), Authorization=f"Bearer {raw}")
    assert response.status_code == 201
    assert Case.objects.get().reporter == grid_worker


def test_a_refused_token_is_401_not_an_anonymous_report(casebook: Casebook) -> None:
    response = post(
        Client(),
        REPORTS,
        report_body(contact_phone="13800138000"),
        Authorization="Bearer rgt_not-a-token",
    )
    assert response.status_code == 401
    assert nothing_written() == (0, 0, 0, 0)


def test_a_session_needs_its_csrf_token(casebook: Casebook, resident) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    response = post(client, REPORTS, report_body())
    assert response.status_code == 403
    assert nothing_written() == (0, 0, 0, 0)


def test_missing_and_malformed_fields(casebook: Casebook, resident, client_for) -> None:
    client = client_for(resident)
    missing = post(client, REPORTS, {"category": "01.01", "lon": 120.05, "lat": 30.05})
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [
        ["body", "payload", "title"],
        ["body", "payload", "description"],
    ]
    not_json = client.post(REPORTS, "{", content_type="application/json")
    assert not_json.status_code == 422
    assert nothing_written() == (0, 0, 0, 0)


def test_a_ticket_number_is_filed_once(casebook: Casebook, community_admin) -> None:
    from tests.cases.test_api_support import client_of

    client = client_of(community_admin)
    body = report_body(source="hotline", external_id="12345-0001", contact_phone="13800138000")
    first = post(client, REPORTS, body)
    assert first.status_code == 201
    again = post(client, REPORTS, body)
    assert again.status_code == 422
    assert again.json()["detail"] == [
        {
            "loc": ["body", "external_id"],
            "msg": f"This ticket number has already been filed as {first.json()['number']}.",
            "type": "value_error",
        }
    ]
    assert Case.objects.count() == 1
