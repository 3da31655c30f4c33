"""Chinese is the product's default language; English is one switch away."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse


@pytest.fixture
def chinese_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # the product default; the suite runs in English


def test_login_page_is_chinese_by_default(client: Any, chinese_default: None, db: None) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "用户名" in html
    assert "密码" in html


def test_api_errors_follow_accept_language(
    client_for: Any, community_admin: Any, chinese_default: None
) -> None:
    client = client_for(community_admin)
    zh = client.get("/api/areas/locate", {"lon": "200", "lat": "30"})
    en = client.get("/api/areas/locate", {"lon": "200", "lat": "30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 422
    assert en.json()["detail"][0]["msg"] == "The longitude must be between −180 and 180."
    assert zh.json()["detail"][0]["msg"] == "经度必须在−180到180之间。"


def test_chinese_plurals_use_the_single_form() -> None:
    # The catalogue's Plural-Forms header (nplurals=1) is what makes n = 2 pick msgstr[0]; a
    # catalogue merged without it falls back to English for every count but one.
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.ngettext("%(n)s commitment", "%(n)s commitments", 2) % {"n": 2} == (
            "2项资源"
        )
