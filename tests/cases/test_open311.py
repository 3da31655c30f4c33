"""Open311 GeoReport v2 at /open311/v2/: discovery, services, definitions, POST and GET requests,
tokens, errors, in JSON and XML (parsed with defusedxml), and a spec-only client over real HTTP
that files a case and follows it to closure."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any
from xml.etree.ElementTree import Element

import pytest
import time_machine
from defusedxml import ElementTree as SafeET
from django.test import Client
from PIL import Image

from resigrid.accounts.models import SecurityEvent, User
from resigrid.accounts.services import create_access_token, revoke_access_token
from resigrid.cases import coordination, services
from resigrid.cases.models import Case, CaseLog
from resigrid.cases.open311 import query
from resigrid.core import pii
from resigrid.registers.models import Category
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # 17:00 in Shanghai
T0_W3 = "2026-11-02T17:00:00+08:00"
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def _xml(response: Any) -> Element:
    assert response["Content-Type"] == XML_TYPE
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    root: Element = SafeET.fromstring(response.content)
    return root


def _json(response: Any) -> Any:
    assert response["Content-Type"] == JSON_TYPE
    return json.loads(response.content)


def _fields(element: Element) -> dict[str, str]:
    """Leaf children as {tag: text}, in document order."""
    return {child.tag: child.text or "" for child in element}


def _errors(response: Any) -> list[tuple[str, str]]:
    root = _xml(response)
    assert root.tag == "errors"
    return [(e.findtext("code") or "", e.findtext("description") or "") for e in root]


@pytest.fixture
def api_key(resident: User) -> str:
    _token, raw = create_access_token(user=resident, name="open311 app")
    return raw


def _post(client: Client, fmt: str = "json", **data: Any) -> Any:
    """Form-encoded, as the spec says (the test client would send multipart otherwise)."""
    return client.post(
        f"{BASE}/requests.{fmt}",
        urllib.parse.urlencode(data),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


def _form(api_key: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_key": api_key,
        "service_code": "01.01",
        "lat": "30.05",
        "long": "120.05",
        "description": "小区东门外垃圾三天没人清运。",
    }
    data.update(extra)
    return data


# --- discovery, services, definitions ---


def test_discovery_in_json_and_xml(client: Client, casebook: Casebook) -> None:
    stamp = max(c.updated_at for c in Category.objects.all())
    changeset = stamp.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")
    endpoint = {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2/",
        "changeset": changeset,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    key_service = (
        "Reading needs no key. To file requests, log in, create a personal access token at "
        "http://testserver/accounts/tokens/ and send it as api_key."
    )
    assert _json(client.get(f"{BASE}/discovery.json")) == {
        "changeset": changeset,
        "contact": "Write to resigrid@localhost.",
        "key_service": key_service,
        "endpoints": [endpoint],
    }
    for url in (f"{BASE}/discovery.xml", f"{BASE}/discovery", f"{BASE}/"):
        root = _xml(client.get(url))
        assert root.tag == "discovery"
        assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
        assert root.findtext("key_service") == key_service
        (node,) = root.iterfind("endpoints/endpoint")
        assert {k: v for k, v in _fields(node).items() if k != "formats"} == {
            k: v for k, v in endpoint.items() if k != "formats"
        }
        assert [f.text for f in node.iterfind("formats/format")] == endpoint["formats"]


def test_services_are_the_active_leaf_categories(client: Client, casebook: Casebook) -> None:
    casebook.garbage.keywords = "垃圾，清运 堆放"
    casebook.garbage.description = "路边、楼道的暴露垃圾"
    casebook.garbage.save()
    # An inactive leaf is no service; a parent with an active child is none either.
    Category.objects.create(
        code="02.02", name="路灯损坏", kind="facility", parent=casebook.facilities, active=False
    )
    expected = [
        {
            "service_code": "01.01",
            "service_name": "暴露垃圾",
            "description": "路边、楼道的暴露垃圾",
            "metadata": True,
            "type": "realtime",
            "keywords": "垃圾,清运,堆放",
            "group": "市容环境",
        },
        {
            "service_code": "02.01",
            "service_name": "井盖缺失",
            "description": "井盖缺失",
            "metadata": True,
            "type": "realtime",
            "group": "设施管理",
        },
    ]
    response = client.get(f"{BASE}/services.json")
    assert _json(response) == expected
    assert response["Access-Control-Allow-Origin"] == "*"
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.tag for s in root] == ["service", "service"]
    assert [_fields(s) for s in root] == [
        {k: ("true" if v is True else v) for k, v in item.items()} for item in expected
    ]


def test_service_definition_offers_priority(client: Client, casebook: Casebook) -> None:
    values = [
        {"key": "urgent", "name": "Urgent"},
        {"key": "high", "name": "High"},
        {"key": "normal", "name": "Normal"},
    ]
    assert _json(client.get(f"{BASE}/services/01.01.json")) == {
        "service_code": "01.01",
        "attributes": [
            {
                "variable": True,
                "code": "priority",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "One of the keys below; “normal” when not sent.",
                "order": 1,
                "description": "How urgent is the problem?",
                "values": values,
            }
        ],
    }
    root = _xml(client.get(f"{BASE}/services/01.01.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "01.01"
    (attribute,) = root.iterfind("attributes/attribute")
    assert {k: v for k, v in _fields(attribute).items() if k != "values"} == {
        "variable": "true",
        "code": "priority",
        "datatype": "singlevaluelist",
        "required": "false",
        "datatype_description": "One of the keys below; “normal” when not sent.",
        "order": "1",
        "description": "How urgent is the problem?",
    }
    assert [_fields(v) for v in attribute.iterfind("values/value")] == values
    # Without a suffix the answer is XML, the spec's required format.
    assert _xml(client.get(f"{BASE}/services/01.01")).tag == "service_definition"
    for code in ("99", "01"):  # unknown, and a parent (not a service)
        response = client.get(f"{BASE}/services/{code}.xml")
        assert response.status_code == 404
        assert _errors(response) == [("404", f"service_code: “{code}” is not a service.")]


# --- POST, then GET by id and by token ---


def test_post_then_get_by_id_and_by_token(
    client: Client, casebook: Casebook, resident: User, api_key: str
) -> None:
    with time_machine.travel(T0, tick=False):
        response = _post(
            client,
            **_form(
                api_key,
                address_string="东湖路 1 号东门",
                email="zhang@example.cn",
                first_name="三",
                last_name="张",
                phone="139 1234 5678",
                device_id="tt222111",
                account_id="123456",
                jurisdiction_id="",
            ),
        )
    assert response.status_code == 200
    case = Case.objects.get()
    notice = (
        f"Your request is case {case.number}. The community looks at it within 1 hour; "
        "once dispatched, it is to be handled within 1 day."
    )
    assert _json(response) == [{"service_request_id": str(case.pk), "service_notice": notice}]
    assert (case.source, case.reporter, case.priority) == ("open311", resident, "normal")
    assert (case.title, case.description) == ("小区东门外垃圾三天没人清运。",) * 2
    assert (case.address, case.lon, case.lat, case.grid) == (
        "东湖路 1 号东门",
        120.05,
        30.05,
        casebook.tree.grid11,
    )
    assert (case.contact_name, case.contact_email) == ("张三", "zhang@example.cn")
    assert pii.decrypt(case.contact_phone_enc) == "13912345678"
    assert list(case.log.values_list("action", "public")) == [("report", True)]

    expected = {
        "service_request_id": str(case.pk),
        "status": "open",
        "service_name": "暴露垃圾",
        "service_code": "01.01",
        "description": "小区东门外垃圾三天没人清运。",
        "agency_responsible": "东湖社区",
        "requested_datetime": T0_W3,
        "updated_datetime": T0_W3,
        "address": "东湖路 1 号东门",
        "lat": 30.05,
        "long": 120.05,
    }
    assert _json(client.get(f"{BASE}/requests/{case.pk}.json")) == [expected]
    assert _json(client.get(f"{BASE}/requests/{case.number}.json")) == [expected]
    root = _xml(client.get(f"{BASE}/requests/{case.pk}.xml"))
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert _fields(request) == {k: str(v) for k, v in expected.items()}
    # Public: nothing of the reporter or their contact, nor the tracking code.
    for body in (client.get(f"{BASE}/requests.json").content, root_bytes(client, case)):
        for secret in ("张三", "zhang@", "13912345678", "1391234", case.tracking_code, "resident"):
            assert secret.encode() not in body

    token = _xml(client.get(f"{BASE}/tokens/{case.tracking_code}.xml"))
    assert [_fields(r) for r in token] == [
        {"service_request_id": str(case.pk), "token": case.tracking_code}
    ]
    assert _json(client.get(f"{BASE}/tokens/{case.tracking_code.lower()}.json")) == [
        {"service_request_id": str(case.pk), "token": case.tracking_code.lower()}
    ]
    for url in (f"{BASE}/tokens/NOSUCHTOKEN.xml", f"{BASE}/requests/999999.xml"):
        assert client.get(url).status_code == 404
    assert _errors(client.get(f"{BASE}/requests/abc.xml")) == [
        ("404", "service_request_id: “abc” is not a request.")
    ]


def test_the_spec_example_request_body_is_accepted(
    client: Client, casebook: Casebook, resident: User, api_key: str
) -> None:
    """The POST body of the spec's example, as a client would send it: only the service code,
    the point and the phone (a mainland number; the example's is American) are ours. Unknown
    attributes are ignored."""
    body = (
        f"api_key={api_key}&jurisdiction_id=city.gov&service_code=01.01&lat=30.05"
        "&long=120.05&address_string=1234+5th+street&email=smit333%40sfgov.edu"
        "&device_id=tt222111&account_id=123456&first_name=john&last_name=smith"
        "&phone=13912345678&description=A+large+sinkhole+is+destroying+the+street"
        "&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg"
        "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
    )
    response = client.post(
        f"{BASE}/requests.xml",
        body,
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    assert response.status_code == 200
    case = Case.objects.get()
    (answer,) = _xml(response)
    assert answer.findtext("service_request_id") == str(case.pk)
    assert (case.description, case.address, case.contact_name, case.contact_email) == (
        "A large sinkhole is destroying the street",
        "1234 5th street",
        "john smith",
        "smit333@sfgov.edu",
    )
    assert case.reporter == resident


def root_bytes(client: Client, case: Case) -> bytes:
    return bytes(client.get(f"{BASE}/requests/{case.pk}.xml").content)


def test_post_answers_xml_and_keeps_priority_and_media_link_internal(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    response = _post(
        client,
        "xml",
        **_form(
            api_key,
            description="",
            **{"attribute[priority]": "high", "attribute[unknown]": "x"},
            media_url="https://photos.example.cn/p/1.jpg",
        ),
    )
    assert response.status_code == 200
    case = Case.objects.get()
    (request,) = _xml(response)
    assert list(_fields(request)) == ["service_request_id", "service_notice"]
    assert request.findtext("service_request_id") == str(case.pk)
    # No description: the service name stands in. Priority from the attribute.
    assert (case.title, case.description, case.priority) == ("暴露垃圾", "暴露垃圾", "high")
    note = case.log.get(action="comment")
    assert (note.public, note.note) == (
        False,
        "Media link sent by the Open311 client (not checked): https://photos.example.cn/p/1.jpg",
    )
    assert b"photos.example.cn" not in client.get(f"{BASE}/requests/{case.pk}.json").content


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_media_upload_becomes_the_report_photo_with_an_absolute_url(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    photo = io.BytesIO(_png())
    photo.name = "street.png"
    response = client.post(f"{BASE}/requests.json", {**_form(api_key), "media": photo})
    assert response.status_code == 200
    case = Case.objects.get()
    stored = case.photos.get()
    assert (stored.stage, stored.content_type) == ("report", "image/jpeg")
    (item,) = _json(client.get(f"{BASE}/requests/{case.pk}.json"))
    assert item["media_url"] == f"http://testserver{stored.file.url}"
    bad = io.BytesIO(b"GIF89a not really")
    bad.name = "x.png"
    response = client.post(f"{BASE}/requests.xml", {**_form(api_key), "media": bad})
    assert _errors(response) == [
        ("400", "media: The file is not a readable JPEG, PNG or WebP photo.")
    ]
    assert Case.objects.count() == 1


# --- states, notes, what stays private ---


def test_states_map_to_open_and_closed_with_public_notes_only(
    client: Client,
    casebook: Casebook,
    resident: User,
    community_admin: User,
    department: User,
    grid_worker: User,
) -> None:
    with time_machine.travel(T0, tick=False):
        case = report(resident)
        rejected = report(resident, description="楼上邻居吵闹。", title="噪音")
        duplicate = report(resident)

    def item(c: Case) -> dict[str, Any]:
        (found,) = _json(client.get(f"{BASE}/requests/{c.pk}.json"))
        return dict(found)

    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        services.accept(actor=community_admin, case_id=case.pk, note="已受理，马上派人。")
        services.register(actor=community_admin, case_id=case.pk, note="内部备注：老问题")
        services.reject(actor=community_admin, case_id=rejected.pk, reason="不属于社区管辖。")
    assert (item(case)["status"], item(case)["status_notes"]) == ("open", "已受理，马上派人。")
    # Filed elsewhere with its own title: the title leads the description.
    assert item(case)["description"] == "垃圾堆在路边: 小区东门外垃圾三天没人清运。"
    assert "expected_datetime" not in item(case)

    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        services.dispatch(actor=community_admin, case_id=case.pk)
        coordination.merge(actor=community_admin, case_id=duplicate.pk, into_id=case.pk)
    dispatched = item(case)
    assert dispatched["agency_responsible"] == "城管执法队"
    assert dispatched["status_notes"] == "Dispatched to 城管执法队."
    assert dispatched["updated_datetime"] == "2026-11-02T17:20:00+08:00"
    assert dispatched["expected_datetime"] == "2026-11-03T17:20:00+08:00"

    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        services.handle(actor=department, case_id=case.pk, result="已清运。")
        services.verify(actor=grid_worker, case_id=case.pk, passed=True, note="核查：干净")
    with time_machine.travel(T0 + dt.timedelta(hours=4), tick=False):
        services.close(actor=community_admin, case_id=case.pk)
    with time_machine.travel(T0 + dt.timedelta(hours=6), tick=False):
        services.rate(actor=resident, case_id=case.pk, rating="unsatisfied", comment="还有味道")
    closed = item(case)
    assert (closed["status"], closed["status_notes"]) == ("closed", "已清运。")
    assert closed["updated_datetime"] == "2026-11-02T21:00:00+08:00"  # when it was closed
    assert "expected_datetime" not in closed

    assert item(rejected) == {
        "service_request_id": str(rejected.pk),
        "status": "closed",
        "status_notes": "不属于社区管辖。",
        "service_name": "暴露垃圾",
        "service_code": "01.01",
        "agency_responsible": "东湖社区",
        "requested_datetime": T0_W3,
        "updated_datetime": "2026-11-02T17:10:00+08:00",
        "lat": 30.05,
        "long": 120.05,
    }
    merged = item(duplicate)
    assert (merged["status"], merged["status_notes"]) == (
        "closed",
        f"Merged into {case.number}.",
    )
    everything = client.get(f"{BASE}/requests.json?start_date=2026-11-01T00:00:00Z").content
    for internal in ("内部备注", "核查：干净", "还有味道", "楼上邻居吵闹"):
        assert internal.encode() not in everything


# --- GET requests filters ---


def test_get_requests_filters(client: Client, casebook: Casebook, resident: User) -> None:
    with time_machine.travel(T0 - dt.timedelta(days=120), tick=False):
        old = report(resident)
    with time_machine.travel(T0 - dt.timedelta(days=5), tick=False):
        manhole = report(resident, category="02.01")
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        closed = report(resident)
    Case.objects.filter(pk=closed.pk).update(state="rejected")

    def ids(query_string: str = "") -> list[str]:
        with time_machine.travel(T0, tick=False):
            response = client.get(f"{BASE}/requests.json{query_string}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in _json(response)]

    a, b, c = str(old.pk), str(manhole.pk), str(closed.pk)
    assert ids() == [c, b]  # the last 90 days, most recent first
    assert ids("?service_code=02.01") == [b]
    assert ids("?service_code=01.01,02.01&status=open") == [b]
    assert ids("?status=closed") == [c]
    assert ids("?status=open&status=closed") == [c, b]
    assert ids("?start_date=2026-07-01T00:00:00Z&end_date=2026-07-31T00:00:00Z") == [a]
    assert ids("?start_date=2026-10-30T00:00:00+08:00") == [c]
    # An unencoded "+" arrives as a space; it is read as the offset sign it was.
    assert ids("?end_date=2026-10-30T00:00:00 08:00") == [b]
    # service_request_id overrides everything else (the old one is found too).
    assert ids(f"?service_request_id={a},{old.number},{c}&status=open") == [c, a]

    def errors(query_string: str) -> list[tuple[str, str]]:
        response = client.get(f"{BASE}/requests.xml{query_string}")
        assert response.status_code == 400
        return _errors(response)

    assert errors("?status=pending") == [("400", "status: “pending” is not open or closed.")]
    assert errors("?start_date=yesterday") == [
        ("400", "start_date: not a date and time in W3C format, e.g. 2026-01-01T00:00:00+08:00.")
    ]
    assert errors("?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z") == [
        ("400", "end_date: the window may not span more than 90 days.")
    ]
    assert errors("?start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z") == [
        ("400", "end_date: must not be before start_date.")
    ]
    assert errors("?service_request_id=1,x") == [
        ("400", "service_request_id: “x” is not a request id.")
    ]


def test_get_requests_stops_at_the_limit(
    client: Client, casebook: Casebook, resident: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(query, "MAX_RESULTS", 2)
    made = []
    for minutes in (1, 2, 3):
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            made.append(report(resident))
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        found = _json(client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in found] == [str(made[2].pk), str(made[1].pk)]


# --- errors on POST ---

OUTSIDE = {"lat": "31.2", "long": "121.5"}


@pytest.mark.parametrize(
    ("change", "status", "expected"),
    [
        ({"service_code": ""}, 400, ["service_code: required."]),
        ({"lat": "", "long": ""}, 400, ["lat, long: required (WGS84)."]),
        (
            {"lat": "", "long": "", "address_string": "东湖路 1 号"},
            400,
            [
                "lat, long: send the point as lat and long (WGS84): every request is placed on "
                "a grid by its point, and an address alone cannot be."
            ],
        ),
        ({"long": ""}, 400, ["long: required together with the other coordinate."]),
        ({"lat": "north"}, 400, ["lat: not a number."]),
        (
            {"service_code": "", "lat": "", "long": ""},
            400,
            ["service_code: required.", "lat, long: required (WGS84)."],
        ),
        ({"service_code": "99.99"}, 404, ["service_code: “99.99” is not a service."]),
        ({"service_code": "01"}, 404, ["service_code: “01” is not a service."]),
        (OUTSIDE, 400, ["lat, long: The point lies outside every grid."]),
        ({"lat": "95"}, 400, ["lat: The latitude must be between −90 and 90."]),
        (
            {"attribute[priority]": "asap"},
            400,
            ["attribute[priority]: “asap” is not one of urgent, high, normal."],
        ),
        (
            {"media_url": "javascript:alert(1)"},
            400,
            ["media_url: not an http(s) URL of at most 500 characters."],
        ),
        (
            {"phone": "12345", "email": "not-mail"},
            400,
            [
                "phone: Not a mainland phone number: give 11 mobile digits or a landline with "
                "its area code.",
                "email: This is not an email address.",
            ],
        ),
        (
            {"description": "长" * 4001},
            400,
            ["description: The description is too long (at most 4000 characters)."],
        ),
    ],
)
def test_post_errors_name_the_field_and_write_nothing(
    client: Client,
    casebook: Casebook,
    api_key: str,
    change: dict[str, str],
    status: int,
    expected: list[str],
) -> None:
    response = _post(client, "xml", **_form(api_key, **change))
    assert response.status_code == status
    assert _errors(response) == [(str(status), text) for text in expected]
    assert Case.objects.count() == 0
    assert CaseLog.objects.count() == 0


def test_errors_in_json_are_a_list_of_code_and_description(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    response = _post(client, "json", **_form(api_key, **OUTSIDE))
    assert response.status_code == 400
    assert _json(response) == [
        {"code": 400, "description": "lat, long: The point lies outside every grid."}
    ]


def test_api_key_missing_bad_or_revoked_is_403_and_logged(
    client: Client, casebook: Casebook, resident: User
) -> None:
    token, raw = create_access_token(user=resident, name="old app")
    revoke_access_token(actor=resident, token_id=token.pk)
    cases = [
        ("", "api_key: missing: filing a request needs an api_key."),
        ("rgt_not-a-real-token", "api_key: invalid, expired or revoked."),
        (raw, "api_key: invalid, expired or revoked."),
    ]
    for key, message in cases:
        response = _post(client, "xml", **_form(key))
        assert response.status_code == 403
        assert _errors(response) == [("403", message)]
    # Checked before anything else: a bad key with a bad body is still 403.
    response = _post(client, "json", api_key="nope")
    assert _json(response) == [
        {"code": 403, "description": "api_key: invalid, expired or revoked."}
    ]
    assert Case.objects.count() == 0
    rejected = SecurityEvent.objects.filter(kind="token_rejected").order_by("pk")
    assert [e.detail["reason"] for e in rejected] == ["unknown", "revoked", "unknown"]
    assert {e.path for e in rejected} == {f"{BASE}/requests.xml", f"{BASE}/requests.json"}


def test_api_key_in_the_query_string_is_accepted(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    data = _form(api_key)
    del data["api_key"]
    response = client.post(
        f"{BASE}/requests.json?api_key={urllib.parse.quote(api_key)}",
        urllib.parse.urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_post_needs_no_csrf_token(casebook: Casebook, api_key: str) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, **_form(api_key)).status_code == 200


def test_jurisdiction_id(client: Client, casebook: Casebook, api_key: str, settings: Any) -> None:
    assert client.get(f"{BASE}/services.xml?jurisdiction_id=anything").status_code == 200
    settings.OPEN311_JURISDICTION_ID = "hz.gov.cn"
    assert client.get(f"{BASE}/services.xml?jurisdiction_id=hz.gov.cn").status_code == 200
    assert client.get(f"{BASE}/services.xml").status_code == 200
    response = client.get(f"{BASE}/requests.xml?jurisdiction_id=sfgov.org")
    assert response.status_code == 404
    assert _errors(response) == [
        (
            "404",
            "jurisdiction_id: “sfgov.org” is not served here (this endpoint serves “hz.gov.cn”).",
        )
    ]
    assert _post(client, **_form(api_key, jurisdiction_id="sfgov.org")).status_code == 404
    assert _post(client, **_form(api_key, jurisdiction_id="hz.gov.cn")).status_code == 200
    assert Case.objects.count() == 1


def test_rate_limit_per_api_key_owner(
    client: Client, casebook: Casebook, api_key: str, settings: Any
) -> None:
    settings.OPEN311_POSTS_PER_MINUTE = 2
    with time_machine.travel(T0, tick=False):
        assert [_post(client, **_form(api_key)).status_code for _ in range(2)] == [200, 200]
        response = _post(client, "xml", **_form(api_key))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert _errors(response) == [
        ("429", "Too many requests: at most 2 a minute per api_key; try again shortly.")
    ]
    with time_machine.travel(T0 + dt.timedelta(minutes=1, seconds=1), tick=False):
        assert _post(client, **_form(api_key)).status_code == 200
    assert Case.objects.count() == 3


def test_oversized_body_unknown_path_and_wrong_method(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    response = _post(client, "xml", **_form(api_key, description="x" * 70_000))
    assert _errors(response) == [("400", "The request is too large (at most 64 KB).")]
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    assert _json(response) == [
        {"code": 404, "description": "No such resource: nothing.json. Start from discovery.xml."}
    ]
    response = client.put(f"{BASE}/requests.xml")
    assert (response.status_code, response["Allow"]) == (405, "GET, HEAD, POST")
    assert _errors(response) == [("405", "Use GET, HEAD, POST.")]
    response = client.post(f"{BASE}/services.xml")
    assert response.status_code == 405
    # A client that joins the endpoint and the path with one slash too many still lands.
    assert client.get(f"{BASE}//services.xml").status_code == 200
    assert Case.objects.count() == 0


def test_text_is_escaped_and_xml_stays_well_formed(
    client: Client, casebook: Casebook, api_key: str
) -> None:
    text = 'Bin <b>full</b> & "overflowing"\x01 ]]> end'
    assert _post(client, **_form(api_key, description=text)).status_code == 200
    case = Case.objects.get()
    (request,) = _xml(client.get(f"{BASE}/requests/{case.pk}.xml"))
    assert request.findtext("description") == 'Bin <b>full</b> & "overflowing" ]]> end'
    (item,) = _json(client.get(f"{BASE}/requests/{case.pk}.json"))
    assert item["description"] == text


# --- a client written against the spec only, over real HTTP ---


class SpecClient:
    """A GeoReport v2 client from the spec alone: discovery first, XML, urllib, the POST
    form-encoded with api_key; a token (batch services) is resolved through tokens/."""

    SPEC = "http://wiki.open311.org/GeoReport_v2"

    def __init__(self, discovery_url: str, api_key: str, jurisdiction_id: str = "") -> None:
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        found = self._fetch(discovery_url)
        endpoints = [
            e
            for e in found.iterfind("endpoints/endpoint")
            if e.findtext("specification") == self.SPEC
            and e.findtext("type") == "production"
            and "text/xml" in [f.text for f in e.iterfind("formats/format")]
        ]
        self.endpoint = endpoints[0].findtext("url") or ""

    def _fetch(self, url: str, data: dict[str, str] | None = None) -> Element:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310  (the live test server)
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                root: Element = SafeET.fromstring(response.read())
                return root
        except urllib.error.HTTPError as exc:
            errors = SafeET.fromstring(exc.read())
            raise Open311ClientError(
                exc.code,
                [(e.findtext("code"), e.findtext("description")) for e in errors],
            ) from None

    def _url(self, path: str, **params: str) -> str:
        query_string = {"jurisdiction_id": self.jurisdiction_id, **params}
        return self.endpoint.rstrip("/") + "/" + path + "?" + urllib.parse.urlencode(query_string)

    def services(self) -> list[dict[str, str]]:
        return [_fields(s) for s in self._fetch(self._url("services.xml"))]

    def definition(self, code: str) -> Element:
        return self._fetch(self._url(f"services/{urllib.parse.quote(code)}.xml"))

    def file(self, **fields: str) -> str:
        form = {"api_key": self.api_key, "jurisdiction_id": self.jurisdiction_id, **fields}
        (answer,) = self._fetch(self._url("requests.xml"), data=form)
        request_id = answer.findtext("service_request_id")
        if request_id:
            return request_id
        (resolved,) = self._fetch(self._url(f"tokens/{answer.findtext('token')}.xml"))
        return resolved.findtext("service_request_id") or ""

    def request(self, request_id: str) -> dict[str, str]:
        (found,) = self._fetch(self._url(f"requests/{request_id}.xml"))
        return _fields(found)

    def requests(self, **filters: str) -> list[dict[str, str]]:
        return [_fields(r) for r in self._fetch(self._url("requests.xml", **filters))]


class Open311ClientError(Exception):
    def __init__(self, status: int, errors: list[tuple[str | None, str | None]]) -> None:
        super().__init__(status, errors)
        self.status = status
        self.errors = errors


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: Any) -> Any:
    """pytest-django's live server, stopped before the test databases are dropped (as in
    tests/browser/conftest.py: the PostgreSQL teardown must not find it connected)."""
    return live_server


@pytest.mark.django_db(transaction=True)
def test_a_spec_only_client_files_a_case_and_follows_it_to_closure(
    live_server: Any,
    casebook: Casebook,
    resident: User,
    community_admin: User,
    department: User,
    grid_worker: User,
) -> None:
    _token, key = create_access_token(user=resident, name="city app")
    client = SpecClient(f"{live_server.url}/open311/v2/discovery.xml", key, "city.example")
    assert client.endpoint == f"{live_server.url}/open311/v2/"

    by_group = {(s["group"], s["service_name"]): s for s in client.services()}
    garbage = by_group[("市容环境", "暴露垃圾")]
    assert garbage["metadata"] == "true" and garbage["type"] == "realtime"
    definition = client.definition(garbage["service_code"])
    (attribute,) = definition.iterfind("attributes/attribute")
    keys = [v.findtext("key") for v in attribute.iterfind("values/value")]
    assert attribute.findtext("code") == "priority" and "urgent" in keys

    with pytest.raises(Open311ClientError) as err:
        client.file(service_code=garbage["service_code"], address_string="东湖路 1 号")
    assert err.value.status == 400
    assert err.value.errors[0][0] == "400"
    assert Case.objects.count() == 0

    request_id = client.file(
        service_code=garbage["service_code"],
        lat="30.05",
        long="120.05",
        address_string="东湖路 1 号",
        description="路边垃圾堆了三天。",
        first_name="三",
        last_name="张",
        email="zhang@example.cn",
        **{"attribute[priority]": "urgent"},
    )
    case = Case.objects.get(pk=int(request_id))
    assert (case.priority, case.source, case.reporter) == ("urgent", "open311", resident)
    first = client.request(request_id)
    assert (first["status"], first["service_code"], first["agency_responsible"]) == (
        "open",
        "01.01",
        "东湖社区",
    )
    assert [r["service_request_id"] for r in client.requests(status="open")] == [request_id]

    services.accept(actor=community_admin, case_id=case.pk, register=True)
    services.dispatch(actor=community_admin, case_id=case.pk)
    assert client.request(request_id)["agency_responsible"] == "城管执法队"
    services.handle(actor=department, case_id=case.pk, result="已清运，路面已冲洗。")
    services.verify(actor=grid_worker, case_id=case.pk, passed=True)
    services.close(actor=community_admin, case_id=case.pk)

    last = client.request(request_id)
    assert (last["status"], last["status_notes"]) == ("closed", "已清运，路面已冲洗。")
    assert client.requests(status="open") == []
    assert [r["service_request_id"] for r in client.requests(status="closed")] == [request_id]
