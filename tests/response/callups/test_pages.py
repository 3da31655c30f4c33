"""The call-up pages: coordinator list/create/detail/propose/confirm, the volunteer's page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import User
from resigrid.response.callups.models import AssignmentState, CallUp
from tests.response.callups.conftest import NOW, TZ, Crew, make_callup, user_of

pytestmark = pytest.mark.django_db


def as_user(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_coordinator_pages(crew: Crew, community_admin: User, resident: User) -> None:
    boss = as_user(community_admin)
    url = reverse("callups:list")
    assert boss.get(url).status_code == 200
    form = {
        "title": "防汛沙袋搬运",
        "area": crew.tree.grid11.pk,
        "skills": ["rescue"],
        "count": "1",
        "lon": "120.05",
        "lat": "30.05",
        "starts_at": "2026-07-04T09:00",
        "ends_at": "2026-07-04T08:00",
        "publish": "on",
    }
    r = boss.post(url, form)
    assert r.status_code == 200
    assert "The call-up must end after it starts." in r.content.decode()
    r = boss.post(url, {**form, "ends_at": "2026-07-04T12:00"})
    callup = CallUp.objects.get()
    assert r.headers["Location"] == reverse("callups:detail", args=[callup.pk])
    assert callup.starts_at == dt.datetime(2026, 7, 4, 9, 0, tzinfo=TZ)
    jia = as_user(user_of(crew.jia))
    jia.post(reverse("callups:volunteer_move", args=[callup.pk, "signup"]))
    boss = as_user(community_admin)
    boss.post(reverse("callups:move", args=[callup.pk, "propose"]))
    html = boss.get(reverse("callups:detail", args=[callup.pk])).content.decode()
    assert "signed up for this window" in html and 'id="callup-map"' in html
    a = callup.assignments.get()
    boss.post(reverse("callups:move", args=[callup.pk, "confirm"]), {"assignment": [a.pk]})
    a.refresh_from_db()
    assert a.state == AssignmentState.CONFIRMED
    # A resident without the right: 403 on the list and on any detail.
    assert as_user(resident).get(url).status_code == 403
    other = make_callup(community_admin, crew.tree, area=crew.tree.grid12)
    assert as_user(resident).get(reverse("callups:detail", args=[other.pk])).status_code == 403


def test_volunteer_page(crew: Crew, community_admin: User) -> None:
    callup = make_callup(community_admin, crew.tree, count=1)
    jia = as_user(user_of(crew.jia))
    page = reverse("callups:open")
    html = jia.get(page).content.decode()
    assert f'data-need="{callup.pk}"' in html
    assert "No tasks yet." in html
    r = jia.post(reverse("callups:volunteer_move", args=[callup.pk, "signup"]), follow=True)
    assert "Signed up." in r.content.decode()
    from resigrid.response.callups import assign

    assign.propose_assignment(actor=community_admin, callup=callup)
    (task,) = assign.confirm(actor=community_admin, callup=callup)
    with time_machine.travel(dt.datetime(2026, 7, 4, 13, 0, tzinfo=TZ), tick=False):
        jia = as_user(user_of(crew.jia))
        r = jia.post(
            reverse("callups:report", args=[task.pk]),
            {"report": "完成", "hours": "30"},
            follow=True,
        )
        assert "at most 3.0" in r.content.decode()
        r = jia.post(
            reverse("callups:report", args=[task.pk]),
            {"report": "完成", "hours": "2.5"},
            follow=True,
        )
        html = r.content.decode()
    assert "Thank you! Your service hours were recorded." in html
    assert 'data-state="reported"' in html
    # Not a volunteer: 403.
    assert as_user(community_admin).get(page).status_code == 403


def test_from_an_incident_the_form_starts_with_its_area_place_and_time(
    crew: Crew, community_admin: User
) -> None:
    from resigrid.registers.choices import HazardClass, ResponseLevel
    from resigrid.response.incidents.models import Incident

    area = crew.tree.community1
    area.centroid_lon, area.centroid_lat = 120.05, 30.05
    area.save(update_fields=["centroid_lon", "centroid_lat"])
    incident = Incident.objects.create(
        title="内涝",
        hazard_class=HazardClass.NATURAL,
        area=area,
        level=ResponseLevel.II,
        opened_by=community_admin,
    )
    boss = as_user(community_admin)
    page = boss.get(reverse("callups:list") + f"?incident={incident.pk}")
    initial = page.context["form"].initial
    start = NOW.astimezone(TZ).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    assert (initial["incident"], initial["area"], initial["lon"], initial["lat"]) == (
        str(incident.pk),
        area.pk,
        120.05,
        30.05,
    )
    assert (initial["starts_at"], initial["ends_at"]) == (start, start + dt.timedelta(hours=4))
    body = page.content.decode()
    assert f'value="{start:%Y-%m-%dT%H:%M}"' in body
    # Unknown or foreign incidents prefill nothing but the raw choice.
    assert boss.get(reverse("callups:list") + "?incident=999999").context["form"].initial == {
        "incident": "999999"
    }
    assert boss.get(reverse("callups:list") + "?incident=x").context["form"].initial == {}
