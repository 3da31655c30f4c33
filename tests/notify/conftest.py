"""Notify fixtures: the SMTP server (tests/notify/smtp.py), outbox settings, a mail recipient."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.accounts.models import User
from tests.factories import UserFactory
from tests.notify.fakehttp import fake_http, sms_gateway
from tests.notify.smtp import smtp_down, smtp_server

__all__ = ["fake_http", "sms_gateway", "smtp_down", "smtp_server"]


@pytest.fixture(autouse=True)
def outbox_settings(settings: Any) -> None:
    """Fixed figures, whatever the environment says: lease 60 s, backoff 30 s doubling up to
    an hour, 3 attempts."""
    settings.NOTIFY_LEASE_SECONDS = 60
    settings.NOTIFY_BACKOFF_SECONDS = 30
    settings.NOTIFY_BACKOFF_MAX_SECONDS = 3600
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_ROBOT_RATE_LIMIT = 20
    settings.NOTIFY_ROBOT_RATE_WINDOW_SECONDS = 60
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "sms"]
    for name in ("NOTIFY_SMS_URL", "NOTIFY_SMS_STATUS_URL", "NOTIFY_SMS_KEY"):
        setattr(settings, name, "")


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(username="alice", full_name="张三", email="alice@example.org")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory(username="bob", full_name="李四", email="")
