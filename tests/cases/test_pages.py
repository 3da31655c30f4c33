"""Case pages: the resident's report, "my cases", tracking and rating; the staff queues, the
detail page with its moves, the map. Each page as each persona; bad input shows the field's
translated error and writes nothing; a case that moved on is reloaded, never a 500."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from resigrid.accounts.models import User
from resigrid.cases import coordination, services
from resigrid.cases.models import Case, CaseLog, CasePhoto, CaseRequest, Whistle
from resigrid.cases.photos import check_photo
from resigrid.core import pii
from resigrid.orgs.models import UnitAccount
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def jpeg(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def upload(name: str = "photo.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg() if data is None else data, content_type="image/jpeg")


def form_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "01.01",
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运。",
        "lon": "120.05",
        "lat": "30.05",
        "address": "东门",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def errors(html: str) -> dict[str, list[str]]:
    """The form errors on a page, by the field named in data-error."""
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-error="([^"]+)">([^<]*)<', html):
        found.setdefault(name, []).append(text.strip())
    return found


def html_of(response: Any) -> str:
    return str(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def advance(case: Case, actor_for: dict[str, User], to: str) -> Case:
    """Move a case through the services up to state `to`."""
    steps = [
        (
            "registered",
            lambda: services.accept(actor=actor_for["manager"], case_id=case.pk, register=True),
        ),
        ("dispatched", lambda: services.dispatch(actor=actor_for["manager"], case_id=case.pk)),
        (
            "handled",
            lambda: services.handle(
                actor=actor_for["unit"], case_id=case.pk, result="已清运。", photos=[]
            ),
        ),
        (
            "verified",
            lambda: services.verify(actor=actor_for["verifier"], case_id=case.pk, passed=True),
        ),
        ("closed", lambda: services.close(actor=actor_for["manager"], case_id=case.pk)),
    ]
    for state, step in steps:
        step()
        if state == to:
            break
    case.refresh_from_db()
    assert case.state == to
    return case


@pytest.fixture
def people(community_admin: User, department: User, grid_worker: User) -> dict[str, User]:
    return {"manager": community_admin, "unit": department, "verifier": grid_worker}


# --- the report page ---


def test_report_page_anonymous_and_logged_in(casebook: Casebook, client: Client, resident) -> None:
    r = client.get("/cases/report/")
    assert r.status_code == 200
    html = html_of(r)
    assert '<optgroup label="01 市容环境">' in html
    assert '<option value="01.01">暴露垃圾</option>' in html
    assert '<option value="02.01">井盖缺失</option>' in html
    assert '<option value="01">' not in html  # only leaves may be chosen
    assert 'name="contact_phone"' in html and 'name="contact_email"' in html
    assert 'capture="environment"' in html and "multiple" in html
    assert 'id="report-map"' in html and "vendor/leaflet/leaflet.js" in html
    client.force_login(resident)
    html = html_of(client.get("/cases/report/"))
    assert 'name="contact_phone"' not in html
    assert 'href="/cases/mine/"' in html


def test_anonymous_report_with_photo_gives_the_tracking_code(
    casebook: Casebook, client: Client
) -> None:
    data = form_data(contact_phone="138 1234 5678", photos=[upload(), upload("b.png")])
    r = client.post("/cases/report/", data)
    assert r.status_code == 302 and r["Location"] == "/cases/report/done/"
    case = Case.objects.get()
    assert (case.state, case.source, case.reporter, case.grid) == (
        "reported",
        "resident",
        None,
        casebook.tree.grid11,
    )
    assert (case.category, case.address) == (casebook.garbage, "东门")
    assert pii.decrypt(case.contact_phone_enc) == "13812345678"
    assert list(case.photos.values_list("stage", "content_type")) == [
        ("report", "image/jpeg"),
        ("report", "image/jpeg"),
    ]
    html = html_of(client.get("/cases/report/done/"))
    assert f'id="case-number">{case.number}<' in html
    assert f'id="tracking-code">{case.tracking_code}<' in html
    assert f'href="/cases/track/{case.tracking_code}/"' in html


def test_logged_in_report_links_to_my_cases(casebook: Casebook, client_for, resident) -> None:
    client = client_for(resident)
    r = client.post("/cases/report/", form_data())
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.reporter == resident and case.contact_phone_enc == ""
    html = html_of(client.get("/cases/report/done/"))
    assert case.number in html
    assert 'id="tracking-code"' not in html
    assert 'href="/cases/mine/"' in html


def test_a_resent_form_files_one_case(casebook: Casebook, client: Client) -> None:
    html = html_of(client.get("/cases/report/"))
    token = re.findall(r'name="token" value="([^"]+)"', html)[0]
    data = form_data(contact_email="a@example.com", token=token)
    first = client.post("/cases/report/", data)
    again = client.post("/cases/report/", data)
    assert first["Location"] == again["Location"] == "/cases/report/done/"
    case = Case.objects.get()
    assert case.number in html_of(client.get("/cases/report/done/"))
    client.post("/cases/report/", form_data(contact_email="a@example.com", token="other"))
    assert Case.objects.count() == 2


def test_done_page_without_a_report_goes_back_to_the_form(client: Client, db: None) -> None:
    r = client.get("/cases/report/done/")
    assert (r.status_code, r["Location"]) == (302, "/cases/report/")


def test_report_missing_everything(casebook: Casebook, client: Client) -> None:
    r = client.post("/cases/report/", {})
    assert r.status_code == 422
    assert errors(html_of(r)) == {
        "category": ["This field is required."],
        "point": ["Put a pin on the map or use your location."],
        "title": ["This field is required."],
        "description": ["This field is required."],
        "contact_phone": ["Leave a phone number or an email so we can tell you the outcome."],
    }
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"lon": "121.5", "lat": "31.2"}, "point", "The point lies outside every grid."),
        (
            {"category": "99.99"},
            "category",
            "Select a valid choice. 99.99 is not one of the available choices.",
        ),
        (
            {"category": "01"},
            "category",
            "Select a valid choice. 01 is not one of the available choices.",
        ),
        ({"lon": "500"}, "point", "Ensure this value is less than or equal to 180."),
        (
            {"photos": [upload("notes.jpg", b"this is not a photo at all")]},
            "photos",
            "notes.jpg: The file is not a readable JPEG, PNG or WebP photo.",
        ),
        (
            {"photos": [upload("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")]},
            "photos",
            "a.gif: The file is not a readable JPEG, PNG or WebP photo.",
        ),
        (
            {"title": "x" * 121},
            "title",
            "Ensure this value has at most 120 characters (it has 121).",
        ),
    ],
)
def test_report_bad_input_writes_nothing(
    casebook: Casebook, client_for, resident, over: dict[str, Any], field: str, message: str
) -> None:
    r = client_for(resident).post("/cases/report/", form_data(**over))
    assert r.status_code == 422
    assert errors(html_of(r)) == {field: [message]}
    assert (Case.objects.count(), CasePhoto.objects.count(), CaseLog.objects.count()) == (0, 0, 0)


def test_report_photo_too_large(casebook: Casebook, client_for, resident, settings) -> None:
    settings.CASE_PHOTO_MAX_BYTES = 1000
    big = jpeg((400, 400), (1, 2, 3)) + b"\0" * 2000
    r = client_for(resident).post("/cases/report/", form_data(photos=[upload("big.jpg", big)]))
    assert r.status_code == 422
    size = len(big) / 1e6
    assert errors(html_of(r)) == {
        "photos": [f"big.jpg: The photo is too large ({size:.1f} MB); the limit is 0.0 MB."]
    }
    assert Case.objects.count() == 0


def test_report_too_many_photos(casebook: Casebook, client_for, resident, settings) -> None:
    settings.CASE_PHOTO_MAX_COUNT = 1
    r = client_for(resident).post("/cases/report/", form_data(photos=[upload(), upload()]))
    assert r.status_code == 422
    assert errors(html_of(r)) == {"photos": ["At most 1 photos."]}
    assert Case.objects.count() == 0


def test_report_anonymous_bad_contact(casebook: Casebook, client: Client) -> None:
    r = client.post("/cases/report/", form_data(contact_phone="12345", contact_email="nope"))
    assert r.status_code == 422
    assert errors(html_of(r)) == {"contact_email": ["Enter a valid email address."]}
    r = client.post("/cases/report/", form_data(contact_phone="12345"))
    assert r.status_code == 422
    assert errors(html_of(r)) == {
        "contact_phone": [
            "Not a mainland phone number: give 11 mobile digits or a landline with its area code."
        ]
    }
    assert Case.objects.count() == 0


def test_report_errors_are_translated(casebook: Casebook, client_for, resident) -> None:
    english = "The point lies outside every grid."
    with translation.override("zh-hans"):
        chinese = gettext(english)
        required = gettext("This field is required.")
    assert chinese != english
    client = client_for(resident)
    r = client.post(
        "/cases/report/", form_data(lon="121.5", lat="31.2"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert r.status_code == 422
    assert errors(html_of(r)) == {"point": [chinese]}
    r = client.post("/cases/report/", form_data(title=None), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert errors(html_of(r)) == {"title": [required]}
    assert Case.objects.count() == 0


def test_refused_report_keeps_the_point(casebook: Casebook, client_for, resident) -> None:
    html = html_of(client_for(resident).post("/cases/report/", form_data(title="")))
    assert 'name="lon" value="120.05"' in html and 'name="lat" value="30.05"' in html


# --- the duplicate hint ---


def test_nearby_hint(casebook: Casebook, client: Client, resident) -> None:
    near = report(resident, lon=120.0502, lat=30.0501)
    report(resident, category="02.01", lon=120.0502, lat=30.0501)  # another kind
    far = report(resident, lon=120.09, lat=30.09)
    closed = report(resident, lon=120.0501, lat=30.05)
    Case.objects.filter(pk=closed.pk).update(state="closed")

    html = html_of(
        client.get("/cases/report/nearby/", {"category": "01.01", "lon": "120.05", "lat": "30.05"})
    )
    assert "This place belongs to 东湖一网格." in html
    assert re.findall(r'data-duplicate="(\d+)"', html) == [str(near.pk)]
    assert f'href="/cases/public/{near.pk}/"' in html
    assert str(far.pk) not in re.findall(r'data-duplicate="(\d+)"', html)
    assert near.tracking_code not in html

    html = html_of(
        client.get("/cases/report/nearby/", {"category": "01.01", "lon": "121.5", "lat": "31"})
    )
    assert 'data-nearby="outside"' in html and "The point lies outside every grid." in html
    assert html_of(client.get("/cases/report/nearby/", {"category": "01.01"})).strip() == ""
    html = html_of(client.get("/cases/report/nearby/", {"lon": "120.05", "lat": "30.05"}))
    assert 'data-nearby="grid"' in html and "data-duplicate" not in html
    html = html_of(
        client.get("/cases/report/nearby/", {"category": "zz", "lon": "120.05", "lat": "30.05"})
    )
    assert 'data-nearby="grid"' in html and "data-duplicate" not in html


# --- my cases, tracking, rating, the public page ---


def test_my_cases(casebook: Casebook, client: Client, resident, community_admin) -> None:
    mine = report(resident)
    services.accept(actor=community_admin, case_id=mine.pk, register=True)
    report(community_admin)  # someone else's
    assert client.get("/cases/mine/")["Location"].startswith("/accounts/login/")
    client.force_login(resident)
    r = client.get("/cases/mine/")
    assert r.status_code == 200
    html = html_of(r)
    assert re.findall(r'data-case="(\d+)"', html) == [str(mine.pk)]
    assert 'data-state="registered"' in html
    assert "Last step: <span data-step>Accepted</span>" in html
    assert f'href="/cases/track/{mine.tracking_code}/"' in html


def test_track_page_shows_public_steps_only(
    casebook: Casebook, client: Client, resident, people
) -> None:
    case = report(resident)
    advance(case, people, "dispatched")
    coordination.whistle(
        actor=people["manager"], case_id=case.pk, unit_id=casebook.city_admin.pk, reason="内部沟通"
    )
    r = client.get(f"/cases/track/{case.tracking_code.lower()}/")
    assert r.status_code == 200
    html = html_of(r)
    assert re.findall(r'data-step="([a-z_]+)"', html) == ["report", "accept", "dispatch"]
    assert 'id="handled-by">城管执法队<' in html
    assert "内部沟通" not in html
    assert 'id="rating-form"' not in html
    assert client.get("/cases/track/ABCDEFGHJKLM/").status_code == 404
    assert client.get("/cases/track/x/").status_code == 404


def test_track_page_rejection_reason(casebook: Casebook, client: Client, resident, people) -> None:
    case = report(resident)
    services.reject(actor=people["manager"], case_id=case.pk, reason="属于私人住宅内部")
    html = html_of(client.get(f"/cases/track/{case.tracking_code}/"))
    assert 'id="rejection">属于私人住宅内部<' in html
    assert 'data-state="rejected"' in html


def test_rating_with_the_code(casebook: Casebook, client: Client, resident, people) -> None:
    case = report(None, contact_email="a@example.com")
    advance(case, people, "closed")
    url = f"/cases/track/{case.tracking_code}/"
    html = html_of(client.get(url))
    assert 'id="rating-form"' in html
    assert 'name="resolution" value="partly"' in html
    r = client.post(
        url + "rate/",
        {"expected": "closed", "rating": "unsatisfied", "resolution": "unresolved", "comment": " "},
    )
    assert r.status_code == 422
    assert errors(html_of(r)) == {"comment": ["Tell us what is still wrong."]}
    case.refresh_from_db()
    assert (case.state, case.rating, case.resolution) == ("closed", "", "")
    r = client.post(url + "rate/", {"expected": "closed"})
    assert r.status_code == 422
    assert errors(html_of(r)) == {
        "rating": ["This field is required."],
        "resolution": ["This field is required."],
    }
    r = client.post(url + "rate/", {"expected": "closed", "rating": "basically", "resolution": "x"})
    assert r.status_code == 422
    assert errors(html_of(r)) == {
        "resolution": ["Select a valid choice. x is not one of the available choices."]
    }
    r = client.post(
        url + "rate/", {"expected": "closed", "rating": "basically", "resolution": "partly"}
    )
    assert (r.status_code, r["Location"]) == (302, url)
    case.refresh_from_db()
    assert (case.state, case.rating, case.resolution) == ("rated", "basically", "partly")
    html = html_of(client.get(url))
    assert 'id="my-rating"' in html and "Basically satisfied" in html
    assert 'id="my-resolution">Partly resolved<' in html
    assert 'id="rating-form"' not in html
    # A second rating (a stale page) is a conflict: reloaded with a message, nothing changes.
    r = client.post(
        url + "rate/",
        {"expected": "closed", "rating": "satisfied", "resolution": "resolved"},
        follow=True,
    )
    assert r.status_code == 200
    assert messages_of(r) == [
        "The case moved on while you were looking at it, so the page was reloaded: "
        "The case is now “Rated”, not “Closed”; reload it."
    ]
    case.refresh_from_db()
    assert case.rating == "basically"
    assert case.log.filter(action="rate").count() == 1


def test_unsatisfied_rating_opens_a_reopen_request(
    casebook: Casebook, client_for, resident, people
) -> None:
    case = advance(report(resident), people, "closed")
    client = client_for(resident)
    url = f"/cases/track/{case.tracking_code}/"
    r = client.post(
        url + "rate/",
        {
            "expected": "closed",
            "rating": "unsatisfied",
            "resolution": "unresolved",
            "comment": "根本没清",
        },
    )
    assert r.status_code == 302
    assert CaseRequest.objects.get(case=case).kind == "reopen"
    assert 'id="reopen-request"' in html_of(client.get(url))


def test_track_photos(casebook: Casebook, client: Client, resident, people) -> None:
    case = report(resident, photos=[check_photo(jpeg())])
    advance(case, people, "dispatched")
    services.handle(
        actor=people["unit"],
        case_id=case.pk,
        result="已清运",
        photos=[check_photo(jpeg(colour=(0, 200, 0)))],
    )
    services.verify(
        actor=people["verifier"],
        case_id=case.pk,
        passed=True,
        photos=[check_photo(jpeg(colour=(0, 0, 200)))],
    )
    by_stage = {p.stage: p for p in case.photos.all()}
    code = case.tracking_code
    html = html_of(client.get(f"/cases/track/{code}/"))
    assert re.findall(r'data-photos="(\w+)"', html) == ["report", "result"]
    r = client.get(f"/cases/track/{code}/photos/{by_stage['result'].pk}/")
    assert (r.status_code, r["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(r.streaming_content)[:2] == b"\xff\xd8"  # type: ignore[attr-defined]
    assert client.get(f"/cases/track/{code}/photos/{by_stage['verify'].pk}/").status_code == 404


def test_public_page(casebook: Casebook, client: Client, resident, people) -> None:
    case = advance(report(resident, contact_name="张三"), people, "dispatched")
    r = client.get(f"/cases/public/{case.pk}/")
    assert r.status_code == 200
    html = html_of(r)
    assert 'id="handled-by">城管执法队<' in html
    assert re.findall(r'data-step="([a-z_]+)"', html) == ["report", "accept", "dispatch"]
    assert "小区东门外" not in html and case.tracking_code not in html and "data-note" not in html
    assert client.get("/cases/public/999999/").status_code == 404


# --- page access by persona ---

PERSONAS = [
    "anonymous",
    "resident",
    "grid_worker",
    "community_admin",
    "street_admin",
    "department",
    "outsider",
]


@pytest.mark.parametrize(
    ("persona", "statuses"),
    [
        # report, mine, queues, map, map geojson, detail, public
        ("anonymous", [200, 302, 302, 302, 302, 302, 200]),
        ("resident", [200, 200, 403, 403, 403, 302, 200]),
        ("grid_worker", [200, 200, 200, 200, 200, 200, 200]),
        ("community_admin", [200, 200, 200, 200, 200, 200, 200]),
        ("street_admin", [200, 200, 200, 200, 200, 200, 200]),
        ("department", [200, 200, 200, 200, 200, 200, 200]),
        ("outsider", [200, 200, 403, 403, 403, 404, 200]),
    ],
)
def test_pages_by_persona(
    casebook: Casebook,
    client: Client,
    request: Any,
    resident,
    people,
    persona: str,
    statuses: list[int],
) -> None:
    case = advance(report(resident), people, "dispatched")
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    urls = [
        "/cases/report/",
        "/cases/mine/",
        "/cases/",
        "/cases/map/",
        "/cases/map/geojson",
        f"/cases/{case.pk}/",
        f"/cases/public/{case.pk}/",
    ]
    assert [client.get(u).status_code for u in urls] == statuses


def test_reporter_is_sent_to_the_tracking_page(casebook: Casebook, client_for, resident) -> None:
    case = report(resident)
    r = client_for(resident).get(f"/cases/{case.pk}/")
    assert r["Location"] == f"/cases/track/{case.tracking_code}/"


def test_outsider_gets_404_everywhere_on_a_case(
    casebook: Casebook, client_for, resident, outsider
) -> None:
    case = report(resident, photos=[check_photo(jpeg())])
    client = client_for(outsider)
    photo = case.photos.get()
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/photos/{photo.pk}/").status_code == 404
    r = client.post(f"/cases/{case.pk}/act/accept/", {"accept-expected": "reported"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert (case.state, case.log.count()) == ("reported", 1)


# --- the queues ---


def test_queue_tabs_by_role(
    casebook: Casebook, client_for, resident, people, grid_worker, community_admin, department
) -> None:
    report(resident)
    advance(report(resident), people, "registered")
    advance(report(resident), people, "dispatched")
    advance(report(resident), people, "handled")

    def tabs(user: User) -> dict[str, str]:
        html = html_of(client_for(user).get("/cases/"))
        return dict(re.findall(r'data-count="(\w+)">(\d+)<', html))

    assert tabs(community_admin) == {
        "accept": "1",
        "dispatch": "1",
        "verify": "1",
        "overdue": "0",
        "requests": "0",
    }
    assert tabs(grid_worker) == {"verify": "1", "overdue": "0"}
    assert tabs(department) == {"handle": "1", "overdue": "0", "whistles": "0"}


def test_queue_lists_marks_overdue_and_pages(
    casebook: Casebook, client_for, resident, community_admin
) -> None:
    with time_machine.travel(T0, tick=False):
        first = report(resident)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        later = [report(resident) for _ in range(25)]
        client = client_for(community_admin)
        html = html_of(client.get("/cases/"))
        rows = re.findall(r'<tr data-case="(\d+)"( class="table-danger" data-overdue="1")?', html)
        assert len(rows) == 25
        assert rows[0] == (str(first.pk), ' class="table-danger" data-overdue="1"')
        assert all(flag == "" for _pk, flag in rows[1:])
        assert 'data-count="overdue">1<' in html
        html = html_of(client.get("/cases/", {"tab": "accept", "page": "2"}))
        assert re.findall(r'<tr data-case="(\d+)"', html) == [str(later[-1].pk)]
        html = html_of(client.get("/cases/", {"tab": "overdue"}))
        assert re.findall(r'<tr data-case="(\d+)"', html) == [str(first.pk)]


def test_queue_filters_and_htmx_partial(
    casebook: Casebook, client_for, resident, community_admin
) -> None:
    a = report(resident)
    b = report(resident, category="02.01")
    c = report(resident, lon=120.15, lat=30.05)  # grid 12
    client = client_for(community_admin)

    def listed(**query: str) -> list[int]:
        html = html_of(client.get("/cases/", query))
        return [int(x) for x in re.findall(r'<tr data-case="(\d+)"', html)]

    assert listed() == [a.pk, c.pk, b.pk]  # by deadline: 02 has the longer default
    assert listed(grid=casebook.tree.grid12.code) == [c.pk]
    assert listed(category="02") == [b.pk]
    assert listed(category="01.01") == [a.pk, c.pk]
    r = client.get("/cases/", {"grid": "nope"})
    assert errors(html_of(r)) == {
        "grid": ["Select a valid choice. nope is not one of the available choices."]
    }
    r = client.get("/cases/", {"tab": "accept", "category": "02"}, HTTP_HX_REQUEST="true")
    html = html_of(r)
    assert "<html" not in html and 'id="queue-tabs"' in html
    assert re.findall(r'<tr data-case="(\d+)"', html) == [str(b.pk)]


def test_queues_whistles_and_requests(
    casebook: Casebook, client_for, resident, people, community_admin, department
) -> None:
    case = advance(report(resident), people, "dispatched")
    coordination.whistle(
        actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="请到场"
    )
    coordination.request_change(
        actor=department, case_id=case.pk, kind="postpone", reason="材料未到", extra_minutes=600
    )
    html = html_of(client_for(department).get("/cases/", {"tab": "whistles"}))
    assert re.findall(r'<tr data-case="(\d+)"', html) == [str(case.pk)]
    html = html_of(client_for(community_admin).get("/cases/", {"tab": "requests"}))
    assert re.findall(r'<tr data-case="(\d+)"', html) == [str(case.pk)]


# --- the detail page and its moves ---


def moves_on(html: str) -> list[str]:
    return re.findall(r'data-move="(\w+)"', html)


def test_detail_shows_only_allowed_moves(
    casebook: Casebook,
    client_for,
    resident,
    people,
    grid_worker,
    community_admin,
    department,
    street_admin,
) -> None:
    case = report(resident, contact_name="张三")
    html = html_of(client_for(community_admin).get(f"/cases/{case.pk}/"))
    assert moves_on(html) == ["accept", "reject", "whistle", "merge"]
    assert 'name="accept-expected" value="reported"' in html
    assert 'id="reporter">居民甲<' in html
    assert moves_on(html_of(client_for(street_admin).get(f"/cases/{case.pk}/"))) == [
        "accept",
        "reject",
        "whistle",
        "merge",
    ]
    assert moves_on(html_of(client_for(grid_worker).get(f"/cases/{case.pk}/"))) == []
    assert client_for(department).get(f"/cases/{case.pk}/").status_code == 404

    advance(case, people, "dispatched")
    html = html_of(client_for(department).get(f"/cases/{case.pk}/"))
    assert moves_on(html) == ["start", "handle", "return", "request"]
    html = html_of(client_for(community_admin).get(f"/cases/{case.pk}/"))
    assert moves_on(html) == ["whistle", "merge"]
    assert re.findall(r'data-log="(\w+)"', html) == ["report", "accept", "register", "dispatch"]
    assert "书记丙" in html  # the actor of the log rows
    assert 'id="case-map"' in html and '"point": [30.05, 120.05]' in html


def test_anonymous_contact_is_masked(casebook: Casebook, client_for, community_admin) -> None:
    case = report(None, contact_name="李四", contact_phone="13912345678")
    html = html_of(client_for(community_admin).get(f"/cases/{case.pk}/"))
    assert "139****5678" in html and "13912345678" not in html


def test_accept_and_register(casebook: Casebook, client_for, resident, community_admin) -> None:
    case = report(resident)
    client = client_for(community_admin)
    r = client.post(
        f"/cases/{case.pk}/act/accept/",
        {"accept-expected": "reported", "accept-register": "on", "accept-note": "收到"},
    )
    assert (r.status_code, r["Location"]) == (302, f"/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.state == "registered"
    r = client.get(f"/cases/{case.pk}/")
    assert messages_of(r) == ["Accept (受理): done."]
    assert moves_on(html_of(r)) == ["dispatch", "whistle", "merge"]


def test_conflict_is_reloaded_with_a_message(
    casebook: Casebook, client_for, resident, community_admin, community_staff
) -> None:
    case = report(resident)
    services.accept(actor=community_staff, case_id=case.pk)  # someone else was faster
    r = client_for(community_admin).post(
        f"/cases/{case.pk}/act/accept/", {"accept-expected": "reported"}, follow=True
    )
    assert r.status_code == 200
    assert r.redirect_chain == [(f"/cases/{case.pk}/", 302)]
    assert messages_of(r) == [
        "The case moved on while you were looking at it, so the page was reloaded: "
        "The case is now “Accepted”."
    ]
    assert case.log.filter(action="accept").count() == 1
    assert 'data-state="accepted"' in html_of(r)


def test_conflict_from_the_service(
    casebook: Casebook, client_for, resident, community_admin
) -> None:
    """The page showed "reported" and so did the row when the view read it; the service still
    refuses an illegal move with a conflict (here: closing a reported case)."""
    case = report(resident)
    r = client_for(community_admin).post(
        f"/cases/{case.pk}/act/close/", {"close-expected": "reported"}, follow=True
    )
    assert messages_of(r) == [
        "The case moved on while you were looking at it, so the page was reloaded: "
        "“Close” is not possible while the case is “Reported”."
    ]
    case.refresh_from_db()
    assert (case.state, case.log.count()) == ("reported", 1)


def test_reject_needs_a_reason(casebook: Casebook, client_for, resident, community_admin) -> None:
    case = report(resident)
    client = client_for(community_admin)
    r = client.post(f"/cases/{case.pk}/act/reject/", {"reject-expected": "reported"})
    assert r.status_code == 422
    html = html_of(r)
    assert errors(html) == {"reject-reason": ["This field is required."]}
    assert 'id="move-reject" data-move="reject" open' in html
    r = client.post(
        f"/cases/{case.pk}/act/reject/", {"reject-expected": "reported", "reject-reason": "  "}
    )
    assert errors(html_of(r)) == {"reject-reason": ["This field is required."]}
    case.refresh_from_db()
    assert (case.state, case.log.count()) == ("reported", 1)


def test_move_without_the_right_is_403_and_changes_nothing(
    casebook: Casebook, client_for, resident, grid_worker, department, people
) -> None:
    case = report(resident)
    r = client_for(grid_worker).post(
        f"/cases/{case.pk}/act/accept/", {"accept-expected": "reported"}
    )
    assert r.status_code == 403
    advance(case, people, "dispatched")
    r = client_for(department).post(f"/cases/{case.pk}/act/close/", {})
    assert r.status_code == 403
    r = client_for(grid_worker).post(f"/cases/{case.pk}/act/nonsense/", {})
    assert r.status_code == 404
    case.refresh_from_db()
    assert (case.state, case.log.count()) == ("dispatched", 4)


def test_dispatch_preselects_the_route_and_asks_why_when_overriding(
    casebook: Casebook, client_for, resident, people, community_admin
) -> None:
    case = advance(report(resident), people, "registered")
    client = client_for(community_admin)
    html = html_of(client.get(f"/cases/{case.pk}/"))
    city, prop = casebook.city_admin.pk, casebook.property_co.pk
    assert f'<option value="{city}" selected>城管执法队' in html
    assert re.search(rf'value="{prop}"[^>]*checked', html)
    assert 'id="route-explained"' in html and "城管执法队 leads" in html
    url = f"/cases/{case.pk}/act/dispatch/"
    r = client.post(url, {"dispatch-expected": "registered", "dispatch-lead_unit": prop})
    assert r.status_code == 422
    assert errors(html_of(r)) == {"dispatch-note": ["Please give a reason."]}
    r = client.post(
        url,
        {
            "dispatch-expected": "registered",
            "dispatch-lead_unit": prop,
            "dispatch-support_units": [prop],
        },
    )
    assert errors(html_of(r)) == {
        "dispatch-support_units": ["The lead unit cannot also be a support unit."]
    }
    r = client.post(url, {"dispatch-expected": "registered", "dispatch-lead_unit": "99999"})
    assert errors(html_of(r)) == {
        "dispatch-lead_unit": ["Select a valid choice. 99999 is not one of the available choices."]
    }
    case.refresh_from_db()
    assert (case.state, case.lead_unit) == ("registered", None)
    r = client.post(
        url,
        {
            "dispatch-expected": "registered",
            "dispatch-lead_unit": city,
            "dispatch-support_units": [prop],
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.lead_unit, list(case.support_units.all())) == (
        "dispatched",
        casebook.city_admin,
        [casebook.property_co],
    )


def test_unit_handles_with_photos_and_bad_photo_is_refused(
    casebook: Casebook, client_for, resident, people, department
) -> None:
    case = advance(report(resident), people, "dispatched")
    client = client_for(department)
    url = f"/cases/{case.pk}/act/handle/"
    r = client.post(
        url,
        {
            "handle-expected": "dispatched",
            "handle-result": "已清运",
            "handle-photos": [upload("x.jpg", b"<html>")],
        },
    )
    assert r.status_code == 422
    assert errors(html_of(r)) == {
        "handle-photos": ["x.jpg: The file is not a readable JPEG, PNG or WebP photo."]
    }
    r = client.post(url, {"handle-expected": "dispatched", "handle-photos": [upload()]})
    assert errors(html_of(r)) == {"handle-result": ["This field is required."]}
    case.refresh_from_db()
    assert (case.state, case.photos.count()) == ("dispatched", 0)
    r = client.post(
        url,
        {"handle-expected": "dispatched", "handle-result": "已清运", "handle-photos": [upload()]},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.result, case.handled_by) == ("handled", "已清运", department)
    assert list(case.photos.values_list("stage", flat=True)) == ["result"]


def test_verify_is_hidden_from_the_handler(
    casebook: Casebook, client_for, resident, people, grid_worker
) -> None:
    UnitAccount.objects.create(unit=casebook.city_admin, user=grid_worker)
    case = advance(report(resident), people, "dispatched")
    client = client_for(grid_worker)
    r = client.post(
        f"/cases/{case.pk}/act/handle/",
        {"handle-expected": "dispatched", "handle-result": "清理完毕"},
    )
    assert r.status_code == 302
    assert "verify" not in moves_on(html_of(client.get(f"/cases/{case.pk}/")))
    r = client.post(
        f"/cases/{case.pk}/act/verify/", {"verify-expected": "handled", "verify-outcome": "pass"}
    )
    assert r.status_code == 403
    case.refresh_from_db()
    assert (case.state, case.verified_by) == ("handled", None)


def test_verify_fail_needs_a_note_then_rework(
    casebook: Casebook, client_for, resident, people, grid_worker
) -> None:
    case = advance(report(resident), people, "handled")
    client = client_for(grid_worker)
    url = f"/cases/{case.pk}/act/verify/"
    r = client.post(url, {"verify-expected": "handled", "verify-outcome": "fail"})
    assert errors(html_of(r)) == {"verify-note": ["Please give a reason."]}
    case.refresh_from_db()
    assert case.state == "handled"
    r = client.post(
        url, {"verify-expected": "handled", "verify-outcome": "fail", "verify-note": "还有残留"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.rework_count) == ("in_progress", 1)


def test_return_leaves_the_unit_and_goes_to_the_queue(
    casebook: Casebook, client_for, resident, people, department
) -> None:
    case = advance(report(resident), people, "dispatched")
    r = client_for(department).post(
        f"/cases/{case.pk}/act/return/",
        {"return-expected": "dispatched", "return-reason": "不归我们"},
    )
    assert (r.status_code, r["Location"]) == (302, "/cases/")
    case.refresh_from_db()
    assert (case.state, case.lead_unit) == ("registered", None)


def test_whistle_answer_and_lateness(
    casebook: Casebook, client_for, resident, people, community_admin, department
) -> None:
    with time_machine.travel(T0, tick=False):
        case = advance(report(resident), people, "dispatched")
        client = client_for(community_admin)
        html = html_of(client.get(f"/cases/{case.pk}/"))
        assert f'<option value="{casebook.city_admin.pk}">城管执法队' in html
        assert (
            f'<option value="{casebook.property_co.pk}">' not in html.split('id="move-whistle"')[1]
        )
        r = client.post(
            f"/cases/{case.pk}/act/whistle/",
            {
                "whistle-expected": "dispatched",
                "whistle-unit": casebook.city_admin.pk,
                "whistle-answer_minutes": "30",
            },
        )
        assert errors(html_of(r)) == {"whistle-reason": ["This field is required."]}
        r = client.post(
            f"/cases/{case.pk}/act/whistle/",
            {
                "whistle-expected": "dispatched",
                "whistle-unit": casebook.city_admin.pk,
                "whistle-answer_minutes": "30",
                "whistle-reason": "请到场协调",
            },
        )
        assert r.status_code == 302
    whistle = Whistle.objects.get()
    assert (whistle.unit, whistle.due_at) == (casebook.city_admin, T0 + dt.timedelta(minutes=30))
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        unit = client_for(department)
        html = html_of(unit.get(f"/cases/{case.pk}/"))
        assert f'data-whistle="{whistle.pk}" data-late="1"' in html
        assert 'data-move="answer"' in html
        url = f"/cases/{case.pk}/act/answer/{whistle.pk}/"
        r = unit.post(url, {f"answer-{whistle.pk}-expected": "dispatched"})
        assert errors(html_of(r)) == {f"answer-{whistle.pk}-text": ["This field is required."]}
        r = unit.post(
            url,
            {f"answer-{whistle.pk}-expected": "dispatched", f"answer-{whistle.pk}-text": "已到场"},
        )
        assert r.status_code == 302
    whistle.refresh_from_db()
    assert (whistle.answer, whistle.answered_by) == ("已到场", department)
    html = html_of(client_for(community_admin).get(f"/cases/{case.pk}/"))
    assert "Answered late" in html and 'data-move="answer"' not in html
    # The secretary cannot answer for the unit.
    r = client_for(community_admin).post(
        url, {f"answer-{whistle.pk}-expected": "dispatched", f"answer-{whistle.pk}-text": "x"}
    )
    assert r.status_code == 403


def test_postpone_request_and_decision(
    casebook: Casebook, client_for, resident, people, community_admin, department
) -> None:
    case = advance(report(resident), people, "dispatched")
    due = case.handle_due
    assert due is not None
    unit = client_for(department)
    url = f"/cases/{case.pk}/act/request/"
    r = unit.post(
        url,
        {
            "request-expected": "dispatched",
            "request-kind": "postpone",
            "request-reason": "材料未到",
        },
    )
    assert errors(html_of(r)) == {"request-extra_hours": ["How many more hours are needed?"]}
    r = unit.post(
        url,
        {
            "request-expected": "dispatched",
            "request-kind": "postpone",
            "request-reason": "材料未到",
            "request-extra_hours": "24",
        },
    )
    assert r.status_code == 302
    row = CaseRequest.objects.get()
    assert row.extra_minutes == 24 * 60
    manager = client_for(community_admin)
    html = html_of(manager.get(f"/cases/{case.pk}/"))
    assert f'id="move-decide-{row.pk}"' in html
    decide = f"/cases/{case.pk}/act/decide/{row.pk}/"
    r = manager.post(
        decide, {f"decide-{row.pk}-expected": "dispatched", f"decide-{row.pk}-decision": "deny"}
    )
    assert errors(html_of(r)) == {f"decide-{row.pk}-note": ["Please give a reason."]}
    r = manager.post(
        decide,
        {f"decide-{row.pk}-expected": "dispatched", f"decide-{row.pk}-decision": "approve"},
        follow=True,
    )
    assert messages_of(r) == ["The request is approved."]
    case.refresh_from_db()
    assert case.handle_due == due + dt.timedelta(hours=24)
    assert manager.post(f"/cases/{case.pk}/act/decide/99999/", {}).status_code == 404


def test_suspend_and_resume(
    casebook: Casebook, client_for, resident, people, community_admin, department
) -> None:
    case = advance(report(resident), people, "dispatched")
    client_for(department).post(
        f"/cases/{case.pk}/act/request/",
        {"request-expected": "dispatched", "request-kind": "suspend", "request-reason": "等待业主"},
    )
    row = CaseRequest.objects.get()
    manager = client_for(community_admin)
    manager.post(
        f"/cases/{case.pk}/act/decide/{row.pk}/",
        {f"decide-{row.pk}-expected": "dispatched", f"decide-{row.pk}-decision": "approve"},
    )
    case.refresh_from_db()
    assert case.suspended_at is not None
    html = html_of(manager.get(f"/cases/{case.pk}/"))
    assert "resume" in moves_on(html) and 'id="suspended"' in html
    r = manager.post(f"/cases/{case.pk}/act/resume/", {"resume-expected": "dispatched"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.suspended_at is None


def test_merge_by_number(
    casebook: Casebook, client_for, resident, community_admin, outsider
) -> None:
    target = report(resident)
    dup = report(resident)
    client = client_for(community_admin)
    url = f"/cases/{dup.pk}/act/merge/"
    r = client.post(url, {"merge-expected": "reported", "merge-into": "hello"})
    assert errors(html_of(r)) == {"merge-into": ["Give a case number such as AJ00000001."]}
    r = client.post(url, {"merge-expected": "reported", "merge-into": "AJ99999999"})
    assert errors(html_of(r)) == {"merge-into": ["No such case."]}
    r = client.post(url, {"merge-expected": "reported", "merge-into": dup.number})
    assert errors(html_of(r)) == {"merge-into": ["A case cannot be merged into itself."]}
    dup.refresh_from_db()
    assert dup.state == "reported"
    r = client.post(url, {"merge-expected": "reported", "merge-into": target.number.lower()})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert (dup.state, dup.merged_into) == ("merged", target)


def test_stale_form_field_is_a_form_error(
    casebook: Casebook, client_for, resident, community_admin
) -> None:
    case = report(resident)
    r = client_for(community_admin).post(f"/cases/{case.pk}/act/accept/", {})
    assert r.status_code == 422
    assert errors(html_of(r)) == {"accept-__all__": ["The form is out of date; reload the page."]}
    case.refresh_from_db()
    assert case.state == "reported"


def test_staff_photo_by_stage(
    casebook: Casebook, client_for, resident, people, community_admin
) -> None:
    case = advance(report(resident), people, "handled")
    services.verify(
        actor=people["verifier"], case_id=case.pk, passed=True, photos=[check_photo(jpeg())]
    )
    photo = case.photos.get()
    html = html_of(client_for(community_admin).get(f"/cases/{case.pk}/"))
    assert re.findall(r'data-photos="(\w+)"', html) == ["verify"]
    r = client_for(community_admin).get(f"/cases/{case.pk}/photos/{photo.pk}/")
    assert r.status_code == 200
    # The reporter sees the case only as its reporter: verification photos stay internal.
    assert client_for(resident).get(f"/cases/{case.pk}/photos/{photo.pk}/").status_code == 404


# --- the map of open cases ---


def test_map_geojson(
    casebook: Casebook, client_for, resident, people, community_admin, monkeypatch
) -> None:
    with time_machine.travel(T0, tick=False):
        late = report(resident)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        fresh = report(resident)
        closed = advance(report(resident), people, "closed")
        client = client_for(community_admin)
        html = html_of(client.get("/cases/map/"))
        assert 'id="cases-map"' in html and "/cases/map/geojson" in html
        data = client.get("/cases/map/geojson").json()
        assert (data["total"], data["shown"]) == (2, 2)
        assert [(f["properties"]["id"], f["properties"]["overdue"]) for f in data["features"]] == [
            (late.pk, True),
            (fresh.pk, False),
        ]
        assert data["features"][0]["geometry"] == {"type": "Point", "coordinates": [120.05, 30.05]}
        assert data["features"][0]["properties"]["state_label"] == "Reported"
        assert closed.pk not in [f["properties"]["id"] for f in data["features"]]
        monkeypatch.setattr("resigrid.cases.views.MAP_LIMIT", 1)
        data = client.get("/cases/map/geojson").json()
        assert (data["total"], data["shown"], data["features"][0]["properties"]["id"]) == (
            2,
            1,
            late.pk,
        )
