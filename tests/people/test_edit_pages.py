"""People edit pages: households, residents, vulnerability, carers, volunteers.

Every write goes through the services; their errors come back as translated field errors with
nothing written; outside the scope is 404, without the permission 403, and a denied POST changes
nothing (compared with a snapshot of every people table).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from resigrid.accounts.models import PersonalDataAccess
from resigrid.areas.models import Building
from resigrid.core import pii
from resigrid.people import care, rules, volunteers
from resigrid.people.models import (
    Carer,
    EmergencyNeed,
    Household,
    Person,
    Volunteer,
    VolunteerCertificate,
    VolunteerService,
    VolunteerSkill,
    Vulnerability,
)
from tests.people.conftest import People, make_id

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NOW = dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC)  # 12:00 in Shanghai

pytestmark = pytest.mark.django_db


def errors(response: Any) -> dict[str, list[str]]:
    """The field errors a page shows, by field name (`__all__` for the form's own)."""
    found: dict[str, list[str]] = {}
    for field, text in re.findall(r'data-error="([\w]+)">([^<]*)<', response.content.decode()):
        found.setdefault(field, []).append(html.unescape(text).strip())
    return found


def snapshot() -> dict[str, list[Any]]:
    """Every row of the people tables (updated_at included: a save without change shows)."""
    models: list[Any] = [
        Household,
        Person,
        Vulnerability,
        EmergencyNeed,
        Carer,
        Volunteer,
        VolunteerSkill,
        VolunteerCertificate,
        VolunteerService,
    ]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


@pytest.fixture
def building12(people: People) -> Building:
    return Building.objects.create(grid=people.tree.grid12, name="2号楼", lon=120.15, lat=30.05)


# Households -------------------------------------------------------------------------------------


def test_secretary_creates_a_household(people, community_admin, client_for):
    before = set(Household.objects.values_list("pk", flat=True))
    response = client_for(community_admin).post(
        "/people/households/new/",
        {"grid": people.tree.grid11.pk, "building": people.tree.building11.pk, "room": " 302 "},
    )
    made = Household.objects.exclude(pk__in=before).get()
    assert response.status_code == 302
    assert response["Location"] == f"/people/households/{made.pk}/"
    assert (made.grid_id, made.building_id, made.room) == (
        people.tree.grid11.pk,
        people.tree.building11.pk,
        "302",
    )


def test_household_building_of_another_grid_is_a_translated_field_error(
    people, community_admin, client_for, building12
):
    before = snapshot()
    response = client_for(community_admin).post(
        "/people/households/new/",
        {"grid": people.tree.grid11.pk, "building": building12.pk, "room": "1"},
        **ZH,
    )
    assert response.status_code == 422
    assert errors(response) == {"building": ["楼栋2号楼属于其他网格，不在东湖一网格内。"]}
    assert snapshot() == before


def test_household_grid_outside_scope_cannot_be_chosen(people, grid_worker, client_for):
    client = client_for(grid_worker)
    page = client.get("/people/households/new/").content.decode()
    assert people.tree.grid11.name in page and people.tree.grid12.name not in page
    before = snapshot()
    response = client.post("/people/households/new/", {"grid": people.tree.grid12.pk})
    assert response.status_code == 422
    assert list(errors(response)) == ["grid"]
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["street_admin", "outsider", "resident"])
def test_household_create_denied_without_edit_right(people, persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    before = snapshot()
    assert client.get("/people/households/new/").status_code == 403
    response = client.post("/people/households/new/", {"grid": people.tree.grid11.pk})
    assert response.status_code == 403
    assert snapshot() == before


def test_building_options_follow_the_grid_in_scope(people, grid_worker, client_for, building12):
    client = client_for(grid_worker)
    mine = client.get(f"/people/households/buildings/?grid={people.tree.grid11.pk}")
    assert re.findall(r'<option value="(\d*)">', mine.content.decode()) == [
        "",
        str(people.tree.building11.pk),
    ]
    other = client.get(f"/people/households/buildings/?grid={people.tree.grid12.pk}")
    assert re.findall(r'<option value="(\d*)">', other.content.decode()) == [""]


def test_household_edit_changes_room_and_building(people, grid_worker, client_for):
    response = client_for(grid_worker).post(
        f"/people/households/{people.home11.pk}/edit/", {"building": "", "room": "102"}
    )
    assert response.status_code == 302
    people.home11.refresh_from_db()
    assert (people.home11.building_id, people.home11.room) == (None, "102")


def test_household_edit_refusals(people, grid_worker, street_admin, client_for, building12):
    before = snapshot()
    client = client_for(grid_worker)
    assert client.get(f"/people/households/{people.home21.pk}/edit/").status_code == 404
    assert client.post(f"/people/households/{people.home21.pk}/edit/", {}).status_code == 404
    response = client.post(
        f"/people/households/{people.home11.pk}/edit/", {"building": building12.pk, "room": "9"}
    )
    assert response.status_code == 422  # 2号楼 is in grid 12, the household in grid 11
    assert list(errors(response)) == ["building"]
    client = client_for(street_admin)
    assert client.get(f"/people/households/{people.home11.pk}/edit/").status_code == 403
    response = client.post(f"/people/households/{people.home11.pk}/edit/", {"room": "9"})
    assert response.status_code == 403
    assert snapshot() == before


# Adding a member --------------------------------------------------------------------------------


def member(**extra: Any) -> dict[str, Any]:
    return {"name": "赵敏", "residence_type": "resident", **extra}


@time_machine.travel(NOW)
def test_member_with_id_number_gets_birth_date_and_sex(people, grid_worker, client_for):
    id_number = make_id(dt.date(1985, 7, 9), 124)  # even: a woman
    response = client_for(grid_worker).post(
        f"/people/households/{people.home11.pk}/members/new/",
        member(
            id_number=id_number.lower(),
            phone="138 0013 8000",
            building=people.tree.building11.pk,
            moved_in="2020-05-01",
            is_head="on",
        ),
    )
    person = Person.objects.get(name="赵敏")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert (
        person.household_id,
        person.grid_id,
        person.building_id,
        person.sex,
        person.birth_date,
        person.residence_type,
        person.moved_in,
        person.is_head,
    ) == (
        people.home11.pk,
        people.tree.grid11.pk,
        people.tree.building11.pk,
        "F",
        dt.date(1985, 7, 9),
        "resident",
        dt.date(2020, 5, 1),
        True,
    )
    assert pii.decrypt(person.id_number_enc or "") == id_number
    assert person.id_number_hash == pii.keyed_hash(id_number)
    assert pii.decrypt(person.phone_enc or "") == "13800138000"


@time_machine.travel(NOW)
def test_member_without_id_needs_sex_and_birth_date(people, grid_worker, client_for):
    client = client_for(grid_worker)
    before = snapshot()
    url = f"/people/households/{people.home11.pk}/members/new/"
    response = client.post(url, member())
    assert response.status_code == 422
    assert errors(response) == {
        "sex": ["Choose the sex, or give an ID number."],
        "birth_date": ["Give the birth date, or an ID number."],
    }
    assert snapshot() == before
    response = client.post(url, member(sex="M", birth_date="2001-02-03"))
    assert response.status_code == 302
    assert Person.objects.filter(name="赵敏").values_list("sex", "birth_date").get() == (
        "M",
        dt.date(2001, 2, 3),
    )


def _wrong_check_digit(people: People) -> str:
    good = make_id(dt.date(1985, 7, 9), 124)
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("check_digit", {"id_number": ["身份证号码校验位错误，请检查是否输入有误。"]}),
        ("duplicate", {"id_number": ["该身份证号码已在网格东湖一网格登记。"]}),
        (
            "phone",
            {"phone": ["不是有效的大陆电话号码：请填写11位手机号码或带区号的固定电话。"]},
        ),
        ("building", {"building": ["楼栋2号楼属于其他网格，不在东湖一网格内。"]}),
        ("moved_out", {"moved_out": ["迁出日期早于迁入日期。"]}),
    ],
)
@time_machine.travel(NOW)
def test_member_bad_input_is_a_translated_field_error_and_nothing_is_written(
    people, community_admin, client_for, building12, case, expected
):
    data = {
        "check_digit": member(
            id_number=_wrong_check_digit(people), sex="F", birth_date="1985-07-09"
        ),
        "duplicate": member(id_number=people.id_old),
        "phone": member(sex="F", birth_date="1990-01-01", phone="12345"),
        "building": member(sex="F", birth_date="1990-01-01", building=building12.pk),
        "moved_out": member(
            sex="F", birth_date="1990-01-01", moved_in="2024-01-02", moved_out="2023-01-01"
        ),
    }[case]
    before = snapshot()
    response = client_for(community_admin).post(
        f"/people/households/{people.home11.pk}/members/new/", data, **ZH
    )
    assert response.status_code == 422
    assert errors(response) == expected
    assert snapshot() == before
    assert "赵敏" in response.content.decode()  # the form keeps what was typed


