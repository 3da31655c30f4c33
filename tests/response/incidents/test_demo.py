"""The demo path: a community secretary gets the button on the street's alert and opens the
incident for their community; the scripted command opens and activates the flood incident."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.alerts.models import Alert, Relay
from resigrid.response.incidents.models import Incident
from resigrid.web.demo import response_incidents
from tests.response.incidents.conftest import World, published_alert

pytestmark = pytest.mark.django_db


def test_secretary_opens_for_their_community_from_the_street_alert(
    world: World, client_for: Any
) -> None:
    alert = published_alert(world.tree)
    Relay.objects.create(
        alert=alert, area=world.tree.community1, received_at=timezone.now(), received_sha256="0"
    )
    client = client_for(world.secretary)
    body = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/response/incidents/open/?alert={alert.pk}"' in body
    body = client.get(f"/response/incidents/open/?alert={alert.pk}").content.decode()
    assert f'<option value="{world.tree.community1.pk}" selected>' in body
    assert ">和平街道</option>" not in body


def test_the_scripted_flood_incident(world: World) -> None:
    assert response_incidents.seed(seed=1, street_id=world.tree.street.pk, community_ids=[]) == {
        "rainstorm_alerts_to_open_from": 0,
        "flood_plans": 1,
    }
    with pytest.raises(CommandError):
        call_command("open_demo_flood_incident")
    alert = published_alert(world.tree)
    out = io.StringIO()
    call_command("open_demo_flood_incident", stdout=out)
    incident = Incident.objects.get()
    assert (incident.source_alert_id, incident.plan_id, incident.plan_level) == (
        alert.pk,
        world.plan.pk,
        "2",
    )
    assert out.getvalue() == f"incident {incident.pk}: 和平街道暴雨红色预警 — 3 tasks\n"
    call_command("open_demo_flood_incident", stdout=io.StringIO())  # idempotent
    assert Incident.objects.count() == 1
    assert incident.tasks.count() == 3


def test_the_demo_walk_through(client: Any) -> None:
    """On the seeded demo: the street sees the button on the red rainstorm alert, the form is
    prefilled, and the flood plan activates at level II (the seed itself opens nothing)."""
    call_command("seed_demo", "--residents", "200", "--grids", "2", "--communities", "1",
                 stdout=io.StringIO())  # fmt: skip
    assert Incident.objects.count() == 0
    street = User.objects.get(username="street")
    alert = Alert.objects.get(level="red", headline__endswith="暴雨红色预警")
    client.force_login(street)
    body = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/response/incidents/open/?alert={alert.pk}"' in body
    body = client.get(f"/response/incidents/open/?alert={alert.pk}").content.decode()
    assert f'value="{alert.headline}"' in body
    secretary = User.objects.get(username="secretary")
    client.force_login(secretary)
    body = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/response/incidents/open/?alert={alert.pk}"' in body
    out = io.StringIO()
    call_command("open_demo_flood_incident", stdout=out)
    incident = Incident.objects.get()
    assert (incident.source_alert_id, incident.plan_level, incident.state) == (
        alert.pk,
        "2",
        "active",
    )
    assert incident.plan is not None and incident.plan.title == "防汛应急预案"
    assert incident.tasks.count() > 0
    assert incident.roster.count() > 0
    client.force_login(street)
    assert client.get(f"/response/command/{incident.pk}/").status_code == 200
    assert client.get(f"/response/command/{incident.pk}/sitrep.pdf").status_code == 200
