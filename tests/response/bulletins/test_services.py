"""Bulletin services: four eyes, publish → exact outbox rows, withdraw, scope and bad input."""

from __future__ import annotations

import pytest

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.notify.models import Delivery, Message
from resigrid.response.bulletins import reads, services, summary
from resigrid.response.bulletins.models import Bulletin, BulletinLog
from resigrid.response.incidents.models import Incident, IncidentLog
from tests.factories import Tree, UserFactory, bind

RUMOUR = "水库要泄洪，全村要撤离"


def rebuttal(actor: User, tree: Tree, **kw: object) -> Bulletin:
    return services.draft(
        actor=actor,
        area=kw.pop("area", tree.community1),  # type: ignore[arg-type]
        kind="rebuttal",
        title="关于“水库泄洪”的辟谣",
        body="水库水位正常，没有泄洪计划，无需撤离。",
        rumour=RUMOUR,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def second_secretary(tree: Tree) -> User:
    user = UserFactory(username="secretary2", full_name="副书记", email="vice@example.org")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    return user


def test_only_another_person_approves(
    tree: Tree, community_admin: User, second_secretary: User, community_staff: User
) -> None:
    b = rebuttal(community_admin, tree)
    with pytest.raises(PermissionDeniedError):
        services.approve(actor=community_admin, bulletin=b)  # the drafter
    with pytest.raises(PermissionDeniedError):
        services.approve(actor=community_staff, bulletin=b)  # may draft, not approve
    b.refresh_from_db()
    assert b.state == "draft" and b.approved_by_id is None
    approved = services.approve(actor=second_secretary, bulletin=b)
    assert (approved.state, approved.approved_by_id) == ("approved", second_secretary.pk)
    with pytest.raises(ConflictError):
        services.approve(actor=second_secretary, bulletin=b)
    with pytest.raises(ConflictError):
        services.edit(actor=community_admin, bulletin=b, title="x", body="y", rumour="z")


def test_publish_enqueues_exact_outbox_rows(
    tree: Tree,
    community_staff: User,
    community_admin: User,
    grid_worker: User,
    resident: User,
    street_admin: User,
) -> None:
    other_community = UserFactory(username="far", full_name="远")
    bind(other_community, tree.community2, Role.COMMUNITY_STAFF)
    inactive = UserFactory(username="gone", full_name="离职", is_active=False)
    bind(inactive, tree.grid11, Role.GRID_WORKER)
    b = rebuttal(community_staff, tree)
    services.approve(actor=community_admin, bulletin=b)
    published = services.publish(actor=community_admin, bulletin=b)
    assert published.state == "published" and published.published_at is not None
    message = Message.objects.get()
    assert published.message_id == message.pk
    assert message.topic == "bulletin.rebuttal"
    assert message.source == f"bulletins.bulletin:{b.pk}"
    assert RUMOUR in message.body
    inbox = set(
        Delivery.objects.filter(message=message, channel="inbox").values_list("user_id", flat=True)
    )
    # Everyone bound to the community or below it, active; not the street, not community 2.
    assert inbox == {community_staff.pk, community_admin.pk, grid_worker.pk, resident.pk}
    assert Delivery.objects.filter(message=message).exclude(channel="inbox").count() == 0
    with pytest.raises(ConflictError):
        services.publish(actor=community_admin, bulletin=b)
    assert Message.objects.count() == 1
    actions = list(BulletinLog.objects.filter(bulletin=b).values_list("action", "to_state"))
    assert actions == [
        ("drafted", "draft"),
        ("approved", "approved"),
        ("published", "published"),
    ]


def test_publish_needs_approval_first(
    tree: Tree, community_staff: User, community_admin: User
) -> None:
    b = rebuttal(community_staff, tree)
    with pytest.raises(ConflictError) as exc:
        services.publish(actor=community_admin, bulletin=b)
    assert exc.value.state == "draft"
    assert Message.objects.count() == 0


def test_public_shows_only_published_and_withdraw_hides(
    tree: Tree, community_staff: User, community_admin: User
) -> None:
    draft_only = rebuttal(community_staff, tree)
    b = services.draft(
        actor=community_staff,
        area=tree.community1,
        kind="official",
        title="停水通知",
        body="明天停水",
    )
    services.approve(actor=community_admin, bulletin=b)
    assert list(reads.public()) == []
    services.publish(actor=community_admin, bulletin=b)
    assert list(reads.public()) == [b]
    assert list(reads.public(tree.grid11.code)) == [b]  # the community's bulletin for the grid
    assert list(reads.public(tree.community2.code)) == []
    assert list(reads.public("999999999999999")) == []
    with pytest.raises(ValidationFailed) as exc:
        services.withdraw(actor=community_admin, bulletin=b, reason="  ")
    assert exc.value.field == "reason"
    services.withdraw(actor=community_admin, bulletin=b, reason="通知有误")
    assert list(reads.public()) == []
    assert list(Message.objects.order_by("pk").values_list("topic", "body")) == [
        ("bulletin.official", "明天停水"),
        ("bulletin.withdrawn", "通知有误"),
    ]
    withdrawn = Message.objects.get(topic="bulletin.withdrawn")
    assert set(withdrawn.deliveries.values_list("user_id", flat=True)) == {
        community_staff.pk,
        community_admin.pk,
    }
    b.refresh_from_db()
    assert (b.state, b.withdraw_reason) == ("withdrawn", "通知有误")
    with pytest.raises(ConflictError):
        services.withdraw(actor=community_admin, bulletin=draft_only, reason="x")


def test_draft_scope_and_bad_input(
    tree: Tree, community_staff: User, grid_worker: User, outsider: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        rebuttal(community_staff, tree, area=tree.community2)
    with pytest.raises(PermissionDeniedError):
        rebuttal(grid_worker, tree, area=tree.grid11)  # grid workers do not draft
    with pytest.raises(PermissionDeniedError):
        rebuttal(outsider, tree)
    with pytest.raises(ValidationFailed) as exc:
        services.draft(
            actor=community_staff, area=tree.community1, kind="rebuttal", title="t", body="b"
        )
    assert exc.value.field == "rumour"
    with pytest.raises(ValidationFailed) as exc:
        services.draft(
            actor=community_staff, area=tree.community1, kind="official", title=" ", body="b"
        )
    assert exc.value.field == "title"
    with pytest.raises(ValidationFailed) as exc:
        services.draft(
            actor=community_staff, area=tree.community1, kind="memo", title="t", body="b"
        )
    assert "kind" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.draft(
            actor=community_staff,
            area=tree.community1,
            kind="official",
            title="t",
            body="b" * 5001,
        )
    assert exc.value.field == "body"
    assert Bulletin.objects.count() == 0


def test_incident_bulletins_are_logged_and_summarised(
    tree: Tree, community_staff: User, community_admin: User
) -> None:
    incident = Incident.objects.create(
        title="内涝", hazard_class="natural", area=tree.community1, level="4",
        opened_by=community_admin,
    )  # fmt: skip
    b = rebuttal(community_staff, tree, incident=incident)
    services.draft(
        actor=community_staff,
        area=tree.community1,
        kind="official",
        title="通告",
        body="正文",
        incident=incident,
    )
    services.approve(actor=community_admin, bulletin=b)
    services.publish(actor=community_admin, bulletin=b)
    assert summary.for_incident(incident) == summary.BulletinSummary(
        published=1, rebuttals=1, awaiting_approval=1
    )
    assert list(IncidentLog.objects.filter(incident=incident).values_list("action", flat=True)) == [
        "bulletin_drafted",
        "bulletin_drafted",
        "bulletin_approved",
        "bulletin_published",
    ]
