"""The API docs page works offline."""

from __future__ import annotations

from typing import Any


def test_api_docs_load_swagger_ui_from_our_static_files(client: Any, db: None) -> None:
    # No internet in many deployments: the docs page must not depend on a CDN.
    from resigrid.accounts.models import User

    client.force_login(User.objects.create_user(username="reader", password="x-Resigrid-2026"))
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html
