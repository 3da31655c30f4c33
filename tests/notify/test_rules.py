"""Pure rules: backoff, when to give up, which links may be followed."""

from __future__ import annotations

import pytest

from resigrid.notify.rules import absolute_url, backoff_seconds, is_dead, safe_relative_url


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
