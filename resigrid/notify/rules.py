"""Pure rules of the outbox: retry timing and which links may be followed. No database."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def backoff_seconds(attempts: int, *, base: int, cap: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts − 1), at most
    `cap` (the first retry waits `base`)."""
    if attempts < 1:
        return 0
    # Cap the exponent first, so a large attempt count never builds a huge integer.
    exponent = min(attempts - 1, 32)
    return min(base * (1 << exponent), cap)


def is_dead(attempts: int, *, max_attempts: int, permanent: bool) -> bool:
    """A failure is final when the channel says so or the attempts are used up."""
    return permanent or attempts >= max_attempts


def safe_relative_url(url: str) -> str:
    """`url` if it is a path on this site (`/cases/42/`), else "" — never another host, a
    scheme-relative `//host`, or a `javascript:` link."""
    url = url.strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return ""
    return url


def absolute_url(site_url: str, url: str) -> str:
    """The link for a message read outside the site (email): SITE_URL + a safe path, or ""."""
    path = safe_relative_url(url)
    return f"{site_url.rstrip('/')}{path}" if path else ""
