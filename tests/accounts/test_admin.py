"""Admin: users with role bindings, tokens read-only, security events fully protected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from resigrid.accounts.models import AccessToken, SecurityEvent
from resigrid.accounts.services import create_access_token, record_security_event
from tests.accounts.conftest import make_user


@pytest.fixture
def admin_client(client_for, db):
    return client_for(make_user(username="root", is_superuser=True, is_staff=True))


def test_user_admin_pages_render(admin_client, resident):
    assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    change = admin_client.get(reverse("admin:accounts_user_change", args=[resident.pk]))
    assert change.status_code == 200
    assert b"role_bindings-TOTAL_FORMS" in change.content
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_rolebinding_changelist")).status_code == 200


def test_security_events_cannot_be_added_changed_or_deleted(admin_client):
    event = record_security_event(kind="login", username="x")
    assert admin_client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_securityevent_add")).status_code == 403
    view = admin_client.get(reverse("admin:accounts_securityevent_change", args=[event.pk]))
    assert view.status_code == 200
    assert b'name="_save"' not in view.content
    post = admin_client.post(
        reverse("admin:accounts_securityevent_change", args=[event.pk]), {"username": "y"}
    )
    assert post.status_code == 403
    delete = admin_client.post(
        reverse("admin:accounts_securityevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.username == "x"
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_tokens_cannot_be_added_and_can_be_revoked(admin_client, resident):
    token, _ = create_access_token(user=resident, name="ci", days=30)
    assert admin_client.get(reverse("admin:accounts_accesstoken_add")).status_code == 403
    view = admin_client.get(reverse("admin:accounts_accesstoken_change", args=[token.pk]))
    assert view.status_code == 200
    response = admin_client.post(
        reverse("admin:accounts_accesstoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AccessToken.objects.count() == 1
