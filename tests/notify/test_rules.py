"""Pure rules: backoff, when to give up, which links may be followed."""

from __future__ import annotations

import pytest

from resigrid.notify.rules import (
    absolute_url,
    backoff_seconds,
    clean_order,
    client_ref,
    delivery_id_from_ref,
    dingtalk_sign,
    is_dead,
    next_channel,
    receipt_signature,
    receipt_signature_ok,
    robot_text,
    safe_relative_url,
    truncate_utf8,
)


def test_backoff_doubles_from_base_and_is_capped() -> None:
    assert [backoff_seconds(n, base=30, cap=3600) for n in range(0, 10)] == [
        0,
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert backoff_seconds(10_000, base=30, cap=3600) == 3600


def test_dead_when_permanent_or_attempts_used_up() -> None:
    assert [is_dead(n, max_attempts=3, permanent=False) for n in (1, 2, 3, 4)] == [
        False,
        False,
        True,
        True,
    ]
    assert is_dead(1, max_attempts=3, permanent=True) is True


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("/cases/42/", "/cases/42/"),
        ("  /notify/?page=2 ", "/notify/?page=2"),
        ("", ""),
        ("cases/42/", ""),
        ("//evil.example/x", ""),
        ("/\\evil.example/x", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("/\x00evil", ""),
    ],
)
def test_safe_relative_url(url: str, safe: str) -> None:
    assert safe_relative_url(url) == safe


def test_absolute_url() -> None:
    assert absolute_url("https://grid.example.org/", "/cases/7/") == (
        "https://grid.example.org/cases/7/"
    )
    assert absolute_url("https://grid.example.org", "//evil.example/") == ""


def test_dingtalk_sign_matches_the_documented_recipe() -> None:
    import base64
    import hashlib
    import hmac

    secret, stamp = "SECabc", 1793606400000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert dingtalk_sign(secret, stamp) == expected
    assert dingtalk_sign(secret, stamp + 1) != expected


def test_truncate_utf8_never_splits_a_character() -> None:
    assert truncate_utf8("abc", 3) == "abc"
    assert truncate_utf8("预警预警", 9) == "预警…"  # 3 bytes each; "…" is 3 bytes
    assert truncate_utf8("预警预警", 8) == "预…"
    assert len(truncate_utf8("雨" * 1000, 2048).encode()) <= 2048


def test_robot_text_keeps_the_link_whole() -> None:
    link = "https://grid.example.org/alerts/1/"
    text = robot_text("标题", "正" * 2000, link, markdown=False, max_bytes=200)
    assert text.startswith("标题\n\n正") and text.endswith(f"…\n\n{link}")
    assert len(text.encode()) <= 200
    assert robot_text("标题", " ", "", markdown=True, max_bytes=100) == "**标题**"


def test_next_channel_and_clean_order() -> None:
    assert next_channel(["email", "sms"], {"inbox"}, {"email", "sms"}) == "email"
    assert next_channel(["email", "sms"], {"inbox", "email"}, {"email", "sms"}) == "sms"
    assert next_channel(["email", "sms"], {"email"}, {"email"}) is None
    assert clean_order(["sms", "fax", "sms", "email"], ("email", "sms")) == ["sms", "email"]


def test_client_ref_round_trip() -> None:
    import datetime as dt

    at = dt.datetime(2026, 11, 2, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert client_ref(42, at) == "42-20261102080000"
    assert delivery_id_from_ref("42-20261102080000") == 42
    for bad in ("42", "x-20261102080000", "42-2026", "-20261102080000", ""):
        assert delivery_id_from_ref(bad) is None


def test_receipt_signature_checks_secret_body_and_age() -> None:
    body = b'{"message_id":"m1"}'
    sig = "sha256=" + receipt_signature("s3cret", "1000", body)
    assert receipt_signature_ok("s3cret", "1000", sig, body, now=1100, skew=300)
    assert not receipt_signature_ok("s3cret", "1000", sig, body + b" ", now=1100, skew=300)
    assert not receipt_signature_ok("other", "1000", sig, body, now=1100, skew=300)
    assert not receipt_signature_ok("s3cret", "1000", sig, body, now=1301, skew=300)
    assert not receipt_signature_ok("", "1000", sig, body, now=1100, skew=300)
    assert not receipt_signature_ok("s3cret", "abc", sig, body, now=1100, skew=300)
