"""Idempotency-Key: a retry gets the first answer and does nothing again; another request under
the same key is a 422 naming the header; keys belong to their owner."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from resigrid.cases.models import Case, CaseLog, CasePhoto, IdempotentRequest
from resigrid.notify.models import Message
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import REPORTS, client_of, fix_codes, jpeg, post, report_body

pytestmark = pytest.mark.django_db

REUSED = {
    "detail": [
        {
            "loc": ["header", "Idempotency-Key"],
            "msg": "This Idempotency-Key was already used for a different request.",
            "type": "idempotency_key_reused",
        }
    ]
}


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseLog.objects.count(), Message.objects.count()


def test_a_retried_report_gets_the_first_answer(casebook: Casebook, resident, monkeypatch):
    fix_codes(monkeypatch)
    client = client_of(resident)
    first = post(client, REPORTS, report_body(), key="3f1c-report-1")
    assert first.status_code == 201
    after_first = counts()
    # Same meaning, other spelling: keys in another order.
    retry = post(client, REPORTS, dict(reversed(report_body().items())), key="3f1c-report-1")
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert counts() == after_first == (1, 1, 1)  # one case, one log row, one message
    stored = IdempotentRequest.objects.get()
    assert (stored.owner, stored.key, stored.status_code) == (
        f"user:{resident.pk}",
        "3f1c-report-1",
        201,
    )
    assert stored.response == first.json()


def test_the_same_key_with_another_body_is_422(casebook: Casebook, resident):
    client = client_of(resident)
    post(client, REPORTS, report_body(), key="k1")
    before = counts()
    other = post(client, REPORTS, report_body(title="另一件事"), key="k1")
    assert (other.status_code, other.json()) == (422, REUSED)
    assert counts() == before
    case = Case.objects.get()
    # Another endpoint under the same key is another request, too.
    elsewhere = post(client, f"/api/cases/{case.pk}/actions/rate", {"rating": "x"}, key="k1")
    assert (elsewhere.status_code, elsewhere.json()) == (422, REUSED)


def test_keys_belong_to_their_owner(casebook: Casebook, resident, grid_worker, monkeypatch):
    fix_codes(monkeypatch)
    a = post(client_of(resident), REPORTS, report_body(), key="same")
    b = post(client_of(grid_worker), REPORTS, report_body(), key="same")
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]
    assert Case.objects.count() == 2


def test_anonymous_retry_returns_the_same_tracking_code(casebook: Casebook, monkeypatch):
    fix_codes(monkeypatch)
    body = report_body(contact_phone="13800138000")
    first = post(Client(), REPORTS, body, key="anon-7d2e")
    retry = post(Client(), REPORTS, body, key="anon-7d2e")
    assert (first.json()["tracking_code"], retry.json()) == ("TRACKCODE001", first.json())
    assert Case.objects.count() == 1
    assert IdempotentRequest.objects.get().owner == "anon"


def test_a_refused_request_keeps_nothing_and_may_be_corrected(casebook: Casebook, resident):
    client = client_of(resident)
    refused = post(client, REPORTS, report_body(category="99"), key="fix-me")
    assert refused.status_code == 422
    assert IdempotentRequest.objects.count() == 0
    fixed = post(client, REPORTS, report_body(), key="fix-me")
    assert fixed.status_code == 201
    assert Case.objects.count() == 1


def test_malformed_keys(casebook: Casebook, resident):
    client = client_of(resident)
    for key in ("x" * 81, "带中文", "two words"):
        response = post(client, REPORTS, report_body(), key=key)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert counts() == (0, 0, 0)


def test_a_retried_move_is_not_a_conflict(casebook: Casebook, resident, community_admin):
    case = report(resident)
    admin = client_of(community_admin)
    url = f"/api/cases/{case.pk}/actions/accept"
    first = post(admin, url, {"expected_state": "reported"}, key="acc-1")
    retry = post(admin, url, {"expected_state": "reported"}, key="acc-1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert CaseLog.objects.filter(case=case, action="accept").count() == 1
    # Without the key, the same request is a new one, and the case has moved on.
    assert post(admin, url, {"expected_state": "reported"}).status_code == 409


def test_a_retried_photo_upload_adds_one_photo(casebook: Casebook, resident):
    case = report(resident)
    client = client_of(resident)
    content = jpeg()

    def send(key: str):
        return client.post(
            f"/api/cases/{case.pk}/photos",
            {"photos": [SimpleUploadedFile("p.jpg", content)]},
            headers={"Idempotency-Key": key},
        )

    first, retry = send("photo-1"), send("photo-1")
    assert (first.status_code, retry.json()) == (201, first.json())
    assert CasePhoto.objects.count() == 1
    # The same key with another photo is another request.
    other = client.post(
        f"/api/cases/{case.pk}/photos",
        {"photos": [SimpleUploadedFile("p.jpg", jpeg(10, 10))]},
        headers={"Idempotency-Key": "photo-1"},
    )
    assert (other.status_code, other.json()) == (422, REUSED)
    assert CasePhoto.objects.count() == 1
