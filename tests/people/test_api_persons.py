"""Persons through the API: masking, unmasking and its log, scopes, validation, lookup."""

from __future__ import annotations

import datetime as dt

import time_machine

from resigrid.accounts.models import PersonalDataAccess
from resigrid.people.models import Person
from tests.people.conftest import make_id

URL = "/api/people/persons"


def test_detail_is_masked_even_for_the_secretary(people, community_admin, client_for):
    body = client_for(community_admin).get(f"{URL}/{people.old.pk}").json()
    assert body["id_number"] == people.id_old[:6] + "********" + people.id_old[-4:]
    assert body["phone"] == "139****5678"
    assert body["can_unmask"] is True
    assert PersonalDataAccess.objects.count() == 0


def test_unmask_returns_plaintext_and_logs_one_row(people, community_admin, client_for):
    response = client_for(community_admin).get(f"{URL}/{people.old.pk}/unmasked")
    assert response.status_code == 200
    assert response.json() == {
        "id": people.old.pk,
        "id_number": people.id_old,
        "phone": "13912345678",
    }
    row = PersonalDataAccess.objects.get()
    assert (row.user, row.action, row.subject, row.object_ids, row.fields, row.row_count) == (
        community_admin,
        "unmasked_read",
        "people.person",
        [people.old.pk],
        ["id_number", "phone"],
        1,
    )
    assert row.scope == "330106001001001"


def test_grid_worker_may_not_unmask(people, grid_worker, client_for):
    response = client_for(grid_worker).get(f"{URL}/{people.old.pk}/unmasked")
    assert response.status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_grid_worker_sees_only_own_grid(people, grid_worker, client_for):
    client = client_for(grid_worker)
    body = client.get(URL).json()
    assert [r["name"] for r in body["results"]] == ["王大爷", "王小妹"]
    assert body["count"] == 2
    assert client.get(f"{URL}/{people.far.pk}").status_code == 404


def test_street_staff_get_no_names_by_tag_but_counts(people, street_admin, client_for):
    from resigrid.people.models import Vulnerability

    Vulnerability.objects.create(person=people.old, grid=people.old.grid, tag="living_alone")
    client = client_for(street_admin)
    listed = client.get(URL).json()
    assert listed["count"] == 3
    assert all(r["tags"] is None for r in listed["results"])
    assert client.get(URL, {"tag": "living_alone"}).json()["count"] == 0
    assert client.get(f"{URL}/{people.old.pk}/vulnerability").status_code == 403
    counts = {
        r["grid_code"]: r["vulnerable"] for r in client.get("/api/people/vulnerable/counts").json()
    }
    assert counts == {"330106001001001": 1, "330106001001002": 0, "330106001002001": 0}


def test_lookup_by_id_number_and_phone(people, community_admin, client_for):
    client = client_for(community_admin)
    assert [
        r["id"] for r in client.get(URL, {"id_number": people.id_old.lower()}).json()["results"]
    ] == [people.old.pk]
    assert [r["id"] for r in client.get(URL, {"phone": "139-1234-5678"}).json()["results"]] == [
        people.old.pk
    ]
    bad = client.get(URL, {"id_number": people.id_old[:17] + "0"})
    assert bad.status_code == 422


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))
def test_age_filter_counts_from_today(people, community_admin, client_for):
    client = client_for(community_admin)
    names = [r["name"] for r in client.get(URL, {"min_age": 76}).json()["results"]]
    assert names == ["王大爷"]
    assert client.get(URL, {"min_age": 77}).json()["count"] == 0
    # Born 2010-06-01: 16 years old today, so "at most 15" no longer includes her.
    assert [r["name"] for r in client.get(URL, {"max_age": 16}).json()["results"]] == ["王小妹"]
    assert client.get(URL, {"max_age": 15}).json()["count"] == 0
    assert client.get(URL, {"max_age": 15, "min_age": 16}).status_code == 422


def _payload(people, **extra):
    return {"household_id": people.home11.pk, "name": "张三", **extra}


