"""Orgs services: tree validation, members and registrations, units, contacts, commitments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs import services, units
from resigrid.orgs.choices import OrgKind, UnitKind
from resigrid.orgs.models import (
    Commitment,
    InServiceRegistration,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    TeamMembership,
    Unit,
    UnitContact,
    UnitSpecialty,
)
from resigrid.people.models import Volunteer
from tests.orgs.conftest import OTHER_CREDIT, VALID_CREDIT, Orgs


def test_group_on_a_grid_under_a_branch(orgs: Orgs, community_admin: User) -> None:
    org = services.create_party_org(
        actor=community_admin,
        kind=OrgKind.GROUP,
        name="二网格党小组",
        area=orgs.tree.grid12,
        parent=orgs.branch1,
        secretary=orgs.bob,
    )
    assert (org.kind, org.area, org.parent, org.secretary) == (
        "group",
        orgs.tree.grid12,
        orgs.branch1,
        orgs.bob,
    )


def test_child_area_outside_parent_is_refused(orgs: Orgs, street_admin: User) -> None:
    before = PartyOrg.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.create_party_org(
            actor=street_admin,
            kind=OrgKind.GROUP,
            name="越界党小组",
            area=orgs.tree.grid21,
            parent=orgs.branch1,
        )
    assert exc.value.field == "area"
    assert str(exc.value.message) == (
        "The area 西湖一网格 is outside the parent organisation's area 东湖社区."
    )
    assert PartyOrg.objects.count() == before


def test_group_under_committee_is_refused(orgs: Orgs, community_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_party_org(
            actor=community_admin,
            kind=OrgKind.GROUP,
            name="党小组",
            area=orgs.tree.grid11,
            parent=orgs.committee1,
        )
    assert exc.value.errors == {
        "parent": ["A Party group cannot be placed under a Party committee."]
    }


def test_branch_needs_a_parent(orgs: Orgs, community_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.create_party_org(
            actor=community_admin, kind=OrgKind.BRANCH, name="孤立支部", area=orgs.tree.community1
        )
    assert exc.value.errors == {"parent": ["A Party branch needs a parent organisation."]}


def test_grid_worker_may_not_create_orgs(orgs: Orgs, grid_worker: User) -> None:
    with pytest.raises(PermissionDeniedError):
        services.create_party_org(
            actor=grid_worker,
            kind=OrgKind.GROUP,
            name="党小组",
            area=orgs.tree.grid11,
            parent=orgs.branch1,
        )
    assert PartyOrg.objects.count() == 4


def test_moving_an_org_keeps_children_inside(orgs: Orgs, street_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.update_party_org(
            actor=street_admin,
            org=orgs.branch1,
            changes={"parent": orgs.committee2, "area": orgs.tree.community2},
        )
    assert exc.value.field == "area"
    orgs.branch1.refresh_from_db()
    assert orgs.branch1.parent == orgs.committee1


def test_org_cannot_be_its_own_ancestor(orgs: Orgs, street_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.update_party_org(
            actor=street_admin, org=orgs.committee1, changes={"parent": orgs.committee1}
        )
    assert exc.value.errors == {"parent": ["An organisation cannot be placed under itself."]}


def test_member_registration_and_service(orgs: Orgs, community_admin: User) -> None:
    member = services.add_party_member(
        actor=community_admin,
        person=orgs.alice,
        org=orgs.group11,
        joined=dt.date(2005, 7, 1),
        in_service=True,
    )
    reg = services.register_in_service(
        actor=community_admin,
        member=member,
        community=orgs.tree.community1,
        registered=dt.date(2026, 3, 1),
    )
    record = services.record_service(
        actor=community_admin,
        member=member,
        date=dt.date(2026, 3, 5),
        hours="2.5",
        activity="楼道清扫",
    )
    assert (reg.status, record.hours, record.by) == ("active", Decimal("2.5"), community_admin)
    with pytest.raises(ValidationFailed) as exc:
        services.register_in_service(
            actor=community_admin,
            member=member,
            community=orgs.tree.community1,
            registered=dt.date(2026, 3, 2),
        )
    assert exc.value.field == "community"
    assert InServiceRegistration.objects.count() == 1


def test_member_twice_is_refused(orgs: Orgs, community_admin: User) -> None:
    services.add_party_member(actor=community_admin, person=orgs.alice, org=orgs.group11)
    with pytest.raises(ValidationFailed) as exc:
        services.add_party_member(actor=community_admin, person=orgs.alice, org=orgs.branch1)
    assert exc.value.errors == {"person": ["This person is already registered as a Party member."]}
    assert PartyMember.objects.count() == 1


def test_service_hours_must_be_sane(orgs: Orgs, community_admin: User) -> None:
    member = services.add_party_member(actor=community_admin, person=orgs.alice, org=orgs.group11)
    for bad, message in [
        ("0", "The hours must be more than 0 and at most 24."),
        ("25", "The hours must be more than 0 and at most 24."),
        ("two", "Give the hours as a number."),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            services.record_service(
                actor=community_admin,
                member=member,
                date=dt.date(2026, 1, 1),
                hours=bad,
                activity="x",
            )
        assert exc.value.errors == {"hours": [message]}
    assert ServiceRecord.objects.count() == 0


def test_only_in_service_members_register(orgs: Orgs, community_admin: User) -> None:
    member = services.add_party_member(actor=community_admin, person=orgs.alice, org=orgs.group11)
    with pytest.raises(ValidationFailed) as exc:
        services.register_in_service(
            actor=community_admin,
            member=member,
            community=orgs.tree.community1,
            registered=dt.date(2026, 1, 1),
        )
    assert exc.value.errors == {"member": ["Only in-service members register to a community."]}


def test_unit_with_credit_code_and_specialties(orgs: Orgs, community_admin: User) -> None:
    unit = units.create_unit(
        actor=community_admin,
        area=orgs.tree.community1,
        kind=UnitKind.SOCIAL_ORG,
        name="阳光社工站",
        credit_code=" 91350100m000100y43 ",
        specialties=["psychological", "elderly_care", "psychological"],
        scale=12,
        co_building=True,
        co_building_since=dt.date(2024, 5, 1),
    )
    assert unit.credit_code == VALID_CREDIT
    assert unit.specialty_values() == ["elderly_care", "psychological"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "91350100M000100Y44",
            "The credit code's check character is wrong: please check for a typing error.",
        ),
        (
            "91350100M0001",
            "A unified social credit code has 18 characters: digits and capital letters "
            "without I, O, S, V and Z.",
        ),
    ],
)
def test_bad_credit_code_is_refused(
    orgs: Orgs, community_admin: User, code: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        units.create_unit(
            actor=community_admin,
            area=orgs.tree.community1,
            kind=UnitKind.ENTERPRISE,
            name="某公司",
            credit_code=code,
        )
    assert exc.value.errors == {"credit_code": [message]}
    assert Unit.objects.count() == 2


def test_duplicate_credit_code_and_unknown_specialty(orgs: Orgs, community_admin: User) -> None:
    units.create_unit(
        actor=community_admin,
        area=orgs.tree.community1,
        kind=UnitKind.ENTERPRISE,
        name="甲公司",
        credit_code=OTHER_CREDIT,
    )
    with pytest.raises(ValidationFailed) as exc:
        units.create_unit(
            actor=community_admin,
            area=orgs.tree.community1,
            kind=UnitKind.ENTERPRISE,
            name="乙公司",
            credit_code=OTHER_CREDIT,
        )
    assert exc.value.errors == {"credit_code": ["Another unit already has this credit code."]}
    with pytest.raises(ValidationFailed) as exc:
        units.create_unit(
            actor=community_admin,
            area=orgs.tree.community1,
            kind=UnitKind.ENTERPRISE,
            name="丙公司",
            specialties=["medical", "juggling"],
        )
    assert exc.value.errors == {"specialties.1": ["Unknown specialty: juggling."]}
    assert Unit.objects.count() == 3
    assert UnitSpecialty.objects.count() == 0


def test_contact_phone_is_encrypted_and_masked(orgs: Orgs, community_staff: User) -> None:
    contact = units.add_contact(
        actor=community_staff, unit=orgs.unit1, name="钱主任", role="主任", phone="139-0000-1111"
    )
    stored = UnitContact.objects.get(pk=contact.pk)
    assert stored.phone_hash == pii.keyed_hash("13900001111")
    assert "13900001111" not in (stored.phone_enc or "")
    rows = units.contact_rows(actor=community_staff, unit=orgs.unit1)
    assert [r["phone"] for r in rows] == ["138****5678", "139****1111"]
    assert PersonalDataAccess.objects.count() == 0


def test_bad_contact_phone(orgs: Orgs, community_staff: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        units.add_contact(actor=community_staff, unit=orgs.unit1, name="某人", phone="12345")
    assert exc.value.field == "phone"
    assert UnitContact.objects.count() == 1


def test_unmask_needs_permission_and_is_logged(
    orgs: Orgs, community_admin: User, community_staff: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        units.contact_rows(actor=community_staff, unit=orgs.unit1, unmask=True)
    assert PersonalDataAccess.objects.count() == 0
    rows = units.contact_rows(actor=community_admin, unit=orgs.unit1, unmask=True)
    assert rows[0]["phone"] == "13812345678"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.subject, log.object_ids, log.fields, log.scope) == (
        community_admin,
        "unmasked_read",
        "orgs.unitcontact",
        [orgs.contact1.pk],
        ["phone"],
        "330106001001000",
    )


def test_volunteer_team_members(orgs: Orgs, community_admin: User) -> None:
    team = units.create_unit(
        actor=community_admin,
        area=orgs.tree.community1,
        kind=UnitKind.VOLUNTEER_TEAM,
        name="东湖志愿服务队",
    )
    volunteer = Volunteer.objects.create(person=orgs.bob)
    units.add_team_member(actor=community_admin, team=team, volunteer=volunteer, role="leader")
    assert list(team.volunteers.all()) == [volunteer]
    with pytest.raises(ValidationFailed) as exc:
        units.add_team_member(actor=community_admin, team=orgs.unit1, volunteer=volunteer)
    assert exc.value.errors == {"team": ["Only volunteer teams have volunteer members."]}
    assert TeamMembership.objects.count() == 1


def test_commitment_rules(orgs: Orgs, community_admin: User) -> None:
    c = units.add_commitment(
        actor=community_admin,
        unit=orgs.unit1,
        kind="vehicles",
        description="应急车辆",
        quantity="2",
        uom="辆",
        conditions="提前 2 小时通知",
        contact=orgs.contact1,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    assert (c.quantity, c.for_emergency, c.contact) == (Decimal("2.00"), True, orgs.contact1)
    other = units.add_contact(actor=community_admin, unit=orgs.unit1, name="孙", phone=None)
    other.unit = orgs.unit2  # a contact of another unit (in memory only)
    cases: list[tuple[dict[str, Any], dict[str, list[str]]]] = [
        ({"quantity": "0"}, {"quantity": ["The quantity must be more than 0."]}),
        (
            {"valid_from": dt.date(2026, 2, 1), "valid_to": dt.date(2026, 1, 1)},
            {"valid_to": ["The end of validity is before its start."]},
        ),
        (
            {"contact": other},
            {"contact": ["The contact must be one of this unit's contacts."]},
        ),
        ({"kind": "money"}, {"kind": ["Unknown kind of commitment: money."]}),
    ]
    base: dict[str, Any] = {"kind": "goods", "description": "x", "quantity": "1", "uom": "件"}
    for changes, errors in cases:
        with pytest.raises(ValidationFailed) as exc:
            units.add_commitment(actor=community_admin, unit=orgs.unit1, **(base | changes))
        assert exc.value.errors == errors
    assert Commitment.objects.count() == 1


def test_outsider_cannot_touch_units(orgs: Orgs, outsider: User, grid_worker: User) -> None:
    for actor in (outsider, grid_worker):
        with pytest.raises(PermissionDeniedError):
            units.update_unit(actor=actor, unit=orgs.unit1, changes={"name": "改名"})
    orgs.unit1.refresh_from_db()
    assert orgs.unit1.name == "东湖物业"
