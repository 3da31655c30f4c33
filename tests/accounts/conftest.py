"""Helpers for the accounts tests: real logins through the login page (so axes sees them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import SecurityEvent, User
from tests.factories import TEST_PASSWORD, UserFactory

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


def post_login(
    client: Client,
    username: str,
    password: str = TEST_PASSWORD,
    *,
    next: str | None = None,
    remote_addr: str = "127.0.0.1",
) -> Any:
    """POST the login form from `remote_addr`."""
    data = {"username": username, "password": password}
    if next is not None:
        data["next"] = next
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR=remote_addr)


def template_names(response: Any) -> list[str]:
    return [t.name for t in response.templates if t.name]


def events(**filters: object) -> list[tuple[str, str]]:
    """(kind, username) of the security events, oldest first."""
    return list(
        SecurityEvent.objects.filter(**filters).order_by("at", "id").values_list("kind", "username")
    )


@pytest.fixture
def anon() -> Client:
    return Client()


def make_user(**fields: Any) -> User:
    """UserFactory, typed (factory_boy is untyped)."""
    return cast(User, UserFactory(**fields))