def test_member_create_scope_and_permission(people, grid_worker, street_admin, client_for):
    before = snapshot()
    url = f"/people/households/{people.home21.pk}/members/new/"
    client = client_for(grid_worker)
    assert client.get(url).status_code == 404
    assert client.post(url, member(sex="F", birth_date="1990-01-01")).status_code == 404
    url = f"/people/households/{people.home11.pk}/members/new/"
    client = client_for(street_admin)
    assert client.get(url).status_code == 403
    assert client.post(url, member(sex="F", birth_date="1990-01-01")).status_code == 403
    assert snapshot() == before


# Editing a resident -----------------------------------------------------------------------------


def edit_form(person: Person, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser posts it unchanged (ID number and phone blank)."""
    data: dict[str, Any] = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "residence_type": person.residence_type,
        "building": person.building_id or "",
        "ethnicity": person.ethnicity,
        "moved_in": person.moved_in.isoformat() if person.moved_in else "",
        "moved_out": person.moved_out.isoformat() if person.moved_out else "",
        "notes": person.notes,
        "id_number": "",
        "phone": "",
    }
    if person.is_head:
        data["is_head"] = "on"
    data.update(changes)
    return data


def _input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag is not None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


@pytest.mark.parametrize("persona", ["grid_worker", "community_admin"])
def test_edit_form_never_prefills_id_number_or_phone(people, persona, request, client_for):
    page = client_for(request.getfixturevalue(persona)).get(f"/people/{people.old.pk}/edit/")
    text = page.content.decode()
    assert page.status_code == 200
    assert people.id_old not in text and "13912345678" not in text
    assert _input_value(text, "id_number") is None
    assert _input_value(text, "phone") is None
    assert pii.mask_id_number(people.id_old) in text and "139****5678" in text
    assert _input_value(text, "name") == "王大爷"
    assert PersonalDataAccess.objects.count() == 0


@time_machine.travel(NOW)
def test_edit_keeps_blank_id_number_and_changes_phone(people, grid_worker, client_for):
    old_id = (people.old.id_number_enc, people.old.id_number_hash)
    response = client_for(grid_worker).post(
        f"/people/{people.old.pk}/edit/",
        edit_form(people.old, name="王大爷爷", phone="+86 137 0000 1111", ethnicity="汉族"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{people.old.pk}/"
    people.old.refresh_from_db()
    assert (people.old.id_number_enc, people.old.id_number_hash) == old_id
    assert pii.decrypt(people.old.phone_enc or "") == "13700001111"
    assert people.old.phone_hash == pii.keyed_hash("13700001111")
    assert (people.old.name, people.old.ethnicity, people.old.sex, people.old.birth_date) == (
        "王大爷爷",
        "汉族",
        "M",
        dt.date(1950, 3, 4),
    )


@time_machine.travel(NOW)
def test_edit_new_id_number_brings_its_birth_date(people, grid_worker, client_for):
    id_number = make_id(dt.date(2010, 6, 2), 226)
    response = client_for(grid_worker).post(
        f"/people/{people.young.pk}/edit/", edit_form(people.young, id_number=id_number)
    )
    assert response.status_code == 302
    people.young.refresh_from_db()
    assert (people.young.birth_date, people.young.sex) == (dt.date(2010, 6, 2), "F")
    assert pii.decrypt(people.young.id_number_enc or "") == id_number


@time_machine.travel(NOW)
def test_edit_removes_the_phone(people, grid_worker, client_for):
    response = client_for(grid_worker).post(
        f"/people/{people.old.pk}/edit/", edit_form(people.old, clear_phone="on")
    )
    assert response.status_code == 302
    people.old.refresh_from_db()
    assert (people.old.phone_enc, people.old.phone_hash) == (None, None)
    assert people.old.id_number_hash == pii.keyed_hash(people.id_old)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"id_number": "330106201006021239"},
            {"id_number": ["身份证号码校验位错误，请检查是否输入有误。"]},
        ),
        ("duplicate", {"id_number": ["该身份证号码已在网格东湖一网格登记。"]}),
        (
            {"phone": "1391234"},
            {"phone": ["不是有效的大陆电话号码：请填写11位手机号码或带区号的固定电话。"]},
        ),
        ("building", {"building": ["楼栋2号楼属于其他网格，不在东湖一网格内。"]}),
        ({"birth_date": "2010-06-03"}, "birth_date"),
        ({"phone": "13700001111", "clear_phone": "on"}, "clear_phone"),
        ({"household": "999999"}, {"household": ["该住户不存在。"]}),
    ],
)
@time_machine.travel(NOW)
def test_edit_bad_input_writes_nothing(
    people, community_admin, client_for, building12, changes, expected
):
    if changes == "duplicate":
        changes = {"id_number": people.id_old}
    elif changes == "building":
        changes = {"building": building12.pk}
    # 王小妹 has no ID number, so give her one first; then every bad change must leave it.
    own_id = make_id(dt.date(2010, 6, 1), 224)
    Person.objects.filter(pk=people.young.pk).update(
        id_number_enc=pii.encrypt(own_id), id_number_hash=pii.keyed_hash(own_id)
    )
    people.young.refresh_from_db()
    before = snapshot()
    response = client_for(community_admin).post(
        f"/people/{people.young.pk}/edit/", edit_form(people.young, **changes), **ZH
    )
    assert response.status_code == 422
    if isinstance(expected, str):  # only the field is fixed: the message is checked elsewhere
        assert list(errors(response)) == [expected]
    else:
        assert errors(response) == expected
    assert snapshot() == before


@time_machine.travel(NOW)
def test_edit_moves_to_another_household_with_its_building(
    people, community_admin, grid_worker, client_for, building12
):
    target = Household.objects.create(grid=people.tree.grid12, building=building12, room="7")
    before = snapshot()
    # The grid worker may not move people into grid 12: that household is not theirs.
    response = client_for(grid_worker).post(
        f"/people/{people.young.pk}/edit/", edit_form(people.young, household=target.pk)
    )
    assert response.status_code == 422
    assert errors(response) == {"household": ["No such household."]}
    assert snapshot() == before
    response = client_for(community_admin).post(
        f"/people/{people.young.pk}/edit/", edit_form(people.young, household=target.pk)
    )
    assert response.status_code == 302
    people.young.refresh_from_db()
    assert (people.young.household_id, people.young.grid_id, people.young.building_id) == (
        target.pk,
        people.tree.grid12.pk,
        building12.pk,
    )


def test_edit_scope_and_permission(people, grid_worker, street_admin, client_for):
    before = snapshot()
    client = client_for(grid_worker)
    assert client.get(f"/people/{people.far.pk}/edit/").status_code == 404
    assert client.post(f"/people/{people.far.pk}/edit/", edit_form(people.far)).status_code == 404
    client = client_for(street_admin)
    assert client.get(f"/people/{people.old.pk}/edit/").status_code == 403
    response = client.post(f"/people/{people.old.pk}/edit/", edit_form(people.old, name="改名"))
    assert response.status_code == 403
    assert snapshot() == before


# Vulnerability ----------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_vulnerability_is_replaced_with_what_the_form_holds(people, grid_worker, client_for):
    care.set_vulnerability(
        actor=grid_worker,
        person=people.old,
        tags=[care.TagEntry("living_alone")],
        needs=[care.NeedEntry("oxygen")],
        health_notes="",
    )
    response = client_for(grid_worker).post(
        f"/people/{people.old.pk}/vulnerability/",
        {
            "tag_disabled": "on",
            "disability_category": "physical",
            "disability_grade": "2",
            "since_disabled": "2020-01-01",
            "tag_chronic_illness": "on",
            "need_mobility": "on",
            "detail_mobility": " 轮椅 ",
            "need_medicines": "on",
            "health_notes": "高血压",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{people.old.pk}/"
    assert list(
        Vulnerability.objects.filter(person=people.old)
        .order_by("tag")
        .values_list("tag", "disability_category", "disability_grade", "since", "grid")
    ) == [
        ("chronic_illness", "", None, None, people.tree.grid11.pk),
        ("disabled", "physical", 2, dt.date(2020, 1, 1), people.tree.grid11.pk),
    ]
    needs = {n.need: n.detail_enc for n in EmergencyNeed.objects.filter(person=people.old)}
    assert set(needs) == {"mobility", "medicines"}
    assert pii.decrypt(needs["mobility"] or "") == "轮椅"
    assert needs["medicines"] is None
    people.old.refresh_from_db()
    assert pii.decrypt(people.old.health_notes_enc or "") == "高血压"


def test_vulnerability_page_prefills_and_logs_free_text(people, grid_worker, client_for):
    care.set_vulnerability(
        actor=grid_worker,
        person=people.old,
        tags=[care.TagEntry("disabled", "visual", 1)],
        needs=[care.NeedEntry("medicines", "降压药")],
        health_notes="心脏不好",
    )
    page = client_for(grid_worker).get(f"/people/{people.old.pk}/vulnerability/")
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'name="tag_disabled"[^>]*checked', text)
    assert re.search(r'<option value="visual" selected>', text)
    assert _input_value(text, "detail_medicines") == "降压药"
    assert "心脏不好" in text
    log = PersonalDataAccess.objects.get()
    assert (log.user_id, log.action, log.object_ids, log.fields) == (
        grid_worker.pk,
        "unmasked_read",
        [people.old.pk],
        ["health_notes", "needs.detail"],
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"tag_disabled": "on"}, {"disability_category": ["请选择残疾类别。"]}),
        (
            {"tag_disabled": "on", "disability_category": "visual"},
            {"disability_grade": ["残疾等级为1、2、3或4级。"]},
        ),
        ({"tag_pregnant": "on"}, {"tag_pregnant": ["只有女性才能标记为孕产妇。"]}),
        ({"disability_category": "visual"}, "disability_category"),
    ],
)
@time_machine.travel(NOW)
def test_vulnerability_bad_input_writes_nothing(people, grid_worker, client_for, data, expected):
    care.set_vulnerability(
        actor=grid_worker,
        person=people.old,
        tags=[care.TagEntry("living_alone")],
        needs=[],
        health_notes="旧",
    )
    before = snapshot()
    response = client_for(grid_worker).post(
        f"/people/{people.old.pk}/vulnerability/", {**data, "health_notes": "新"}, **ZH
    )
    assert response.status_code == 422
    if isinstance(expected, str):
        assert list(errors(response)) == [expected]
    else:
        assert errors(response) == expected
    assert snapshot() == before


def test_vulnerability_scope_and_permission(people, grid_worker, street_admin, client_for):
    before = snapshot()
    client = client_for(grid_worker)
    assert client.get(f"/people/{people.far.pk}/vulnerability/").status_code == 404
    response = client.post(f"/people/{people.far.pk}/vulnerability/", {"tag_disabled": "on"})
    assert response.status_code == 404
    client = client_for(street_admin)  # sees the resident, not who is vulnerable
    assert client.get(f"/people/{people.old.pk}/vulnerability/").status_code == 403
    response = client.post(f"/people/{people.old.pk}/vulnerability/", {"tag_chronic_illness": "on"})
    assert response.status_code == 403
    assert snapshot() == before


# Carers -----------------------------------------------------------------------------------------


def test_carer_grid_worker_account(people, grid_worker, community_admin, client_for):
    client = client_for(community_admin)
    page = client.get(f"/people/{people.old.pk}/carers/new/").content.decode()
    # Accounts that may visit people in the grid: the grid worker and the secretary above it.
    assert set(re.findall(r'<option value="(\d+)"', page)) == {
        str(community_admin.pk),
        str(grid_worker.pk),
    }
    response = client.post(
        f"/people/{people.old.pk}/carers/new/", {"kind": "grid_worker", "user": grid_worker.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{people.old.pk}/#care"
    carer = Carer.objects.get()
    assert (carer.person_id, carer.kind, carer.user_id, carer.name, carer.active) == (
        people.old.pk,
        "grid_worker",
        grid_worker.pk,
        "网格员乙",
        True,
    )
    assert carer.carer_person_id is None


def test_carer_relative_from_the_household_and_neighbour_with_phone(
    people, grid_worker, client_for
):
    client = client_for(grid_worker)
    switched = client.get(f"/people/{people.old.pk}/carers/new/?kind=relative").content.decode()
    assert 'name="user"' not in switched
    assert f'<option value="{people.young.pk}">王小妹</option>' in switched
    assert (
        client.post(
            f"/people/{people.old.pk}/carers/new/",
            {"kind": "relative", "carer_person": people.young.pk},
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/people/{people.old.pk}/carers/new/",
            {"kind": "neighbour", "name": "邻居老李", "phone": "0571-8765 4321"},
        ).status_code
        == 302
    )
    rows = list(Carer.objects.order_by("pk"))
    assert [(c.kind, c.carer_person_id, c.name, c.user_id) for c in rows] == [
        ("relative", people.young.pk, "王小妹", None),
        ("neighbour", None, "邻居老李", None),
    ]
    assert pii.decrypt(rows[1].phone_enc or "") == "057187654321"


def test_carer_volunteer_choices_are_the_community_volunteers(people, grid_worker, client_for):
    volunteers.register_volunteer(actor=grid_worker, person=people.young, skills=[])
    page = client_for(grid_worker).get(f"/people/{people.old.pk}/carers/new/?kind=volunteer")
    text = page.content.decode()
    assert 'name="user"' not in text and 'name="name"' not in text
    assert re.findall(r'<option value="(\d+)">([^<]*)</option>', text) == [
        (str(people.young.pk), "王小妹 · 东湖一网格")
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"kind": "neighbour", "name": "邻居", "phone": "555"},
            {"phone": ["不是有效的大陆电话号码：请填写11位手机号码或带区号的固定电话。"]},
        ),
        ({"kind": "neighbour", "name": "  "}, {"name": ["请填写帮扶人姓名。"]}),
        ({"kind": "volunteer"}, {"carer_person": ["请选择已登记的志愿者。"]}),
        ({"kind": "grid_worker", "user": "outsider"}, "user"),
        ({"kind": "relative", "carer_person": "far"}, "carer_person"),
        ({"kind": "boss", "name": "x"}, "kind"),
    ],
)
def test_carer_bad_input_writes_nothing(people, grid_worker, outsider, client_for, data, expected):
    if data.get("user") == "outsider":
        data = {**data, "user": outsider.pk}
    if data.get("carer_person") == "far":
        data = {**data, "carer_person": people.far.pk}
    before = snapshot()
    response = client_for(grid_worker).post(f"/people/{people.old.pk}/carers/new/", data, **ZH)
    assert response.status_code == 422
    if isinstance(expected, str):
        assert list(errors(response)) == [expected]
    else:
        assert errors(response) == expected
    assert snapshot() == before


def test_carer_deactivate_and_reactivate(people, grid_worker, client_for):
    carer = care.add_carer(actor=grid_worker, person=people.old, kind="neighbour", name="老李")
    client = client_for(grid_worker)
    detail = client.get(f"/people/{people.old.pk}/").content.decode()
    assert f'action="/people/carers/{carer.pk}/active/"' in detail
    assert '老李 <span class="small">(Neighbour)' in detail  # the kind's label, not its code
    response = client.post(f"/people/carers/{carer.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/{people.old.pk}/#care"
    carer.refresh_from_db()
    assert carer.active is False
    assert 'data-action="reactivate"' in client.get(f"/people/{people.old.pk}/").content.decode()
    client.post(f"/people/carers/{carer.pk}/active/", {"active": "1"})
    carer.refresh_from_db()
    assert carer.active is True


def test_carer_scope_and_permission(people, grid_worker, street_admin, client_for):
    far_carer = care.add_carer(actor=_superuser(), person=people.far, kind="other", name="远方")
    mine = care.add_carer(actor=grid_worker, person=people.old, kind="neighbour", name="老李")
    before = snapshot()
    client = client_for(grid_worker)
    assert client.get(f"/people/{people.far.pk}/carers/new/").status_code == 404
    response = client.post(f"/people/{people.far.pk}/carers/new/", {"kind": "other", "name": "x"})
    assert response.status_code == 404
    response = client.post(f"/people/carers/{far_carer.pk}/active/", {"active": "0"})
    assert response.status_code == 404
    assert client.get(f"/people/carers/{mine.pk}/active/").status_code == 405
    client = client_for(street_admin)
    assert client.get(f"/people/{people.old.pk}/carers/new/").status_code == 403
    response = client.post(f"/people/{people.old.pk}/carers/new/", {"kind": "other", "name": "x"})
    assert response.status_code == 403
    # Street staff do not see carers at all (sensitive): the carer is not found for them.
    response = client.post(f"/people/carers/{mine.pk}/active/", {"active": "0"})
    assert response.status_code == 404
    assert snapshot() == before


def _superuser() -> Any:
    from tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True)


# Volunteers -------------------------------------------------------------------------------------


def test_register_volunteer_with_skills_and_availability(people, grid_worker, client_for):
    response = client_for(grid_worker).post(
        f"/people/{people.old.pk}/volunteer/new/",
        {"skills": ["medical", "driver"], "avail_5_0": "on", "avail_5_1": "on", "avail_0_2": "on"},
    )
    volunteer = Volunteer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/people/volunteers/{volunteer.pk}/"
    assert volunteer.person_id == people.old.pk
    assert volunteer.availability == rules.slot_bits([(5, 0), (5, 1), (0, 2)])
    assert (volunteer.home_lon, volunteer.home_lat) == (120.05, 30.05)  # the building's
    assert sorted(volunteer.skills.values_list("skill", flat=True)) == ["driver", "medical"]


def test_register_twice_or_half_a_location_writes_nothing(people, grid_worker, client_for):
    client = client_for(grid_worker)
    before = snapshot()
    response = client.post(
        f"/people/{people.old.pk}/volunteer/new/", {"skills": ["it"], "home_lon": "120.1"}, **ZH
    )
    assert response.status_code == 422
    assert errors(response) == {"home_lon": ["经度和纬度须同时填写或同时留空。"]}
    assert snapshot() == before
    volunteer = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    response = client.get(f"/people/{people.old.pk}/volunteer/new/")
    assert (response.status_code, response["Location"]) == (
        302,
        f"/people/volunteers/{volunteer.pk}/",
    )
    before = snapshot()
    response = client.post(f"/people/{people.old.pk}/volunteer/new/", {"skills": ["it"]}, **ZH)
    assert response.status_code == 422
    assert errors(response) == {"__all__": ["该居民已是志愿者。"]}
    assert snapshot() == before


def test_edit_volunteer_skills_availability_location(people, grid_worker, client_for):
    volunteer = volunteers.register_volunteer(
        actor=grid_worker, person=people.old, skills=["driver"], availability=1
    )
    client = client_for(grid_worker)
    page = client.get(f"/people/volunteers/{volunteer.pk}/").content.decode()
    assert re.search(r'name="avail_0_0"[^>]*checked', page)
    assert not re.search(r'name="avail_0_1"[^>]*checked', page)
    response = client.post(
        f"/people/volunteers/{volunteer.pk}/",
        {"skills": ["nursing"], "avail_6_2": "on", "home_lon": "120.01", "home_lat": "30.02"},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.availability, volunteer.home_lon, volunteer.home_lat, volunteer.active) == (
        rules.slot_bits([(6, 2)]),
        120.01,
        30.02,
        False,  # the "active" box was not ticked
    )
    assert list(volunteer.skills.values_list("skill", flat=True)) == ["nursing"]


def test_certificate_and_service_hours(people, grid_worker, client_for):
    volunteer = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    client = client_for(grid_worker)
    response = client.post(
        f"/people/volunteers/{volunteer.pk}/certificates/",
        {"skill": "medical", "name": "急救员证", "number": "A-1", "issued": "2025-01-01",
         "expires": "2028-01-01"},
    )  # fmt: skip
    assert response.status_code == 302
    assert list(
        VolunteerCertificate.objects.values_list("skill", "name", "number", "issued", "expires")
    ) == [("medical", "急救员证", "A-1", dt.date(2025, 1, 1), dt.date(2028, 1, 1))]
    response = client.post(
        f"/people/volunteers/{volunteer.pk}/service/",
        {"hours": "2.5", "points": "10", "note": "防汛值守"},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert (volunteer.service_hours, volunteer.points) == (Decimal("2.5"), 10)
    assert list(VolunteerService.objects.values_list("hours", "points", "note", "by")) == [
        (Decimal("2.5"), 10, "防汛值守", grid_worker.pk)
    ]
    page = client.get(f"/people/volunteers/{volunteer.pk}/").content.decode()
    assert "急救员证" in page and "防汛值守" in page


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        (
            "certificates",
            {"skill": "medical", "name": "证", "issued": "2025-01-01", "expires": "2024-01-01"},
            {"expires": ["证书有效期截止日期早于发证日期。"]},
        ),
        ("certificates", {"skill": "magic", "name": "证"}, "skill"),
        ("service", {"hours": "30", "points": "1"}, {"hours": ["时长必须大于0且不超过24小时。"]}),
        ("service", {"hours": "1", "points": "5000"}, {"points": ["积分必须在0到1000之间。"]}),
        ("", {"skills": ["medical"], "home_lat": "95", "home_lon": "120"}, "home_lat"),
    ],
)
def test_volunteer_bad_input_writes_nothing(people, grid_worker, client_for, path, data, expected):
    volunteer = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    before = snapshot()
    url = f"/people/volunteers/{volunteer.pk}/" + (f"{path}/" if path else "")
    response = client_for(grid_worker).post(url, data, **ZH)
    assert response.status_code == 422
    if isinstance(expected, str):
        assert list(errors(response)) == [expected]
    else:
        assert errors(response) == expected
    assert snapshot() == before


def test_volunteer_scope_and_permission(people, grid_worker, street_admin, client_for):
    far = volunteers.register_volunteer(actor=_superuser(), person=people.far, skills=[])
    mine = volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    before = snapshot()
    client = client_for(grid_worker)
    assert client.get(f"/people/volunteers/{far.pk}/").status_code == 404
    assert client.get(f"/people/{people.far.pk}/volunteer/new/").status_code == 404
    for suffix, data in (("", {"skills": ["it"]}), ("service/", {"hours": "1"})):
        assert client.post(f"/people/volunteers/{far.pk}/{suffix}", data).status_code == 404
    client = client_for(street_admin)
    assert client.get(f"/people/volunteers/{mine.pk}/").status_code == 403
    assert client.get(f"/people/{people.young.pk}/volunteer/new/").status_code == 403
    assert client.post(f"/people/{people.young.pk}/volunteer/new/", {}).status_code == 403
    for suffix, data in (
        ("", {"skills": ["it"]}),
        ("service/", {"hours": "1"}),
        ("certificates/", {"skill": "it", "name": "x"}),
    ):
        assert client.post(f"/people/volunteers/{mine.pk}/{suffix}", data).status_code == 403
    assert snapshot() == before


# Links on the existing pages --------------------------------------------------------------------


def test_edit_links_only_where_the_user_may_edit(people, grid_worker, street_admin, client_for):
    volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=[])
    care.set_vulnerability(
        actor=grid_worker, person=people.old, tags=[care.TagEntry("living_alone")], needs=[],
        health_notes="",
    )  # fmt: skip
    client = client_for(grid_worker)
    detail = client.get(f"/people/{people.old.pk}/").content.decode()
    for marker in ('id="edit-person"', 'id="edit-vulnerability"', 'id="edit-volunteer"',
                   'id="add-carer"'):  # fmt: skip
        assert marker in detail
    assert 'id="register-volunteer"' in client.get(f"/people/{people.young.pk}/").content.decode()
    household = client.get(f"/people/households/{people.home11.pk}/").content.decode()
    assert 'id="add-member"' in household and 'id="edit-household"' in household
    assert 'id="new-household"' in client.get("/people/").content.decode()
    assert "data-edit=" in client.get("/people/volunteers/").content.decode()

    client = client_for(street_admin)
    detail = client.get(f"/people/{people.old.pk}/").content.decode()
    assert "person-actions" not in detail and 'id="add-carer"' not in detail
    household = client.get(f"/people/households/{people.home11.pk}/").content.decode()
    assert 'id="add-member"' not in household
    assert 'id="new-household"' not in client.get("/people/").content.decode()
    assert "data-edit=" not in client.get("/people/volunteers/").content.decode()
