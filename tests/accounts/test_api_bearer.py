"""A real API client posts with a Bearer token and no CSRF cookie: the token must be checked
before the session (whose CSRF check would refuse the request)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from resigrid.accounts.services import create_access_token
from tests.factories import Tree

pytestmark = pytest.mark.django_db


def test_bearer_post_is_not_refused_by_csrf(tree: Tree, community_admin) -> None:
    _row, raw = create_access_token(user=community_admin, name="app")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/people/households",
        data=json.dumps(
            {"grid_code": tree.grid11.code, "building_id": tree.building11.pk, "room": "101"}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content


def test_session_post_without_csrf_is_refused(tree: Tree, community_admin) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(community_admin)
    response = client.post(
        "/api/people/households",
        data=json.dumps(
            {"grid_code": tree.grid11.code, "building_id": tree.building11.pk, "room": "102"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 403
