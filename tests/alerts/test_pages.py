"""Issuing-side alert pages: the list of the user's scope with filters, drafting with per-field
errors, the detail page with its moves, integrity, coverage board and delays, update and
cancel. Outside the scope → 404, without the right → 403, a refused move changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.alerts import acks, services
from resigrid.alerts.models import Alert, AlertLog
from tests.alerts.conftest import World, draft
from tests.alerts.test_distribution import published

pytestmark = pytest.mark.django_db


def form_data(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issuer_area": world.tree.street.pk,
        "kind": "warning",
        "level": "orange",
        "category": "Met",
        "event": "暴雨",
        "headline": "暴雨橙色预警",
        "description": "今夜有大暴雨。",
        "instruction": "请勿外出。",
        "target_areas": [world.tree.community1.pk],
        "area_desc": "",
        "polygons": "",
        "cascade": "direct",
        "ack_minutes": "20",
        "urgency": "Expected",
        "severity": "",
        "certainty": "Likely",
        "onset": "",
        "expires": "",
    }
    data.update(extra)
    return data


def errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


# --- list ---


def test_list_shows_the_scope_with_filters(client_for: Any, world: World) -> None:
    mine = draft(world)
    live = published(world, headline="已发布预警", level="blue")
    t = world.tree
    other = draft(
        world,
        actor=world.staff2,
        issuer_area_id=t.community2.pk,
        target_area_ids=[t.grid21.pk],
        kind="notice",
        level="",
        headline="西湖通知",
    )
    client = client_for(world.street)
    rows = client.get(reverse("alerts:list")).context["page"].object_list
    assert [a.pk for a in rows] == [other.pk, live.pk, mine.pk]
    html = client.get(reverse("alerts:list")).content.decode()
    assert 'id="alert-new"' in html
    assert 'class="badge level-blue" data-level="blue"' in html
    by_state = client.get(reverse("alerts:list"), {"state": "published"}).context["page"]
    assert [a.pk for a in by_state] == [live.pk]
    by_kind = client.get(reverse("alerts:list"), {"kind": "notice"}).context["page"]
    assert [a.pk for a in by_kind] == [other.pk]
    by_level = client.get(reverse("alerts:list"), {"level": "red"}).context["page"]
    assert [a.pk for a in by_level] == [mine.pk]
    bad = client.get(reverse("alerts:list"), {"level": "purple"})
    assert bad.status_code == 200
    assert 'id="filter-errors"' in bad.content.decode()
    # Community 1 sees the street's published alert (relayed in), not its draft nor 西湖's.
    rows = client_for(world.secretary).get(reverse("alerts:list")).context["page"]
    assert [a.pk for a in rows] == [live.pk]


@pytest.mark.parametrize("persona", ["resident", "outsider"])
def test_list_needs_an_alert_right(
    request: pytest.FixtureRequest, client_for: Any, world: World, persona: str
) -> None:
    user = world.resident if persona == "resident" else request.getfixturevalue("outsider")
    assert client_for(user).get(reverse("alerts:list")).status_code == 403
    assert client_for(user).get(reverse("alerts:new")).status_code == 403


def test_anonymous_is_sent_to_login(client: Any, world: World) -> None:
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_grid_worker_relays_but_may_not_issue(client_for: Any, world: World) -> None:
    client = client_for(world.worker11)
    response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    assert 'id="alert-new"' not in response.content.decode()
    assert client.get(reverse("alerts:new")).status_code == 403


# --- drafting ---


def test_new_form_offers_the_users_areas(client_for: Any, world: World) -> None:
    response = client_for(world.secretary).get(reverse("alerts:new"))
    form = response.context["form"]
    t = world.tree
    assert [pk for pk, _ in form.fields["issuer_area"].choices] == [t.community1.pk]
    assert [pk for pk, _ in form.fields["target_areas"].choices] == [
        t.community1.pk,
        t.grid11.pk,
        t.grid12.pk,
    ]
    assert form.initial["issuer_area"] == t.community1.pk
    html = response.content.decode()
    assert 'id="draw-map"' in html
    assert "draw-map-config" in html


def test_draft_is_created_with_the_fields(client_for: Any, world: World) -> None:
    polygon = {
        "type": "Polygon",
        "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]],
    }
    response = client_for(world.street).post(
        reverse("alerts:new"),
        form_data(
            world,
            polygons=json.dumps(polygon),
            onset="2026-07-01T18:00",
            expires="2026-07-02T06:00",
        ),
    )
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("alerts:detail", args=[alert.pk])
    assert (alert.state, alert.kind, alert.level, alert.severity) == (
        "draft",
        "warning",
        "orange",
        "Severe",
    )
    assert (alert.headline, alert.instruction, alert.ack_minutes) == (
        "暴雨橙色预警",
        "请勿外出。",
        20,
    )
    assert alert.area_desc == "东湖社区"
    assert alert.polygons == [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]]
    assert list(alert.target_areas.all()) == [world.tree.community1]
    assert alert.created_by == world.street
    assert alert.onset is not None and alert.onset.isoformat() == "2026-07-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"event": "", "headline": " ", "description": "", "target_areas": []},
            {
                "event": ["This field is required."],
                "headline": ["This field is required."],
                "description": ["This field is required."],
                "target_areas": ["Choose the areas the alert covers."],
            },
        ),
        (
            {"level": ""},
            {"level": ["A warning needs a colour level (blue, yellow, orange or red)."]},
        ),
        (
            {"headline": "长" * 161},
            {"headline": ["Ensure this value has at most 160 characters (it has 161)."]},
        ),
        (
            {"ack_minutes": "0"},
            {"ack_minutes": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"onset": "2026-07-02T06:00", "expires": "2026-07-01T06:00"},
            {"expires": ["The alert must expire after its onset."]},
        ),
        ({"polygons": "{not json"}, {"polygons": ["This is not valid GeoJSON."]}),
        (
            {"polygons": '{"type": "Point", "coordinates": [120, 30]}'},
            {"polygons": ["Only Polygon and MultiPolygon geometries are accepted."]},
        ),
        (
            {"polygons": "[[[120, 30], [120.1, 30.1], [120.1, 30], [120, 30.1], [120, 30]]]"},
            {"polygons": ["A polygon crosses itself; draw its edges without crossings."]},
        ),
        (
            {"polygons": "[[[120, 30], [500, 30], [120, 31]]]"},
            {"polygons": ["A point lies outside the globe: 500.0, 30.0."]},
        ),
        (
            {"polygons": "[[[120, 30], [120.1, 30]]]"},
            {"polygons": ["Each polygon needs at least three points as [longitude, latitude]."]},
        ),
        (
            {"kind": "order"},
            {"kind": ["Select a valid choice. order is not one of the available choices."]},
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(
    client_for: Any, world: World, extra: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    response = client_for(world.street).post(reverse("alerts:new"), form_data(world, **extra))
    assert response.status_code == 422
    assert errors(response) == expected
    assert Alert.objects.count() == 0
    html = response.content.decode()
    for name in expected:
        assert f'data-error="{name}"' in html


def test_targets_outside_the_issuer_or_the_scope(client_for: Any, world: World) -> None:
    t = world.tree
    client = client_for(world.secretary)
    outside_scope = client.post(
        reverse("alerts:new"),
        form_data(world, issuer_area=t.community1.pk, target_areas=[t.grid21.pk]),
    )
    assert outside_scope.status_code == 422
    assert errors(outside_scope) == {
        "target_areas": [
            f"Select a valid choice. {t.grid21.pk} is not one of the available choices."
        ]
    }
    street_as_issuer = client.post(reverse("alerts:new"), form_data(world, issuer_area=t.street.pk))
    assert errors(street_as_issuer) == {
        "issuer_area": [
            f"Select a valid choice. {t.street.pk} is not one of the available choices."
        ]
    }
    below = client_for(world.street).post(
        reverse("alerts:new"),
        form_data(world, issuer_area=t.community2.pk, target_areas=[t.grid11.pk]),
    )
    assert errors(below) == {
        "target_areas": ["The alert covers areas outside 西湖社区: 东湖一网格."]
    }
    assert Alert.objects.count() == 0


# --- detail and moves ---


def test_approve_then_publish_through_the_pages(client_for: Any, world: World) -> None:
    alert = draft(world)
    street = client_for(world.street)
    html = street.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="needs-approval"' in html
    assert 'id="move-approve"' not in html  # the drafter may not approve
    assert 'id="move-publish"' not in html
    assert 'id="board-none"' in html
    refused = street.post(reverse("alerts:publish", args=[alert.pk]), follow=True)
    assert "This alert must be approved before it is published." in refused.content.decode()
    alert.refresh_from_db()
    assert alert.state == "draft"

    approver = client_for(world.approver)
    assert (
        'id="move-approve"'
        in approver.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    )
    response = approver.post(reverse("alerts:approve", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.approved_by) == ("approved", world.approver)

    street = client_for(world.street)
    assert (
        'id="move-publish"'
        in street.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    )
    street.post(reverse("alerts:publish", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.state == "published"
    response = street.get(reverse("alerts:detail", args=[alert.pk]))
    ctx = response.context
    assert ctx["moves"] == ["update", "cancel"]
    assert ctx["verification"].intact is True
    assert ctx["board"].total.recipients == 10  # everyone in the grids (staff above apart)
    assert [g.name for g in ctx["grids"]] == ["东湖一网格", "东湖二网格", "西湖一网格"]
    assert [r.area_name for r in ctx["delays"]["rows"]] == [
        "东湖社区",
        "东湖一网格",
        "东湖二网格",
        "西湖社区",
        "西湖一网格",
    ]
    medians = [(m["level"], str(m["label"]), m["to_acknowledge"]) for m in ctx["delays"]["medians"]]
    assert medians == [("community", "Community", None), ("grid", "Grid", None)]
    html = response.content.decode()
    assert 'data-intact="1"' in html
    assert (
        f'hx-get="{reverse("alerts:board", args=[alert.pk])}?area={world.tree.street.pk}"' in html
    )
    assert 'hx-trigger="every 15s"' in html
    assert [item["row"].action for item in ctx["log"]] == ["draft", "approve", "publish"]
    # Publishing again: the alert moved on, a message, nothing changes.
    again = street.post(reverse("alerts:publish", args=[alert.pk]), follow=True)
    assert "cannot be publish" in again.content.decode()


def test_outside_the_scope_is_404_and_without_the_right_403(
    client_for: Any, world: World, outsider: User
) -> None:
    hidden = draft(world)
    live = published(world)
    # A street draft is not visible to a community; nobody outside sees anything.
    assert (
        client_for(world.secretary).get(reverse("alerts:detail", args=[hidden.pk])).status_code
        == 404
    )
    assert (
        client_for(world.secretary).post(reverse("alerts:approve", args=[hidden.pk])).status_code
        == 404
    )
    for url in ("alerts:detail", "alerts:board", "alerts:update"):
        assert client_for(outsider).get(reverse(url, args=[live.pk])).status_code == 404
    assert client_for(outsider).post(reverse("alerts:cancel", args=[live.pk])).status_code == 404
    # The community sees the street's published alert but may not cancel or update it.
    secretary = client_for(world.secretary)
    assert (
        secretary.post(reverse("alerts:cancel", args=[live.pk]), {"note": "x"}).status_code == 403
    )
    assert secretary.get(reverse("alerts:update", args=[live.pk])).status_code == 403
    # A resident got it: the receipt page, but no board and no moves.
    resident = client_for(world.resident)
    page = resident.get(reverse("alerts:detail", args=[live.pk]))
    assert next(t.name for t in page.templates) == "alerts/receipt.html"
    assert resident.get(reverse("alerts:board", args=[live.pk])).status_code == 403
    assert resident.post(reverse("alerts:publish", args=[live.pk])).status_code == 403
    assert resident.post(reverse("alerts:cancel", args=[live.pk]), {"note": "x"}).status_code == 403
    live.refresh_from_db()
    assert live.state == "published"


def test_board_partial_and_its_area(client_for: Any, world: World) -> None:
    alert = published(world)
    t = world.tree
    secretary = client_for(world.secretary)
    response = secretary.get(reverse("alerts:board", args=[alert.pk]))
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["alerts/_board.html"]
    assert response.context["board_area"] == t.community1
    assert [g.name for g in response.context["grids"]] == ["东湖一网格", "东湖二网格"]
    assert response.context["board"].total.recipients == 8
    assert (
        secretary.get(
            reverse("alerts:board", args=[alert.pk]), {"area": t.community2.pk}
        ).status_code
        == 404
    )
    acks.acknowledge(actor=world.secretary, alert_id=alert.pk)
    street = client_for(world.street)
    whole = street.get(reverse("alerts:board", args=[alert.pk]))
    assert [(r.name, r.recipients, r.acknowledged) for r in whole.context["levels"]] == [
        ("东湖社区", 1, 1),
        ("西湖社区", 1, 0),
    ]
    assert f'data-level-area="{t.community1.pk}" data-acknowledged="1"' in whole.content.decode()
    grid = street.get(reverse("alerts:board", args=[alert.pk]), {"area": t.grid21.pk})
    assert [g.name for g in grid.context["grids"]] == ["西湖一网格"]


def test_cancel_needs_a_reason(client_for: Any, world: World) -> None:
    alert = published(world)
    street = client_for(world.street)
    response = street.post(reverse("alerts:cancel", args=[alert.pk]), {"note": "  "})
    assert response.status_code == 422
    form = response.context["cancel_form"]
    assert form.errors == {"note": ["Say why the alert is cancelled."]}
    assert 'id="move-cancel" open' in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == "published"
    response = street.post(reverse("alerts:cancel", args=[alert.pk]), {"note": "雨已停"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.note) == ("cancelled", "雨已停")
    html = street.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="cancel-note"' in html


def test_update_changes_only_what_differs(client_for: Any, world: World) -> None:
    alert = published(world)
    street = client_for(world.street)
    page = street.get(reverse("alerts:update", args=[alert.pk]))
    form = page.context["form"]
    data = {
        name: (form.initial[name] if form.initial[name] is not None else "") for name in form.fields
    }
    data["onset"] = data["expires"] = ""
    unchanged = street.post(reverse("alerts:update", args=[alert.pk]), data)
    assert unchanged.status_code == 422
    assert unchanged.context["form"].non_field_errors() == [
        "Nothing changed: change at least one field."
    ]
    data.update(headline="暴雨橙色预警（更新）", level="orange")
    response = street.post(reverse("alerts:update", args=[alert.pk]), data)
    new = Alert.objects.get(supersedes=alert)
    assert response["Location"] == reverse("alerts:detail", args=[new.pk])
    assert (new.headline, new.level, new.severity, new.state) == (
        "暴雨橙色预警（更新）",
        "orange",
        "Severe",
        "published",
    )
    assert new.description == alert.description
    alert.refresh_from_db()
    assert alert.state == "updated"
    html = street.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'id="superseded"' in html
    # The replaced alert is no longer updatable.
    again = street.get(reverse("alerts:update", args=[alert.pk]), follow=True)
    assert "Only a published alert can be updated." in again.content.decode()


def test_integrity_names_where_the_text_changed(client_for: Any, world: World) -> None:
    alert = published(world)
    Alert.objects.filter(pk=alert.pk).update(description="被篡改的内容")
    response = client_for(world.street).get(reverse("alerts:detail", args=[alert.pk]))
    html = response.content.decode()
    assert 'data-intact="0"' in html
    assert 'data-changed="issuer"' in html
    assert "东湖社区 did not receive the published text." in html
    assert AlertLog.objects.filter(alert=alert, action="integrity").count() == 1


def test_grid_alert_of_a_community_publishes_without_approval(
    client_for: Any, world: World, settings: Any
) -> None:
    settings.ALERT_APPROVAL_REQUIRED = {"community": False}
    t = world.tree
    alert = draft(
        world,
        actor=world.secretary,
        issuer_area_id=t.community1.pk,
        target_area_ids=[t.grid11.pk],
        kind="notice",
        level="",
    )
    client = client_for(world.secretary)
    assert client.get(reverse("alerts:detail", args=[alert.pk])).context["moves"] == ["publish"]
    client.post(reverse("alerts:publish", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.state == "published"
    assert services.verify(alert).intact


def test_cap_links_on_the_list_and_a_published_alert(client_for: Any, world: World) -> None:
    mine = draft(world)
    live = published(world, headline="已发布预警", level="blue")
    client = client_for(world.street)
    html = client.get(reverse("alerts:list")).content.decode()
    assert f'href="{reverse("alerts:cap_feed")}" id="alert-feed"' in html
    assert f'href="{reverse("alerts:cap_import")}" id="alert-cap-import"' in html
    cap = reverse("alerts:cap_xml", args=[live.pk])
    assert (
        f'href="{cap}" id="cap-xml"'
        in client.get(reverse("alerts:detail", args=[live.pk])).content.decode()
    )
    assert (
        'id="cap-xml"' not in client.get(reverse("alerts:detail", args=[mine.pk])).content.decode()
    )
    assert client.get(cap).status_code == 200
    # A grid worker relays but may not issue: the feed, not the import.
    worker = client_for(world.worker11).get(reverse("alerts:list")).content.decode()
    assert 'id="alert-feed"' in worker
    assert 'id="alert-cap-import"' not in worker
