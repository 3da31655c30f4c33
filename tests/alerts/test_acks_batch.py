"""Batched acknowledgements by signed link tokens (SMS gateway, app sync): the service's exact
outcomes, duplicates, re-sends, limits, and the API's permission and answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.accounts.services import create_access_token
from resigrid.alerts import acks, rules, services
from resigrid.alerts.acks import Outcome
from resigrid.alerts.models import Alert, Recipient
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published
from tests.factories import UserFactory, bind

pytestmark = pytest.mark.django_db

T1 = dt.datetime(2026, 7, 1, 4, 5, 0, tzinfo=dt.UTC)
T2 = T1 + dt.timedelta(minutes=10)


def rec(alert: Alert, **who: Any) -> Recipient:
    return Recipient.objects.get(alert=alert, **who)


def expired_token(r: Recipient) -> str:
    return rules.ack_token(
        key=acks.token_key(), recipient_id=r.pk, expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )


def gateway(world: World) -> User:
    user = UserFactory(username="smsgw", full_name="短信网关")
    bind(user, world.tree.district, Role.ADMIN)
    return user


def test_mixed_batch_exact_outcomes(world: World) -> None:
    alert = published(world)
    young, far = rec(alert, person=world.young), rec(alert, person=world.far)
    member, old = rec(alert, person=world.member), rec(alert, person=world.old)
    acks.acknowledge_by_token(token=acks.token_for(member))  # acknowledged before, by link
    member.refresh_from_db()
    first_time = member.acknowledged_at
    forged = acks.token_for(young).replace(f"{young.pk}.", f"{far.pk}.", 1)
    tokens = [
        acks.token_for(young),
        forged,
        expired_token(old),
        acks.token_for(member),
        "garbage",
        acks.token_for(far),
    ]
    out = acks.acknowledge_many_by_token(tokens=tokens, channel="sms", now=T1)
    assert out == [
        Outcome("acknowledged", T1),
        Outcome("invalid"),
        Outcome("expired"),
        Outcome("already", first_time),
        Outcome("invalid"),
        Outcome("acknowledged", T1),
    ]
    for r in (young, far, member, old):
        r.refresh_from_db()
    assert (young.acknowledged_at, young.ack_channel, young.read_at) == (T1, "sms", T1)
    assert (far.acknowledged_at, far.ack_channel) == (T1, "sms")
    assert (member.acknowledged_at, member.ack_channel) == (first_time, "link")
    assert old.acknowledged_at is None and old.read_at is None


def test_read_time_kept_and_unknown_recipient_invalid(world: World) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    Recipient.objects.filter(pk=young.pk).update(read_at=T1 - dt.timedelta(minutes=1))
    ghost = rules.ack_token(key=acks.token_key(), recipient_id=10**9, expires=T2)
    out = acks.acknowledge_many_by_token(
        tokens=[acks.token_for(young), ghost], channel="app", now=T1
    )
    assert out == [Outcome("acknowledged", T1), Outcome("invalid")]
    young.refresh_from_db()
    assert (young.read_at, young.ack_channel) == (T1 - dt.timedelta(minutes=1), "app")


def test_duplicates_counted_once_and_resend_is_idempotent(world: World) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    token = acks.token_for(young)
    again = acks.token_for(young, now=T1)  # a second link for the same recipient
    out = acks.acknowledge_many_by_token(tokens=[token, token, again], channel="sms", now=T1)
    assert out == [Outcome("acknowledged", T1), Outcome("already", T1), Outcome("already", T1)]
    resent = acks.acknowledge_many_by_token(tokens=[token, again], channel="app", now=T2)
    assert resent == [Outcome("already", T1), Outcome("already", T1)]
    young.refresh_from_db()
    assert (young.acknowledged_at, young.ack_channel) == (T1, "sms")


def test_cancelled_alert_is_closed(world: World) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    services.cancel(actor=world.street, alert_id=alert.pk, note="误报")
    out = acks.acknowledge_many_by_token(tokens=[acks.token_for(young)], channel="sms", now=T1)
    assert out == [Outcome("closed")]
    young.refresh_from_db()
    assert young.acknowledged_at is None


@pytest.mark.parametrize(
    ("n", "channel", "field", "message"),
    [
        (0, "sms", "tokens", "Send at least one token."),
        (1001, "sms", "tokens", "At most 1000 tokens at once; 1001 were sent."),
        (1, "email", "channel", "Unknown channel email."),
    ],
)
def test_bad_batch_writes_nothing(
    world: World, n: int, channel: str, field: str, message: str
) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    tokens = [acks.token_for(young)] * n
    with pytest.raises(ValidationFailed) as err:
        acks.acknowledge_many_by_token(tokens=tokens, channel=channel, now=T1)
    assert (err.value.field, str(err.value.message)) == (field, message)
    assert not Recipient.objects.filter(alert=alert, acknowledged_at__isnull=False).exists()


def test_full_batch_of_1000(world: World) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    out = acks.acknowledge_many_by_token(
        tokens=[acks.token_for(young)] * 1000, channel="sms", now=T1
    )
    assert out[0] == Outcome("acknowledged", T1)
    assert set(out[1:]) == {Outcome("already", T1)} and len(out) == 1000


def test_only_a_global_gateway_may_send_batches(world: World) -> None:
    acks.check_gateway(gateway(world))
    for user in (world.street, world.secretary, world.worker11, world.resident):
        with pytest.raises(PermissionDeniedError):
            acks.check_gateway(user)
    street_admin = UserFactory(username="streetadm", full_name="街道管理员")
    bind(street_admin, world.tree.street, Role.ADMIN)  # not on a root of the tree
    with pytest.raises(PermissionDeniedError):
        acks.check_gateway(street_admin)


def post(client: Client, data: Any, **headers: Any) -> Any:
    return client.post(
        "/api/alerts/acks", data=json.dumps(data), content_type="application/json", **headers
    )


def test_api_with_bearer_token(world: World) -> None:
    alert = published(world)
    young, far = rec(alert, person=world.young), rec(alert, person=world.far)
    _row, raw = create_access_token(user=gateway(world), name="sms gateway")
    client = Client(enforce_csrf_checks=True)
    tokens = [acks.token_for(young), "bad", expired_token(far), acks.token_for(young)]
    response = post(
        client, {"tokens": tokens, "channel": "sms"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    young.refresh_from_db()
    at = young.acknowledged_at
    assert at is not None
    assert {k: data[k] for k in ("acknowledged", "already", "invalid", "expired", "closed")} == {
        "acknowledged": 1,
        "already": 1,
        "invalid": 1,
        "expired": 1,
        "closed": 0,
    }
    assert [(r["token_index"], r["outcome"]) for r in data["results"]] == [
        (0, "acknowledged"),
        (1, "invalid"),
        (2, "expired"),
        (3, "already"),
    ]
    # The JSON encoder writes milliseconds.
    millis = at.replace(microsecond=at.microsecond // 1000 * 1000)
    assert dt.datetime.fromisoformat(data["results"][0]["acknowledged_at"]) == millis
    assert data["results"][1]["acknowledged_at"] is None


def test_api_refusals(world: World) -> None:
    alert = published(world)
    young = rec(alert, person=world.young)
    token = acks.token_for(young)
    staff = Client()
    staff.force_login(world.street)
    refused = post(staff, {"tokens": [token], "channel": "sms"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You may not send acknowledgements in bulk."
    assert post(Client(), {"tokens": [token], "channel": "sms"}).status_code == 401
    gw = Client()
    gw.force_login(gateway(world))
    empty = post(gw, {"tokens": [], "channel": "app"})
    assert empty.status_code == 422
    assert "Send at least one token." in json.dumps(empty.json(), ensure_ascii=False)
    huge = post(gw, {"tokens": [token] * 1001, "channel": "app"})
    assert huge.status_code == 422
    assert "At most 1000 tokens at once" in json.dumps(huge.json(), ensure_ascii=False)
    assert post(gw, {"tokens": [token], "channel": "fax"}).status_code == 422
    young.refresh_from_db()
    assert young.acknowledged_at is None


def test_in_openapi(world: World) -> None:
    client = Client()
    client.force_login(world.street)
    schema = client.get("/api/openapi.json").json()
    assert "post" in schema["paths"]["/api/alerts/acks"]
