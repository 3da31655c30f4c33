"""Receiving-side alert pages: my alerts (opening marks read, one button acknowledges), the
banner on every page, the signed-link page without login (GET writes nothing), and a level's
relay page (acknowledge, forward with a local addition, report back on a directive)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.alerts import acks, rules, services
from resigrid.alerts.models import AlertLog, Recipient, Relay
from resigrid.alerts.reads_pages import banner
from tests.alerts.conftest import World
from tests.alerts.test_distribution import published

pytestmark = pytest.mark.django_db


# --- my alerts and the one-click acknowledgement ---


def test_mine_open_marks_read_and_one_button_acknowledges(client_for: Any, world: World) -> None:
    alert = published(world)
    client = client_for(world.resident)
    page = client.get(reverse("alerts:mine"))
    assert [r.alert_id for r in page.context["receipts"]] == [alert.pk]
    html = page.content.decode()
    assert f'data-receipt="{alert.pk}" data-read="0" data-acknowledged="0"' in html
    rec = Recipient.objects.get(alert=alert, user=world.resident)
    assert rec.read_at is None

    opened = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert opened.status_code == 200
    assert 'id="ack-button"' in opened.content.decode()
    rec.refresh_from_db()
    assert (rec.read_at is not None, rec.acknowledged_at) == (True, None)

    done = client.post(reverse("alerts:acknowledge", args=[alert.pk]), {"next": "/alerts/mine/"})
    assert (done.status_code, done["Location"]) == (302, "/alerts/mine/")
    rec.refresh_from_db()
    assert (rec.acknowledged_at is not None, rec.ack_channel) == (True, "app")
    html = client.get(reverse("alerts:mine")).content.decode()
    assert f'data-receipt="{alert.pk}" data-read="1" data-acknowledged="1"' in html
    assert f'data-ack="{alert.pk}"' not in html


def test_acknowledge_by_someone_who_did_not_receive_it(
    client_for: Any, world: World, outsider: User
) -> None:
    alert = published(world)
    assert (
        client_for(world.street).post(reverse("alerts:acknowledge", args=[alert.pk])).status_code
        == 404
    )  # in scope, but not a recipient
    assert (
        client_for(outsider).post(reverse("alerts:acknowledge", args=[alert.pk])).status_code == 404
    )
    assert Recipient.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_acknowledge_a_cancelled_alert_is_refused_with_a_message(
    client_for: Any, world: World
) -> None:
    alert = published(world)
    services.cancel(actor=world.street, alert_id=alert.pk, note="解除")
    response = client_for(world.resident).post(
        reverse("alerts:acknowledge", args=[alert.pk]), follow=True
    )
    assert "This alert can no longer be acknowledged." in response.content.decode()
    assert Recipient.objects.get(alert=alert, user=world.resident).acknowledged_at is None


def test_next_must_stay_on_the_site(client_for: Any, world: World) -> None:
    alert = published(world)
    response = client_for(world.resident).post(
        reverse("alerts:acknowledge", args=[alert.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("alerts:detail", args=[alert.pk])


# --- the banner ---


def test_banner_on_every_page_until_acknowledged(client_for: Any, world: World) -> None:
    alert = published(world)
    client = client_for(world.resident)
    for url in (reverse("web:home"), reverse("cases:mine"), reverse("alerts:mine")):
        html = client.get(url).content.decode()
        assert f'data-banner="{alert.pk}"' in html, url
        assert "暴雨红色预警" in html
        assert "level-red" in html
    response = client.post(
        reverse("alerts:acknowledge", args=[alert.pk]), {"next": reverse("web:home")}
    )
    assert response["Location"] == reverse("web:home")
    assert 'id="alert-banner"' not in client.get(reverse("web:home")).content.decode()


def test_banner_only_for_published_alerts_addressed_to_the_user(
    client_for: Any, world: World
) -> None:
    alert = published(world)
    # The street issued it but did not receive it: no banner.
    assert 'id="alert-banner"' not in client_for(world.street).get("/").content.decode()
    services.cancel(actor=world.street, alert_id=alert.pk, note="解除")
    assert 'id="alert-banner"' not in client_for(world.resident).get("/").content.decode()


def test_banner_is_one_query_and_none_for_anonymous(
    world: World, django_assert_num_queries: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    first = published(world, headline="第一")
    second = published(world, headline="第二", level="yellow")
    with django_assert_num_queries(1):
        rows = banner(world.resident)
    assert [(r.alert_id, r.headline, r.level) for r in rows] == [
        (second.pk, "第二", "yellow"),
        (first.pk, "第一", "red"),
    ]
    with django_assert_num_queries(0):
        assert banner(AnonymousUser()) == []


def test_context_processor_is_lazy(world: World, django_assert_num_queries: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from resigrid.alerts.context_processors import unacknowledged

    alert = published(world)
    request = RequestFactory().get("/")
    request.user = world.resident
    with django_assert_num_queries(0):
        context = unacknowledged(request)
    with django_assert_num_queries(1):
        assert [r.alert_id for r in context["alert_banner"]] == [alert.pk]
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert not unacknowledged(request)["alert_banner"]
        assert not unacknowledged(RequestFactory().get("/"))["alert_banner"]  # no user at all


def test_no_banner_query_for_anonymous_pages(client: Client, world: World) -> None:
    published(world)
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'id="alert-banner"' not in html


# --- the signed link ---


def _token(world: World) -> tuple[Recipient, str]:
    alert = published(world)
    rec = Recipient.objects.get(alert=alert, person=world.young)
    return rec, acks.token_for(rec)


def test_signed_link_get_shows_post_acknowledges(client: Client, world: World) -> None:
    rec, token = _token(world)
    url = reverse("alerts:ack-token", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ack-button"' in html
    assert "预计未来3小时降雨量将达100毫米以上。" in html
    assert page["Cache-Control"].startswith("max-age=0")
    rec.refresh_from_db()
    assert (rec.read_at, rec.acknowledged_at) == (None, None)  # GET writes nothing
    response = client.post(url)
    assert (response.status_code, response["Location"]) == (302, url + "?done=1")
    rec.refresh_from_db()
    assert (rec.acknowledged_at is not None, rec.ack_channel) == (True, "link")
    done = client.get(url + "?done=1").content.decode()
    assert "Thank you: your receipt is confirmed." in done
    assert 'id="ack-button"' not in done
    at = rec.acknowledged_at
    assert at is not None
    # Again later: says when, keeps the first time.
    client.post(url)
    rec.refresh_from_db()
    assert rec.acknowledged_at == at
    assert "Receipt confirmed at" in client.get(url).content.decode()


def test_forged_and_expired_links_write_nothing(client: Client, world: World) -> None:
    rec, token = _token(world)
    other = Recipient.objects.get(alert=rec.alert, person=world.far)
    forged = token.replace(f"{rec.pk}.", f"{other.pk}.", 1)
    expired = rules.ack_token(
        key=acks.token_key(), recipient_id=rec.pk, expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    cases = [
        (forged, 404, "This acknowledgement link is not valid."),
        ("garbage", 404, "This acknowledgement link is not valid."),
        (expired, 400, "This acknowledgement link has expired."),
    ]
    for bad, status, message in cases:
        url = reverse("alerts:ack-token", args=[bad])
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == status, (bad, method)
            html = response.content.decode()
            assert message in html
            assert 'id="ack-button"' not in html
    assert Recipient.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_link_of_a_cancelled_alert(client: Client, world: World) -> None:
    rec, token = _token(world)
    services.cancel(actor=world.street, alert_id=rec.alert_id, note="解除")
    url = reverse("alerts:ack-token", args=[token])
    html = client.get(url).content.decode()
    assert 'id="ack-closed"' in html
    response = client.post(url)
    assert response.status_code == 409
    assert "This alert can no longer be acknowledged." in response.content.decode()
    rec.refresh_from_db()
    assert rec.acknowledged_at is None


# --- a level's relay ---


def _relay_alert(world: World, **extra: Any) -> Any:
    t = world.tree
    return published(world, cascade="relay", target_area_ids=[t.community1.pk], **extra)


def test_relay_page_acknowledge_and_forward(client_for: Any, world: World) -> None:
    alert = _relay_alert(world)
    t = world.tree
    relay = Relay.objects.get(alert=alert, area=t.community1)
    client = client_for(world.secretary)
    mine = client.get(reverse("alerts:mine"))
    assert [r.pk for r in mine.context["relays"]] == [relay.pk]
    page = client.get(reverse("alerts:relay", args=[relay.pk]))
    html = page.content.decode()
    assert alert.content_sha256 in html
    assert 'id="received-intact" data-intact="1"' in html
    assert "停止户外活动，低洼地区人员转移。" in html
    assert 'id="relay-ack"' in html and 'id="relay-forward"' in html

    client.post(reverse("alerts:relay-acknowledge", args=[relay.pk]))
    relay.refresh_from_db()
    assert relay.acknowledged_by == world.secretary

    too_long = client.post(
        reverse("alerts:relay-forward", args=[relay.pk]), {"local_addition": "长" * 2001}
    )
    assert too_long.status_code == 422
    assert too_long.context["forward_form"].errors == {
        "local_addition": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }
    assert Relay.objects.filter(alert=alert).count() == 1

    client.post(
        reverse("alerts:relay-forward", args=[relay.pk]), {"local_addition": "东门地势低，注意"}
    )
    relay.refresh_from_db()
    assert relay.forwarded_at is not None and relay.local_addition == "东门地势低，注意"
    below = Relay.objects.get(alert=alert, area=t.grid11)
    assert below.received_sha256 == alert.content_sha256
    again = client.post(reverse("alerts:relay-forward", args=[relay.pk]), follow=True)
    assert "This level has already forwarded the alert." in again.content.decode()

    # The grid worker sees the original and the community's addition, marked as such.
    grid = client_for(world.worker11).get(reverse("alerts:relay", args=[below.pk]))
    html = grid.content.decode()
    assert "Local addition by 东湖社区 (not part of the original)" in html
    assert "东门地势低，注意" in html
    assert grid.context["board_area"] == t.grid11


def test_relay_outside_scope_404_without_right_403(
    client_for: Any, world: World, outsider: User
) -> None:
    alert = published(world)
    t = world.tree
    grid11 = Relay.objects.get(alert=alert, area=t.grid11)
    west = Relay.objects.get(alert=alert, area=t.community2)
    assert client_for(outsider).get(reverse("alerts:relay", args=[grid11.pk])).status_code == 404
    assert (
        client_for(world.secretary).get(reverse("alerts:relay", args=[west.pk])).status_code == 404
    )
    assert (
        client_for(world.secretary)
        .post(reverse("alerts:relay-acknowledge", args=[west.pk]))
        .status_code
        == 404
    )
    # The resident sees grid 11 but does not relay for it.
    assert (
        client_for(world.resident).get(reverse("alerts:relay", args=[grid11.pk])).status_code == 403
    )
    assert (
        client_for(world.resident)
        .post(reverse("alerts:relay-acknowledge", args=[grid11.pk]))
        .status_code
        == 403
    )
    assert client_for(world.worker11).get(reverse("alerts:relay", args=[99999])).status_code == 404
    grid11.refresh_from_db()
    assert grid11.acknowledged_at is None
    # Direct distribution: nothing to forward.
    html = (
        client_for(world.secretary)
        .get(reverse("alerts:relay", args=[Relay.objects.get(alert=alert, area=t.community1).pk]))
        .content.decode()
    )
    assert 'id="direct-note"' in html and 'id="relay-forward"' not in html


def test_directive_report_back(client_for: Any, world: World) -> None:
    alert = _relay_alert(world, kind="directive", level="")
    relay = Relay.objects.get(alert=alert, area=world.tree.community1)
    client = client_for(world.secretary)
    assert (
        'id="relay-report"' in client.get(reverse("alerts:relay", args=[relay.pk])).content.decode()
    )
    empty = client.post(reverse("alerts:relay-report", args=[relay.pk]), {"report": " "})
    assert empty.status_code == 422
    assert empty.context["report_form"].errors == {"report": ["This field is required."]}
    relay.refresh_from_db()
    assert relay.reported_at is None
    client.post(reverse("alerts:relay-report", args=[relay.pk]), {"report": "已通知各楼栋长"})
    relay.refresh_from_db()
    assert (relay.report, relay.reported_at is not None) == ("已通知各楼栋长", True)
    assert AlertLog.objects.filter(alert=alert, action="report").count() == 1
    # The issuer sees who reported.
    page = client_for(world.street).get(reverse("alerts:detail", args=[alert.pk]))
    assert [(x.area_name, x.state) for x in page.context["reports"].levels] == [
        ("东湖社区", "reported")
    ]
    assert f'data-report="{world.tree.community1.pk}" data-report-state="reported"' in (
        page.content.decode()
    )


def test_a_warning_has_no_report_form(client_for: Any, world: World) -> None:
    alert = _relay_alert(world)
    relay = Relay.objects.get(alert=alert, area=world.tree.community1)
    client = client_for(world.secretary)
    assert (
        'id="relay-report"'
        not in client.get(reverse("alerts:relay", args=[relay.pk])).content.decode()
    )
    response = client.post(
        reverse("alerts:relay-report", args=[relay.pk]), {"report": "x"}, follow=True
    )
    assert "Only a directive asks for a report back." in response.content.decode()
    relay.refresh_from_db()
    assert relay.reported_at is None
