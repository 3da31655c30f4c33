"""The demo's call-ups and the incident summary the command dashboard reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.people.models import Volunteer
from resigrid.response.callups.models import CallUp, VolunteerAccount
from resigrid.response.callups.summary import CallUpSummary, for_incident
from resigrid.response.incidents.models import Incident
from resigrid.web.demo import response_callups
from tests.factories import UserFactory
from tests.response.callups.conftest import Crew, make_volunteer

pytestmark = pytest.mark.django_db


def test_demo_seed_and_summary(crew: Crew, community_admin: User) -> None:
    UserFactory(username="secretary")
    UserFactory(username="resident")
    for i in range(4):
        make_volunteer(crew.tree, f"补{i}", 120.03 + i / 100, 30.02, ["logistics"], login=False)
    incident = Incident.objects.create(
        title="东湖暴雨内涝",
        hazard_class="natural",
        area=crew.tree.community1,
        level="4",
        opened_by=community_admin,
    )
    VolunteerAccount.objects.all().delete()  # the demo gives the login to one of them
    empty = for_incident(incident)
    assert empty == CallUpSummary(0, 0, 0, 0, 0.0)
    counts = response_callups.seed(
        seed=1, street_id=crew.tree.street.pk, community_ids=[crew.tree.community1.pk]
    )
    assert counts == {
        "callups": 2,
        "callup_signups": 11,
        "callup_assignments": 6,
        "callup_accounts": 1,
    }
    past = CallUp.objects.get(title="防汛沙袋搬运")
    assert past.incident == incident
    assert for_incident(incident) == CallUpSummary(
        needs_open=0, slots=6, confirmed=6, reported_back=4, hours=14.5
    )
    total = sum(Volunteer.objects.values_list("service_hours", flat=True), Decimal(0))
    assert total == Decimal("14.5")
    # The demo volunteer logs in and sees their page with the open need.
    client = Client()
    client.force_login(User.objects.get(username="volunteer"))
    html = client.get(reverse("callups:open")).content.decode()
    assert "协助转移独居老人" in html and 'data-state="reported"' in html
