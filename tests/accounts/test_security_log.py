"""The security-log page: who may see it, filters, paging; denials are themselves logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import SecurityEvent
from resigrid.accounts.permissions import can_manage_users, can_view_security_log
from resigrid.accounts.roles import Role
from resigrid.accounts.services import record_security_event
from tests.accounts.conftest import T0, events, make_user
from tests.factories import bind

LOG_URL = "/accounts/security-log/"


@pytest.fixture
def district_admin(tree):
    user = make_user(username="districtadmin", full_name="区管理员")
    bind(user, tree.district, Role.ADMIN)
    return user


@pytest.fixture
def community_sysadmin(tree):
    user = make_user(username="communityadmin")
    bind(user, tree.community1, Role.ADMIN)
    return user


def test_url_name():
    assert reverse("accounts:security_log") == LOG_URL


def test_permissions(district_admin, community_sysadmin, community_admin, resident, db):
    superuser = make_user(username="root", is_superuser=True, is_staff=True)
    assert can_view_security_log(superuser)
    assert can_view_security_log(district_admin)
    assert can_manage_users(district_admin)
    # An administrator below the district level sees neither (documented decision).
    assert not can_view_security_log(community_sysadmin)
    assert not can_manage_users(community_sysadmin)
    assert not can_view_security_log(community_admin)
    assert not can_view_security_log(resident)
    district_admin.is_active = False
    assert not can_view_security_log(district_admin)


def test_district_admin_sees_the_log(client_for, district_admin):
    client = client_for(district_admin)  # a `login` event of its own
    record_security_event(kind="login", username="someone")
    response = client.get(LOG_URL)
    assert response.status_code == 200
    assert [e.username for e in response.context["page"]] == ["someone", "districtadmin"]


@pytest.mark.parametrize("persona", ["resident", "community_admin", "community_sysadmin"])
def test_others_get_403_and_the_denial_is_logged(client_for, request, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(LOG_URL)
    assert response.status_code == 403
    assert events() == [("login", user.username), ("permission_denied", user.username)]
    event = SecurityEvent.objects.get(kind="permission_denied")
    assert (event.kind, event.user, event.path) == ("permission_denied", user, LOG_URL)
    assert event.detail == {"message": "You may not view the security log.", "method": "GET"}


def test_anonymous_is_sent_to_login_and_nothing_logged(db):
    response = Client().get(LOG_URL)
    assert response.status_code == 302
    assert SecurityEvent.objects.count() == 0


def test_filters_by_kind_user_and_date(client_for, district_admin, resident):
    client = client_for(district_admin)
    SecurityEvent.objects.all().delete()  # the fixture's own login
    with time_machine.travel(T0, tick=False) as traveller:
        record_security_event(kind="login", user=resident)
        record_security_event(kind="login_failed", username="resident")
        traveller.shift(timedelta(days=2))
        record_security_event(kind="login", user=resident)
        record_security_event(kind="logout", username="other")

    def rows(**query: str) -> list[tuple[str, str]]:
        response = client.get(LOG_URL, query)
        assert response.status_code == 200
        return [(e.kind, e.username) for e in response.context["page"]]

    assert rows(kind="login") == [("login", "resident"), ("login", "resident")]
    assert rows(user="OTHER") == [("logout", "other")]
    # T0 is 2026-03-02 09:00 in Asia/Shanghai.
    assert rows(date_from="2026-03-02", date_to="2026-03-02") == [
        ("login_failed", "resident"),
        ("login", "resident"),
    ]
    assert rows(date_from="2026-03-04", kind="login") == [("login", "resident")]


def test_bad_filter_shows_errors_and_no_rows(client_for, district_admin):
    record_security_event(kind="login", username="x")
    response = client_for(district_admin).get(
        LOG_URL, {"date_from": "2026-03-05", "date_to": "2026-03-01", "kind": "nope"}
    )
    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["date_to", "kind"]
    assert list(response.context["page"]) == []


def test_paginated_by_50_keeping_the_filter(client_for, district_admin):
    for i in range(60):
        record_security_event(kind="login_failed", username=f"u{i}")
    client = client_for(district_admin)
    first = client.get(LOG_URL, {"kind": "login_failed"})
    assert len(first.context["page"]) == 50
    assert first.context["page"].paginator.count == 60
    assert b"kind=login_failed&amp;page=2" in first.content
    second = client.get(LOG_URL, {"kind": "login_failed", "page": "2"})
    assert len(second.context["page"]) == 10


def test_api_permission_denied_is_logged(client_for, resident, settings):
    """PermissionDeniedError from any API endpoint answers 403 and writes an event."""
    from ninja import NinjaAPI

    from resigrid.accounts.api_errors import install_error_handlers
    from resigrid.core.errors import PermissionDeniedError

    api = NinjaAPI(urls_namespace="denytest")
    install_error_handlers(api)
    request = Client().get("/").wsgi_request
    request.user = resident
    response = api.on_exception(request, PermissionDeniedError("no"))
    assert response.status_code == 403
    assert events() == [("permission_denied", "resident")]
