"""Personal access tokens: service, API (session vs Bearer), page; rejection is logged."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import AccessToken, SecurityEvent
from resigrid.accounts.services import MAX_ACTIVE_TOKENS, create_access_token
from resigrid.core.errors import ValidationFailed
from tests.accounts.conftest import T0, events, make_user

TOKENS_API = "/api/accounts/tokens"


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        AccessToken.objects.order_by("pk").values_list("pk", "name", "revoked_at", "last_used_at")
    )


# --- service -------------------------------------------------------------------------------


def test_create_stores_only_the_hash_and_logs(resident):
    with time_machine.travel(T0, tick=False):
        token, raw = create_access_token(user=resident, name=" sync ", days=30)
    assert raw.startswith("rgt_")
    assert len(raw) == 4 + 43
    token.refresh_from_db()
    assert token.name == "sync"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    assert token.expires_at == T0 + timedelta(days=30)
    assert raw not in str(AccessToken.objects.values().get())
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.detail) == (
        "token_created",
        resident,
        {"token_id": token.pk, "prefix": token.prefix, "name": "sync"},
    )


def test_default_lifetime_comes_from_settings(resident, settings):
    settings.ACCESS_TOKEN_DEFAULT_DAYS = 0
    token, _ = create_access_token(user=resident, name="forever")
    assert token.expires_at is None
    settings.ACCESS_TOKEN_DEFAULT_DAYS = 10
    with time_machine.travel(T0, tick=False):
        token, _ = create_access_token(user=resident, name="ten")
    assert token.expires_at == T0 + timedelta(days=10)


@pytest.mark.parametrize(
    ("name", "days", "field"),
    [("", 30, "name"), ("x" * 101, 30, "name"), ("ok", 0, "days"), ("ok", 3651, "days")],
)
def test_bad_input_is_refused_and_nothing_written(resident, name, days, field):
    with pytest.raises(ValidationFailed) as info:
        create_access_token(user=resident, name=name, days=days)
    assert info.value.field == field
    assert list(info.value.errors) == [field]
    assert AccessToken.objects.count() == 0
    assert SecurityEvent.objects.count() == 0


def test_duplicate_active_name_and_the_active_limit(resident):
    create_access_token(user=resident, name="a", days=1)
    with pytest.raises(ValidationFailed) as info:
        create_access_token(user=resident, name="a", days=1)
    assert info.value.field == "name"
    for i in range(MAX_ACTIVE_TOKENS - 1):
        create_access_token(user=resident, name=f"t{i}", days=1)
    with pytest.raises(ValidationFailed):
        create_access_token(user=resident, name="one too many", days=1)
    assert AccessToken.objects.count() == MAX_ACTIVE_TOKENS


# --- API -----------------------------------------------------------------------------------


def test_create_through_session_returns_the_raw_token_once(client_for, resident):
    client = client_for(resident)
    response = client.post(TOKENS_API, {"name": "etl", "days": 90}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    token = AccessToken.objects.get()
    assert body["raw"].startswith("rgt_")
    assert token.token_hash == hashlib.sha256(body["raw"].encode()).hexdigest()
    assert body["token"]["id"] == token.pk
    assert body["token"]["status"] == "active"
    listed = client.get(TOKENS_API).json()
    assert [t["name"] for t in listed] == ["etl"]
    assert "raw" not in listed[0]
    assert "token_hash" not in listed[0]


def test_token_auth_cannot_create_tokens(resident):
    _, raw = create_access_token(user=resident, name="ci", days=30)
    before = snapshot()
    response = Client().post(
        TOKENS_API, {"name": "more"}, content_type="application/json", headers=bearer(raw)
    )
    assert response.status_code == 401
    assert [(pk, name, revoked) for pk, name, revoked, _ in snapshot()] == [
        (pk, name, revoked) for pk, name, revoked, _ in before
    ]
    assert events(kind="token_created") == [("token_created", "resident")]


def test_api_validation_errors_are_422_naming_the_field(client_for, resident):
    client = client_for(resident)
    empty = client.post(TOKENS_API, {"name": ""}, content_type="application/json")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"][-1] == "name"
    create_access_token(user=resident, name="dup", days=1)
    dup = client.post(TOKENS_API, {"name": "dup"}, content_type="application/json")
    assert dup.status_code == 422
    assert dup.json()["detail"] == [
        {
            "loc": ["body", "name"],
            "msg": "You already have an active token with this name.",
            "type": "value_error",
        }
    ]
    assert AccessToken.objects.count() == 1


def test_bearer_token_authenticates_and_stamps_last_use(resident):
    with time_machine.travel(T0, tick=False) as traveller:
        token, raw = create_access_token(user=resident, name="ci", days=30)
        assert token.last_used_at is None
        traveller.shift(timedelta(hours=1))
        response = Client().get("/api/accounts/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "resident"
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(hours=1)


def test_unknown_token_is_401_and_logged(db):
    response = Client().get("/api/accounts/me", headers=bearer("rgt_notarealtoken123"))
    assert response.status_code == 401
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.detail) == (
        "token_rejected",
        None,
        {"reason": "unknown", "prefix": "rgt_notareal"},
    )
    assert event.path == "/api/accounts/me"


def test_foreign_looking_token_is_logged_without_its_text(db):
    Client().get("/api/accounts/me", headers=bearer("secret-from-elsewhere"))
    assert SecurityEvent.objects.get().detail == {"reason": "unknown", "prefix": ""}


def test_expired_token_is_401_and_logged(resident):
    with time_machine.travel(T0, tick=False) as traveller:
        token, raw = create_access_token(user=resident, name="ci", days=1)
        traveller.shift(timedelta(days=1))
        response = Client().get("/api/accounts/me", headers=bearer(raw))
    assert response.status_code == 401
    event = SecurityEvent.objects.get(kind="token_rejected")
    assert (event.user, event.detail) == (resident, {"reason": "expired", "prefix": token.prefix})
    token.refresh_from_db()
    assert token.last_used_at is None


def test_revoked_token_is_401_and_logged(client_for, resident):
    token, raw = create_access_token(user=resident, name="ci", days=30)
    assert client_for(resident).delete(f"{TOKENS_API}/{token.pk}").status_code == 204
    response = Client().get(TOKENS_API, headers=bearer(raw))
    assert response.status_code == 401
    assert SecurityEvent.objects.get(kind="token_rejected").detail == {
        "reason": "revoked",
        "prefix": token.prefix,
    }


def test_token_of_an_inactive_user_is_401(resident):
    _, raw = create_access_token(user=resident, name="ci", days=30)
    resident.is_active = False
    resident.save()
    assert Client().get("/api/accounts/me", headers=bearer(raw)).status_code == 401
    assert SecurityEvent.objects.get(kind="token_rejected").detail["reason"] == "inactive_user"


def test_no_credentials_is_401_and_not_logged(db):
    assert Client().get(TOKENS_API).status_code == 401
    assert SecurityEvent.objects.count() == 0


def test_revoke_is_idempotent_and_logged_once(client_for, resident):
    with time_machine.travel(T0, tick=False) as traveller:
        token, _ = create_access_token(user=resident, name="ci", days=30)
        client = client_for(resident)
        assert client.delete(f"{TOKENS_API}/{token.pk}").status_code == 204
        traveller.shift(timedelta(minutes=5))
        assert client.delete(f"{TOKENS_API}/{token.pk}").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at == T0
    assert events(kind="token_revoked") == [("token_revoked", "resident")]


def test_token_can_revoke_itself(resident):
    token, raw = create_access_token(user=resident, name="ci", days=30)
    assert Client().delete(f"{TOKENS_API}/{token.pk}", headers=bearer(raw)).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_is_not_found_and_unchanged(client_for, resident, grid_worker):
    token, _ = create_access_token(user=resident, name="ci", days=30)
    before = snapshot()
    response = client_for(grid_worker).delete(f"{TOKENS_API}/{token.pk}")
    assert response.status_code == 404
    assert snapshot() == before
    assert events(kind="token_revoked") == []
    assert client_for(grid_worker).get(TOKENS_API).json() == []


def test_user_manager_may_revoke_anyones_token(client_for, resident, tree):
    from resigrid.accounts.roles import Role
    from tests.factories import bind

    admin = make_user(username="districtadmin")
    bind(admin, tree.district, Role.ADMIN)
    token, _ = create_access_token(user=resident, name="ci", days=30)
    assert client_for(admin).delete(f"{TOKENS_API}/{token.pk}").status_code == 204
    event = SecurityEvent.objects.get(kind="token_revoked")
    assert (event.user, event.detail["owner"]) == (admin, "resident")


# --- page ----------------------------------------------------------------------------------


def test_tokens_page_creates_and_shows_the_raw_token_once(client_for, resident):
    client = client_for(resident)
    response = client.post(reverse("accounts:tokens"), {"name": "phone app", "days": "30"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    token = AccessToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    listing = client.get(reverse("accounts:tokens"))
    assert raw.encode() not in listing.content
    assert token.prefix.encode() in listing.content
    assert [(t.pk, s) for t, s in listing.context["rows"]] == [(token.pk, "active")]


def test_tokens_page_bad_input_is_a_form_error(client_for, resident):
    response = client_for(resident).post(reverse("accounts:tokens"), {"name": "", "days": "30"})
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["name"]
    assert AccessToken.objects.count() == 0


def test_tokens_page_revoke_by_post_only(client_for, resident):
    token, _ = create_access_token(user=resident, name="ci", days=30)
    client = client_for(resident)
    url = reverse("accounts:revoke_token", args=[token.pk])
    assert client.get(url).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_tokens_page_cannot_revoke_someone_elses(client_for, resident, grid_worker):
    token, _ = create_access_token(user=resident, name="ci", days=30)
    client_for(grid_worker).post(reverse("accounts:revoke_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_page_needs_login(db):
    response = Client().get(reverse("accounts:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