def test_create_derives_birth_and_sex_from_id(people, grid_worker, client_for):
    idn = make_id(dt.date(1990, 5, 6), 333)
    response = client_for(grid_worker).post(
        URL, _payload(people, id_number=idn, phone="13800001111"), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["birth_date"], body["sex"], body["building_id"]) == (
        "1990-05-06",
        "M",
        people.tree.building11.pk,
    )
    stored = Person.objects.get(pk=body["id"])
    assert idn not in (stored.id_number_enc or "")
    assert stored.id_number_hash and len(stored.id_number_hash) == 64


def test_create_bad_check_digit_phone_and_building_names_fields(people, grid_worker, client_for):
    from resigrid.areas.models import Building

    other = Building.objects.create(grid=people.tree.grid12, name="9号楼", lon=120.15, lat=30.05)
    idn = make_id(dt.date(1990, 5, 6), 333)
    wrong = idn[:17] + ("0" if idn[17] != "0" else "1")
    before = Person.objects.count()
    response = client_for(grid_worker).post(
        URL,
        _payload(people, id_number=wrong, phone="12345", building_id=other.pk),
        content_type="application/json",
    )
    assert response.status_code == 422
    fields = sorted({d["loc"][-1] for d in response.json()["detail"]})
    # The grid worker cannot see grid 12's building at all: it is "no such building".
    assert fields == ["building_id"]
    assert Person.objects.count() == before


def test_create_reports_every_bad_field(people, community_admin, client_for):
    from resigrid.areas.models import Building

    other = Building.objects.create(grid=people.tree.grid12, name="9号楼", lon=120.15, lat=30.05)
    idn = make_id(dt.date(1990, 5, 6), 333)
    wrong = idn[:17] + ("0" if idn[17] != "0" else "1")
    response = client_for(community_admin).post(
        URL,
        _payload(people, id_number=wrong, phone="12345", building_id=other.pk),
        content_type="application/json",
    )
    assert response.status_code == 422
    detail = {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}
    assert sorted(detail) == ["birth_date", "building", "id_number", "phone", "sex"]
    assert "check digit" in detail["id_number"]
    assert "another grid" in detail["building"]


def test_birth_date_must_agree_with_id(people, grid_worker, client_for):
    idn = make_id(dt.date(1990, 5, 6), 334)
    response = client_for(grid_worker).post(
        URL,
        _payload(people, id_number=idn, birth_date="1990-05-07", sex="M"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert sorted(d["loc"][-1] for d in response.json()["detail"]) == ["birth_date", "sex"]


def test_duplicate_id_names_grid_only_when_visible(
    people, grid_worker, community_admin, client_for
):
    client = client_for(grid_worker)
    same_grid = client.post(
        URL, _payload(people, id_number=people.id_old), content_type="application/json"
    )
    assert same_grid.status_code == 422
    assert same_grid.json()["detail"][0]["msg"] == (
        "This ID number is already registered, in grid 东湖一网格."
    )
    hidden = client.post(
        URL, _payload(people, id_number=people.id_far), content_type="application/json"
    )
    assert hidden.json()["detail"][0]["msg"] == (
        "This ID number is already registered, in a grid outside your scope."
    )
    assert Person.objects.count() == 3


def test_writes_need_edit_permission(people, street_admin, client_for):
    before = list(Person.objects.values_list("pk", "name"))
    response = client_for(street_admin).patch(
        f"{URL}/{people.old.pk}", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert list(Person.objects.values_list("pk", "name")) == before


def test_patch_clears_phone_and_keeps_id(people, grid_worker, client_for):
    response = client_for(grid_worker).patch(
        f"{URL}/{people.old.pk}",
        {"phone": None, "notes": "腿脚不便"},
        content_type="application/json",
    )
    assert response.status_code == 200
    people.old.refresh_from_db()
    assert (people.old.phone_enc, people.old.phone_hash, people.old.notes) == (
        None,
        None,
        "腿脚不便",
    )
    assert people.old.id_number_hash is not None


def test_patch_birth_date_checked_against_stored_id(people, grid_worker, client_for):
    response = client_for(grid_worker).patch(
        f"{URL}/{people.old.pk}", {"birth_date": "1951-01-01"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "birth_date"]
