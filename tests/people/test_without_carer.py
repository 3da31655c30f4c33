"""The "vulnerable without an active carer" list leaves out people who have moved out, as the
per-grid counts do (a move-out dated later than today still counts the person)."""

from __future__ import annotations

import datetime as dt

import time_machine

from resigrid.people import care
from resigrid.people.models import Person, Vulnerability

TODAY = dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC)  # 2026-06-01 12:00 in Asia/Shanghai


def _tag(person: Person, tag: str = "chronic_illness") -> None:
    Vulnerability.objects.create(person=person, grid=person.grid, tag=tag)


@time_machine.travel(TODAY)
def test_moved_out_people_are_not_listed_nor_counted(people, community_admin, client_for):
    _tag(people.old, "living_alone")
    _tag(people.young)
    _tag(people.far)
    # Moved out yesterday: gone. Moving out tomorrow: still a resident today.
    Person.objects.filter(pk=people.young.pk).update(moved_out=dt.date(2026, 5, 31))
    Person.objects.filter(pk=people.far.pk).update(moved_out=dt.date(2026, 6, 2))

    assert list(Person.objects.without_active_carer().order_by("pk")) == [people.old, people.far]
    assert list(Person.objects.without_active_carer(dt.date(2026, 6, 2))) == [people.old]

    client = client_for(community_admin)
    listed = client.get("/api/people/vulnerable/without-carer").json()
    assert listed["count"] == 1
    assert [r["id"] for r in listed["results"]] == [people.old.pk]
    counts = {
        r["grid_code"]: r["without_carer"]
        for r in client.get("/api/people/vulnerable/counts").json()
    }
    assert counts == {"330106001001001": 1, "330106001001002": 0}


@time_machine.travel(TODAY)
def test_moving_out_today_leaves_the_list(people, grid_worker):
    _tag(people.old, "living_alone")
    assert list(Person.objects.without_active_carer()) == [people.old]
    Person.objects.filter(pk=people.old.pk).update(moved_out=dt.date(2026, 6, 1))
    assert list(Person.objects.without_active_carer()) == []
    # A carer paired later changes nothing for someone who has left.
    care.add_carer(actor=grid_worker, person=people.old, kind="neighbour", name="邻居")
    assert list(Person.objects.without_active_carer()) == []
