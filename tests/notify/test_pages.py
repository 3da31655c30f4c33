"""Inbox pages: the list (newest first, unread highlighted, paginated), opening a message marks it
read and follows its link, someone else's message is a 404 and stays unread, mark all read; the
unread count for the navbar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from resigrid.accounts.models import User
from resigrid.core.errors import NotFoundError
from resigrid.notify.context_processors import unread
from resigrid.notify.models import Delivery
from resigrid.notify.services import enqueue, mark_all_read, mark_read

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def inbox_row(user: User, subject: str) -> Delivery:
    return Delivery.objects.get(channel="inbox", user=user, message__subject=subject)


@pytest.fixture
def three(alice: User, bob: User) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        enqueue(topic="t", subject="第一条", body="旧消息", url="/cases/1/", users=[alice])
        clock.shift(60)
        enqueue(topic="t", subject="第二条", url="https://evil.example/", users=[alice, bob])
        clock.shift(60)
        enqueue(topic="t", subject="第三条", users=[alice])


def test_list_newest_first_unread_highlighted(three: None, alice: User, client_for: Any) -> None:
    Delivery.objects.filter(pk=inbox_row(alice, "第二条").pk).update(read_at=T0)
    html = client_for(alice).get("/notify/").content.decode()
    ids = [inbox_row(alice, s).pk for s in ("第三条", "第二条", "第一条")]
    positions = [html.index(f'data-delivery="{pk}"') for pk in ids]
    assert positions == sorted(positions)
    for pk, flag in zip(ids, ("1", "0", "1"), strict=True):
        assert f'data-delivery="{pk}" data-unread="{flag}"' in html
    assert 'id="inbox-unread">2 unread<' in html
    assert 'id="read-all-form"' in html
    assert "旧消息" in html


def test_paginated(alice: User, client_for: Any) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        for i in range(25):
            enqueue(topic="t", subject=f"消息{i:02d}", users=[alice])
            clock.shift(1)
    client = client_for(alice)
    first = client.get("/notify/").content.decode()
    second = client.get("/notify/?page=2").content.decode()
    assert first.count("data-unread=") == 20 and second.count("data-unread=") == 5
    assert "消息24" in first and "消息05" in first and "消息04" not in first
    assert "消息04" in second and "消息00" in second
    assert "1 / 2" in first


def test_empty_inbox(bob: User, client_for: Any) -> None:
    html = client_for(bob).get("/notify/").content.decode()
    assert 'id="inbox-empty"' in html and 'id="read-all-form"' not in html


def test_open_marks_read_and_follows_a_site_link(three: None, alice: User, client_for: Any) -> None:
    row = inbox_row(alice, "第一条")
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        r = client_for(alice).post(f"/notify/{row.pk}/open/")
    assert (r.status_code, r["Location"]) == (302, "/cases/1/")
    row.refresh_from_db()
    assert row.read_at == T0 + dt.timedelta(hours=1)
    # Opening again keeps the first reading time.
    client_for(alice).post(f"/notify/{row.pk}/open/")
    row.refresh_from_db()
    assert row.read_at == T0 + dt.timedelta(hours=1)


def test_open_with_an_unsafe_or_no_link_shows_the_message(
    three: None, alice: User, client_for: Any
) -> None:
    client = client_for(alice)
    for subject in ("第二条", "第三条"):
        row = inbox_row(alice, subject)
        r = client.post(f"/notify/{row.pk}/open/")
        assert (r.status_code, r["Location"]) == (302, f"/notify/{row.pk}/")
        html = client.get(r["Location"]).content.decode()
        assert subject in html and 'id="message-link"' not in html
        assert "evil.example" not in html
    assert Delivery.objects.filter(user=alice, channel="inbox", read_at__isnull=True).count() == 1


def test_message_page_with_link(three: None, alice: User, client_for: Any) -> None:
    row = inbox_row(alice, "第一条")
    html = client_for(alice).get(f"/notify/{row.pk}/").content.decode()
    assert 'id="message-link"' in html and 'href="/cases/1/"' in html


def test_someone_elses_message_is_404_and_stays_unread(
    three: None, alice: User, bob: User, client_for: Any
) -> None:
    theirs = inbox_row(alice, "第一条")
    email_of_alice = Delivery.objects.get(channel="email", user=alice, message=theirs.message)
    client = client_for(bob)
    assert client.post(f"/notify/{theirs.pk}/open/").status_code == 404
    assert client.get(f"/notify/{theirs.pk}/").status_code == 404
    assert client.post(f"/notify/{email_of_alice.pk}/open/").status_code == 404
    assert client.post("/notify/999999/open/").status_code == 404
    assert Delivery.objects.filter(read_at__isnull=False).count() == 0
    with pytest.raises(NotFoundError):
        mark_read(user=bob, delivery_id=theirs.pk)
    assert Delivery.objects.filter(read_at__isnull=False).count() == 0


def test_open_is_post_only_and_needs_login(three: None, alice: User, client: Any) -> None:
    row = inbox_row(alice, "第一条")
    r = client.get("/notify/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert client.post(f"/notify/{row.pk}/open/").status_code == 302
    client.force_login(alice)
    assert client.get(f"/notify/{row.pk}/open/").status_code == 405
    assert client.get("/notify/read-all/").status_code == 405
    assert Delivery.objects.filter(read_at__isnull=False).count() == 0


def test_mark_all_read_only_touches_own_rows(
    three: None, alice: User, bob: User, client_for: Any
) -> None:
    r = client_for(alice).post("/notify/read-all/", follow=True)
    assert r.redirect_chain == [("/notify/", 302)]
    assert "3 messages marked read." in r.content.decode()
    assert Delivery.objects.filter(user=alice, channel="inbox", read_at__isnull=True).count() == 0
    assert Delivery.objects.filter(user=bob, channel="inbox", read_at__isnull=True).count() == 1
    assert mark_all_read(user=alice) == 0


def test_unread_count_context_processor(
    three: None, alice: User, bob: User, django_assert_num_queries: Any
) -> None:
    factory = RequestFactory()
    request = factory.get("/")
    request.user = alice
    context = unread(request)
    with django_assert_num_queries(1):
        assert context["notify_unread"] == 3
    mark_read(user=alice, delivery_id=inbox_row(alice, "第三条").pk)
    request.user = bob
    with django_assert_num_queries(1):
        assert unread(request)["notify_unread"] == 1
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request)["notify_unread"] == 0
        assert unread(factory.get("/"))["notify_unread"] == 0  # no user at all


def test_unread_badge_snippet_renders(three: None, alice: User) -> None:
    """The navbar snippet given to the lead works with the lazy count."""
    snippet = Template(
        "{% if notify_unread %}<span>{% if notify_unread > 99 %}99+"
        "{% else %}{{ notify_unread }}{% endif %}</span>{% endif %}"
    )
    request = RequestFactory().get("/")
    request.user = alice
    assert snippet.render(Context(unread(request))) == "<span>3</span>"
    Delivery.objects.update(read_at=T0)
    assert snippet.render(Context(unread(request))) == ""
    message = inbox_row(alice, "第一条").message
    Delivery.objects.bulk_create(
        Delivery(message=message, channel="inbox", user=alice, status="sent", next_attempt_at=T0)
        for _ in range(100)
    )
    assert snippet.render(Context(unread(request))) == "<span>99+</span>"
