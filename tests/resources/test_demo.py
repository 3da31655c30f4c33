"""The demo orgs and resources: plausible, deterministic, warnings present, balances sane."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.orgs.choices import OrgKind, UnitKind
from resigrid.orgs.models import PartyMember, PartyOrg, TeamMembership, Unit, UnitContact
from resigrid.orgs.rules import credit_code_problem
from resigrid.people.models import Person, Volunteer
from resigrid.resources.models import Batch, DepotItem, Facility
from resigrid.web.demo.builder import build_demo
from resigrid.web.demo.orgs_resources import seed_orgs_resources


@pytest.fixture
def demo(db: None) -> dict[str, int]:
    # build_demo runs seed_orgs_resources itself, after the people registry (volunteers).
    summary = build_demo(seed=7, communities=2, grids=4, residents=4000, password="Demo#Pass2026x")
    return summary.registry


def test_demo_shapes(demo: dict[str, int]) -> None:
    assert demo["party_orgs"] == 2 * 2 + 4
    assert PartyOrg.objects.filter(kind=OrgKind.GROUP, area__level="grid").count() == 4
    adults = Person.objects.filter(birth_date__lt="2008-01-01").count()
    assert 0.03 * adults < PartyMember.objects.count() < 0.07 * adults
    for community in Area.objects.filter(level=Level.COMMUNITY):
        n = Unit.objects.filter(area__code__startswith=community.scope_prefix).count()
        assert 16 <= n <= 31  # 15–30 units plus the volunteer team
    assert Unit.objects.filter(kind=UnitKind.VOLUNTEER_TEAM).count() == 2
    # Every demo volunteer joins their community's team.
    assert TeamMembership.objects.count() == Volunteer.objects.count() > 0
    codes = [c for c in Unit.objects.values_list("credit_code", flat=True) if c]
    assert codes and all(credit_code_problem(c) is None for c in codes)
    assert UnitContact.objects.filter(phone_enc__isnull=True).count() == 0
    residents = Person.objects.count()
    shelters = Facility.objects.filter(kind="shelter")
    capacity = sum(c or 0 for c in shelters.values_list("capacity", flat=True))
    assert 0.13 * residents <= capacity <= 0.17 * residents
    for kind in ("aed", "hydrant", "loudspeaker", "medical_point"):
        assert Facility.objects.filter(kind=kind).exists()


def test_demo_stock_is_sane_and_warns(demo: dict[str, int]) -> None:
    rows = DepotItem.objects.with_balances()
    assert all(r.on_hand >= 0 and r.available >= 0 for r in rows)  # type: ignore[attr-defined]
    assert DepotItem.objects.low().exists()
    from django.utils import timezone

    assert Batch.objects.near_expiry(timezone.localdate()).exists()
    assert sum(r.on_hand for r in rows) > Decimal("0")  # type: ignore[attr-defined]


def _orgs_units() -> list[tuple[str, str, str | None]]:
    """The units the orgs seeder made (the registers and plans seeders add departments, teams and
    street offices)."""
    from resigrid.web.demo.registers import DISTRICT_UNITS, STREET_UNITS
    from resigrid.web.demo.response_plans import EXTRA_UNITS

    handling = {name for name, _kind, _specialty in DISTRICT_UNITS.values()}
    teams = tuple(name for name, _kind, _specialty in STREET_UNITS.values())
    teams += tuple(name for _key, name, _kind, _specialty in EXTRA_UNITS)
    return sorted(
        (name, kind, code)
        for name, kind, code in Unit.objects.values_list("name", "kind", "credit_code")
        if name not in handling and not name.endswith(teams)
    )


def _wipe_response() -> None:
    """Delete every emergency-response row: passes over the apps, the apps above first, until
    nothing is left (a pass skips a model whose rows are still protected by another's)."""
    from django.apps import apps
    from django.db.models import ProtectedError

    models = [
        model
        for label in (
            "recovery",
            "bulletins",
            "sweeps",
            "allocations",
            "callups",
            "incidents",
            "institutions",
            "plans",
            "risks",
        )
        for model in reversed(list(apps.get_app_config(label).get_models()))
    ]
    from resigrid.response.institutions.models import Procedure

    Procedure.objects.update(current=None)  # a procedure and its current version protect each other
    for _pass in range(5):
        for model in models:
            try:
                model._default_manager.all().delete()
            except ProtectedError:
                continue
        if not any(model._default_manager.exists() for model in models):
            return
    left = [m.__name__ for m in models if m._default_manager.exists()]
    raise AssertionError(f"response rows left after five passes: {left}")


def test_demo_is_deterministic(demo: dict[str, int]) -> None:
    first = _orgs_units()
    members = sorted(PartyMember.objects.values_list("person_id", "org__name"))
    assert demo["units"] == len(first)
    # Wipe and seed again with the same seed: the same rows come back.
    from resigrid.orgs.models import Commitment, InServiceRegistration, ServiceRecord
    from resigrid.resources.models import Depot, StockMovement

    for model in (
        ServiceRecord,
        InServiceRegistration,
        PartyMember,
        TeamMembership,
        Commitment,
        UnitContact,
        StockMovement,
        Batch,
        DepotItem,
        Depot,
        Facility,
    ):
        model._default_manager.all().delete()
    from resigrid.cases.models import Case
    from resigrid.orgs.models import UnitAccount
    from resigrid.registers.models import Duty

    _wipe_response()  # its rows point at cases, units, stock and duties
    Case.objects.filter(merged_into__isnull=False).delete()  # duplicates first: they PROTECT
    Case.objects.all().delete()
    Duty.objects.all().delete()
    UnitAccount.objects.all().delete()
    Unit.objects.all().delete()
    PartyOrg.objects.filter(kind=OrgKind.GROUP).delete()
    PartyOrg.objects.filter(kind=OrgKind.BRANCH).delete()
    PartyOrg.objects.all().delete()
    grids = list(Area.objects.filter(level=Level.GRID).values_list("pk", flat=True))
    communities = list(Area.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
    seed_orgs_resources(seed=7, community_ids=communities, grid_ids=grids)
    assert _orgs_units() == first
    assert sorted(PartyMember.objects.values_list("person_id", "org__name")) == members
