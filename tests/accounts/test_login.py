"""Login, logout and lockout through the real pages (axes needs the request)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import SecurityEvent
from resigrid.accounts.templatetags.accounts_tags import minutes
from tests.accounts.conftest import T0, events, post_login, template_names

TOKENS_URL = "/accounts/tokens/"


def test_login_page_renders_a_form(anon, db):
    response = anon.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/login.html"
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b'class="form-control"' in response.content


def test_login_success_records_one_login_event(anon, resident):
    response = post_login(anon, "resident")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert events() == [("login", "resident")]
    event = SecurityEvent.objects.get()
    assert event.user == resident
    assert event.ip_address == "127.0.0.1"
    assert event.path == "/accounts/login/"
    assert anon.get(TOKENS_URL).status_code == 200


def test_wrong_password_shows_error_and_records_failure(anon, resident):
    response = post_login(anon, "resident", "wrong-password")
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [e.code for e in errors] == ["invalid_login"]
    assert b"alert-danger" in response.content
    assert events() == [("login_failed", "resident")]
    assert SecurityEvent.objects.get().user is None
    assert anon.get(TOKENS_URL).status_code == 302


def test_unknown_user_failure_is_recorded_with_the_name_tried(anon, db):
    post_login(anon, "nobody", "whatever")
    assert events() == [("login_failed", "nobody")]


def test_inactive_user_cannot_log_in(anon, resident):
    resident.is_active = False
    resident.save()
    response = post_login(anon, "resident")
    assert response.status_code == 200
    assert events() == [("login_failed", "resident")]


def test_next_is_followed_on_the_same_host(anon, resident):
    response = post_login(anon, "resident", next="/accounts/tokens/?x=1")
    assert response["Location"] == "/accounts/tokens/?x=1"


def test_next_to_another_host_is_ignored(anon, resident):
    for target in ("https://evil.example/", "//evil.example/x", "https:/evil.example"):
        anon.logout()
        response = post_login(anon, "resident", next=target)
        assert response.status_code == 302
        assert response["Location"] == reverse("web:home"), target


def test_login_page_keeps_a_safe_next_and_drops_an_unsafe_one(anon, db):
    safe = anon.get(reverse("accounts:login"), {"next": "/accounts/tokens/"})
    assert b'name="next" value="/accounts/tokens/"' in safe.content
    unsafe = anon.get(reverse("accounts:login"), {"next": "https://evil.example/"})
    assert unsafe.context["next"] == ""
    assert b'name="next" value="https:' not in unsafe.content


def test_logged_in_user_visiting_login_is_redirected(anon, resident):
    post_login(anon, "resident")
    response = anon.get(reverse("accounts:login"))
    assert response.status_code == 302


def test_logout_by_get_is_not_allowed(anon, resident):
    post_login(anon, "resident")
    response = anon.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert anon.get(TOKENS_URL).status_code == 200
    assert events() == [("login", "resident")]


def test_logout_by_post_ends_the_session_and_is_recorded(anon, resident):
    post_login(anon, "resident")
    response = anon.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert anon.get(TOKENS_URL).status_code == 302
    assert events() == [("login", "resident"), ("logout", "resident")]


def test_lockout_after_the_failure_limit(anon, resident):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert post_login(anon, "resident", "wrong").status_code == 200
    # The limit-th failure locks the account and answers the lockout page.
    locked = post_login(anon, "resident", "wrong")
    assert locked.status_code == 429
    assert "accounts/locked_out.html" in template_names(locked)
    # The next attempt, even with the right password, is refused.
    refused = post_login(anon, "resident")
    assert refused.status_code == 429
    assert anon.get(TOKENS_URL).status_code == 302
    assert events(kind="login") == []
    assert events(kind="login_failed") == [("login_failed", "resident")] * (limit + 1)
    assert events(kind="locked_out") == [("locked_out", "resident")] * 2
    # The cool-off is fixed (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False): trying
    # during the lockout neither counts nor extends it, so "try again in N minutes" stays true.
    assert AccessAttempt.objects.get().failures_since_start == limit


def test_lockout_page_says_how_long(anon, resident):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = post_login(anon, "resident", "wrong")
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    assert response.context["cooloff_timedelta"] == cooloff
    assert f"{minutes(cooloff)}".encode() in response.content
    assert minutes(cooloff) == round(settings.AXES_COOLOFF_TIME * 60)


def test_minutes_filter_rounds_up():
    assert minutes(timedelta(seconds=90)) == 2
    assert minutes(timedelta(minutes=30)) == 30
    assert minutes(None) == 0


def test_lockout_is_per_username_and_address(anon, resident, grid_worker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(anon, "resident", "wrong")
    assert post_login(Client(), "gridworker").status_code == 302
    assert post_login(Client(), "resident", remote_addr="10.0.0.9").status_code == 302
    assert post_login(Client(), "resident").status_code == 429


def test_lockout_ends_after_the_cooloff(anon, resident):
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            post_login(anon, "resident", "wrong")
        assert post_login(anon, "resident").status_code == 429
        traveller.shift(timedelta(hours=settings.AXES_COOLOFF_TIME, seconds=1))
        response = post_login(anon, "resident")
    assert response.status_code == 302
    assert events(kind="login") == [("login", "resident")]


def test_success_resets_the_failure_count(anon, resident):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        post_login(anon, "resident", "wrong")
    assert post_login(anon, "resident").status_code == 302
    anon.post(reverse("accounts:logout"))
    for _ in range(limit - 1):
        assert post_login(anon, "resident", "wrong").status_code == 200
    assert post_login(anon, "resident").status_code == 302
