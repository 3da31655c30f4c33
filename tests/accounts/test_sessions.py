"""Idle timeout (sliding session) and absolute session lifetime, with a moving clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from resigrid.accounts.models import SecurityEvent
from tests.accounts.conftest import T0, events, post_login

TOKENS_URL = "/accounts/tokens/"


def idle() -> timedelta:
    return timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)


def test_activity_keeps_the_session_alive_past_the_idle_limit(anon, resident):
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        for _ in range(4):
            traveller.shift(idle() - timedelta(minutes=1))
            assert anon.get(TOKENS_URL).status_code == 200
    assert events() == [("login", "resident")]


def test_idle_session_expires_and_the_login_page_says_why(anon, resident):
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        assert anon.get(TOKENS_URL).status_code == 200
        traveller.shift(idle() + timedelta(seconds=1))
        response = anon.get(TOKENS_URL)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={TOKENS_URL}"
        page = anon.get(response["Location"])
        again = anon.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert str(page.context["session_notice"]) == (
        "Your session expired after a period of inactivity. Please log in again."
    )
    assert again.context["session_notice"] is None  # said once only


def test_just_inside_the_idle_limit_is_still_logged_in(anon, resident):
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        traveller.shift(idle() - timedelta(seconds=1))
        assert anon.get(TOKENS_URL).status_code == 200


@pytest.fixture
def short_absolute(settings):
    """A 2-hour absolute lifetime so that the test needs few requests to reach it."""
    settings.SESSION_ABSOLUTE_TIMEOUT = 2 * 3600
    return timedelta(hours=2)


def test_absolute_lifetime_logs_out_even_an_active_user(anon, resident, short_absolute):
    step = min(idle() - timedelta(minutes=1), timedelta(minutes=20))
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        elapsed = timedelta(0)
        while elapsed + step <= short_absolute:
            traveller.shift(step)
            elapsed += step
            assert anon.get(TOKENS_URL).status_code == 200, elapsed
        traveller.shift(short_absolute - elapsed + timedelta(seconds=1))
        response = anon.get(TOKENS_URL)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={TOKENS_URL}"
        page = anon.get(response["Location"])
        assert anon.get(TOKENS_URL).status_code == 302
    assert str(page.context["session_notice"]) == (
        "Your session reached its maximum length. Please log in again."
    )
    assert events() == [
        ("login", "resident"),
        ("logout", "resident"),
        ("session_expired", "resident"),
    ]
    expired = SecurityEvent.objects.get(kind="session_expired")
    assert expired.user == resident
    assert expired.detail == {"why": "absolute", "limit_seconds": 7200}
    assert expired.at == T0 + short_absolute + timedelta(seconds=1)


def test_absolute_lifetime_counts_from_login_not_from_first_page(anon, resident, short_absolute):
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        traveller.shift(timedelta(minutes=20))
        assert anon.get(TOKENS_URL).status_code == 200
        # A fresh login restarts the clock.
        anon.post(reverse("accounts:logout"))
        post_login(anon, "resident")
        for _ in range(6):
            traveller.shift(timedelta(minutes=20))
            assert anon.get(TOKENS_URL).status_code == 200
    assert events(kind="session_expired") == []


def test_absolute_expiry_on_the_api_answers_401_not_a_redirect(anon, resident, short_absolute):
    with time_machine.travel(T0, tick=False) as traveller:
        post_login(anon, "resident")
        for _ in range(6):
            traveller.shift(timedelta(minutes=20))
            assert anon.get("/api/accounts/me").status_code == 200
        traveller.shift(timedelta(minutes=1))
        response = anon.get("/api/accounts/me")
    assert response.status_code == 401
    assert events(kind="session_expired") == [("session_expired", "resident")]
