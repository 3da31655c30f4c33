"""Duties for a hazard class (issue 6): exactly one of category and hazard class, one active rule
per (hazard class, area, phase), the nearest-ancestor read the plans use, and case routing
unchanged by them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.registers import reads, services
from resigrid.registers.choices import HazardClass, Phase
from resigrid.registers.models import Duty
from tests.registers.conftest import Registers, changes

pytestmark = pytest.mark.django_db
NATURAL = HazardClass.NATURAL


def hazard(reg: Registers, area: Any, lead: Any, phase: str = Phase.RESPOND, **kw: Any) -> Duty:
    return Duty.objects.create(hazard_class=NATURAL, area=area, lead_unit=lead, phase=phase, **kw)


def test_exactly_one_of_category_and_hazard_class(reg: Registers) -> None:
    t = reg.tree
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(area=t.street, lead_unit=reg.team)  # neither
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(
            category=reg.c01, hazard_class=NATURAL, area=t.street, lead_unit=reg.team
        )
    hazard(reg, t.street, reg.team)
    with pytest.raises(IntegrityError), transaction.atomic():
        hazard(reg, t.street, reg.city)  # a second active rule for the same key
    hazard(reg, t.street, reg.city, active=False)  # an inactive one is fine
    hazard(reg, t.street, reg.city, phase=Phase.RECOVER)
    # A category rule on the same area and phase is another key.
    reg.duty(reg.c01, t.street, reg.team)
    assert Duty.objects.count() == 4


def test_routing_ignores_hazard_duties(reg: Registers) -> None:
    t = reg.tree
    hazard(reg, t.community1, reg.property1)
    assert reads.route(reg.c0101, t.grid11).duty is None
    assert "No duty applies" in reads.explain(reg.c0101, t.grid11).text
    case_rule = reg.duty(reg.c01, t.street, reg.team)
    route = reads.route(reg.c0101, t.grid11)
    assert (route.duty, route.lead_unit) == (case_rule, reg.team)


def test_duties_for_hazard_takes_the_nearest_area(reg: Registers) -> None:
    t = reg.tree
    assert reads.duties_for_hazard(NATURAL, t.grid11, Phase.RESPOND) is None
    street = hazard(reg, t.street, reg.team)
    own = hazard(reg, t.community1, reg.property1)
    hazard(reg, t.community2, reg.property2, phase=Phase.PREVENT)
    assert reads.duties_for_hazard(NATURAL, t.grid11, Phase.RESPOND) == own
    assert reads.duties_for_hazard(NATURAL, t.grid21, Phase.RESPOND) == street
    assert reads.duties_for_hazard(NATURAL, t.street, Phase.RESPOND) == street
    assert reads.duties_for_hazard(NATURAL, t.grid11, Phase.RECOVER) is None
    assert reads.duties_for_hazard(HazardClass.PUBLIC_HEALTH, t.grid11, Phase.RESPOND) is None
    own.active = False
    own.save()
    assert reads.duties_for_hazard(NATURAL, t.grid11, Phase.RESPOND) == street
    # A case rule on the area is not a hazard rule.
    reg.duty(reg.c01, t.community1, reg.property1)
    assert reads.duties_for_hazard(NATURAL, t.grid11, Phase.RESPOND) == street


def test_create_hazard_duty_service(reg: Registers, street_admin: User) -> None:
    t = reg.tree
    duty = services.create_duty(
        actor=street_admin,
        hazard_class=NATURAL,
        area=t.street,
        phase=Phase.PREVENT,
        lead_unit=reg.team,
        support_units=[reg.property1],
        tasks="汛前排查",
    )
    assert (duty.category, duty.hazard_class, duty.subject_label) == (
        None,
        "natural",
        "Natural disaster",
    )
    assert changes() == 1
    with pytest.raises(ValidationFailed) as err:
        services.create_duty(
            actor=street_admin,
            hazard_class=NATURAL,
            area=t.street,
            phase="prevent",
            lead_unit=reg.city,
        )
    assert err.value.field == "hazard_class" and "already has an active duty" in str(err.value)
    both: dict[str, Any] = {"category": reg.c01, "hazard_class": NATURAL}
    for kwargs in ({}, both):
        with pytest.raises(ValidationFailed) as err:
            services.create_duty(actor=street_admin, area=t.street, lead_unit=reg.team, **kwargs)
        assert "either a case category or a hazard class" in str(err.value)
    with pytest.raises(ValidationFailed) as err:
        services.create_duty(
            actor=street_admin, hazard_class="volcano", area=t.street, lead_unit=reg.team
        )
    assert err.value.field == "hazard_class"
    assert changes() == 1
    services.deactivate_duty(actor=street_admin, duty=duty)
    again = services.create_duty(
        actor=street_admin, hazard_class=NATURAL, area=t.street, phase="prevent", lead_unit=reg.city
    )
    with pytest.raises(ValidationFailed):
        services.reactivate_duty(actor=street_admin, duty=duty)
    services.deactivate_duty(actor=street_admin, duty=again)
    assert services.reactivate_duty(actor=street_admin, duty=duty).active


def test_api_hazard_duties(reg: Registers, client_for: Any, street_admin: User) -> None:
    t = reg.tree
    case_rule = reg.duty(reg.c01, t.street, reg.team)
    client = client_for(street_admin)
    r = client.post(
        "/api/registers/duties",
        json.dumps(
            {
                "hazard_class": "natural",
                "area_code": t.street.code,
                "phase": "recover",
                "lead_unit_id": reg.team.pk,
                "support_unit_ids": [reg.property1.pk],
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["category_code"], body["hazard_class"], body["hazard_class_label"]) == (
        None,
        "natural",
        "Natural disaster",
    )
    r = client.post(
        "/api/registers/duties",
        json.dumps({"area_code": t.street.code, "lead_unit_id": reg.team.pk}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "either a case category or a hazard class" in r.content.decode()
    ids = lambda q: [d["id"] for d in client.get(f"/api/registers/duties{q}").json()]  # noqa: E731
    assert ids("?hazard_class=natural") == [body["id"]]
    assert ids("?kind=case") == [case_rule.pk]
    assert ids("?kind=hazard&phase=respond") == []
    assert ids(f"?area={t.community1.code}&hazard_class=natural") == [body["id"]]
    assert sorted(ids("")) == sorted([case_rule.pk, body["id"]])


def test_pages_show_and_create_hazard_duties(
    reg: Registers, client_for: Any, street_admin: User
) -> None:
    t = reg.tree
    client = client_for(street_admin)
    url = f"/registers/duties/new/?area={t.street.code}"
    r = client.post(url, {"phase": "respond", "lead_unit": reg.team.pk})
    assert r.status_code == 422
    assert "either a case category or a hazard class" in r.content.decode()
    r = client.post(
        url,
        {"hazard_class": "natural", "phase": "respond", "lead_unit": reg.team.pk, "tasks": "抢险"},
    )
    assert r.status_code == 302
    duty = Duty.objects.get()
    assert (duty.hazard_class, duty.category_id, duty.tasks) == ("natural", None, "抢险")
    html = client.get("/registers/?hazard_class=natural").content.decode()
    assert f'data-duty="{duty.pk}"' in html and 'data-hazard="natural"' in html
    html = client.get("/registers/?hazard_class=-").content.decode()
    assert f'data-duty="{duty.pk}"' not in html
    html = client.get(f"/registers/duties/{duty.pk}/edit/").content.decode()
    assert 'name="hazard_class"' not in html and "Natural disaster" in html
