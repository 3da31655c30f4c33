"""Opening incidents: from an alert, from a case, by hand; scope; one open incident per alert."""

from __future__ import annotations

import pytest
from django.utils import timezone

from resigrid.alerts.models import Relay
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.response.incidents import services
from resigrid.response.incidents.models import Incident, IncidentLog
from tests.response.incidents.conftest import World, make_case, published_alert

pytestmark = pytest.mark.django_db


def test_open_from_alert_takes_title_hazard_level_and_area(world: World) -> None:
    alert = published_alert(world.tree, level="red")
    incident = services.open_incident(actor=world.street, alert_id=alert.pk)
    incident.refresh_from_db()
    assert (
        incident.title,
        incident.hazard_class,
        incident.hazard_subtype,
        incident.level,
        incident.area_id,
        incident.state,
        incident.source_alert_id,
        incident.source_case_id,
        incident.opened_by_id,
        incident.plan_id,
    ) == (
        "和平街道暴雨红色预警",
        "natural",
        "暴雨",
        "1",
        world.tree.street.pk,
        "active",
        alert.pk,
        None,
        world.street.pk,
        None,
    )
    log = list(IncidentLog.objects.filter(incident=incident).values_list("action", "actor_id"))
    assert log == [("opened", world.street.pk)]
    row = IncidentLog.objects.get(incident=incident)
    assert row.data == {
        "area": world.tree.street.code,
        "level": "1",
        "hazard_class": "natural",
        "alert": alert.pk,
        "case": None,
    }


@pytest.mark.parametrize(
    ("colour", "level"), [("red", "1"), ("orange", "2"), ("yellow", "3"), ("blue", "4")]
)
def test_alert_colour_gives_the_level(world: World, colour: str, level: str) -> None:
    alert = published_alert(world.tree, level=colour)
    assert services.open_incident(actor=world.street, alert_id=alert.pk).level == level


def test_alert_for_two_communities_opens_on_their_street(world: World) -> None:
    tree = world.tree
    alert = published_alert(tree, targets=[tree.community1, tree.community2], category="Health")
    incident = services.open_incident(actor=world.street, alert_id=alert.pk)
    assert (incident.area_id, incident.hazard_class) == (tree.street.pk, "public_health")


def test_the_caller_may_override_what_the_alert_says(world: World) -> None:
    alert = published_alert(world.tree)
    incident = services.open_incident(
        actor=world.street,
        alert_id=alert.pk,
        title="东湖社区内涝",
        level="2",
        area=world.tree.community1,
    )
    assert (incident.title, incident.level, incident.area_id) == (
        "东湖社区内涝",
        "2",
        world.tree.community1.pk,
    )


def test_second_incident_for_the_same_alert_names_the_first(world: World) -> None:
    alert = published_alert(world.tree)
    first = services.open_incident(actor=world.street, alert_id=alert.pk)
    with pytest.raises(ConflictError) as err:
        services.open_incident(actor=world.street, alert_id=alert.pk, title="另一个")
    assert str(err.value.message) == (
        f"An incident is already open for this alert: “和平街道暴雨红色预警” (no. {first.pk})."
    )
    assert Incident.objects.count() == 1
    assert IncidentLog.objects.count() == 1


def test_a_closed_incident_does_not_block_a_new_one(world: World) -> None:
    alert = published_alert(world.tree)
    first = services.open_incident(actor=world.street, alert_id=alert.pk)
    Incident.objects.filter(pk=first.pk).update(state="closed")
    second = services.open_incident(actor=world.street, alert_id=alert.pk)
    assert second.pk != first.pk


def test_draft_alert_is_refused(world: World) -> None:
    alert = published_alert(world.tree, state="draft")
    with pytest.raises(ValidationFailed) as err:
        services.open_incident(actor=world.street, alert_id=alert.pk)
    assert err.value.field == "alert"
    assert Incident.objects.count() == 0


def test_open_from_case_takes_the_community_of_its_grid(world: World) -> None:
    case = make_case(world.tree, world.tree.grid12)
    incident = services.open_incident(actor=world.secretary, case_id=case.pk)
    assert (
        incident.title,
        incident.area_id,
        incident.source_case_id,
        incident.source_alert_id,
        incident.hazard_class,
        incident.hazard_subtype,
        incident.level,
    ) == ("地下车库进水", world.tree.community1.pk, case.pk, None, "accident", "防汛排涝", "4")


def test_open_by_hand_needs_an_area_and_a_title(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.open_incident(actor=world.street, title="燃气泄漏")
    assert err.value.field == "area"
    with pytest.raises(ValidationFailed) as err:
        services.open_incident(actor=world.street, title="  ", area=world.tree.community2)
    assert err.value.field == "title"
    with pytest.raises(ValidationFailed) as err:
        services.open_incident(actor=world.street, title="x" * 161, area=world.tree.community2)
    assert err.value.field == "title"
    with pytest.raises(ValidationFailed) as err:
        services.open_incident(
            actor=world.street, title="燃气泄漏", area=world.tree.community2, level="9"
        )
    assert err.value.field == "level"
    assert Incident.objects.count() == 0
    incident = services.open_incident(
        actor=world.street,
        title="燃气泄漏",
        hazard_class="accident",
        level="3",
        area=world.tree.community2,
    )
    assert (incident.title, incident.hazard_class, incident.level, incident.area_id) == (
        "燃气泄漏",
        "accident",
        "3",
        world.tree.community2.pk,
    )


def test_area_outside_the_scope_is_refused_and_nothing_written(world: World) -> None:
    # The community secretary commands community 1 only.
    with pytest.raises(PermissionDeniedError) as err:
        services.open_incident(actor=world.secretary, title="火情", area=world.tree.community2)
    assert str(err.value.message) == "You may not open incidents in 西湖社区."
    assert err.value.field == "area"
    # The street's alert covers the street (relayed to community 1): above the secretary's scope.
    alert = published_alert(world.tree)
    Relay.objects.create(
        alert=alert, area=world.tree.community1, received_at=timezone.now(), received_sha256="0"
    )
    with pytest.raises(PermissionDeniedError):
        services.open_incident(actor=world.secretary, alert_id=alert.pk)
    # A grid worker sees incidents but commands none.
    with pytest.raises(PermissionDeniedError):
        services.open_incident(actor=world.worker, title="积水", area=world.tree.community1)
    assert Incident.objects.count() == 0
    assert IncidentLog.objects.count() == 0


def test_alert_or_case_out_of_sight_is_not_found(world: World, outsider: object) -> None:
    alert = published_alert(world.tree)
    with pytest.raises(NotFoundError):
        services.open_incident(actor=outsider, alert_id=alert.pk)
    case = make_case(world.tree, world.tree.grid21)
    with pytest.raises(NotFoundError):
        services.open_incident(actor=world.secretary, case_id=case.pk)
    with pytest.raises(ValidationFailed):
        services.open_incident(actor=world.street, alert_id=alert.pk, case_id=case.pk)
    assert Incident.objects.count() == 0
