"""Registers pages per persona: the category tree with hours, category and time-limit editing for
editors of the whole tree, the responsibility list with inherited rules, duty editing for
EDIT_DUTIES, and "who would handle it"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from resigrid.accounts.models import User
from resigrid.registers.models import Category, Deadline, Duty
from tests.registers.conftest import Registers, changes
from tests.registers.test_reads import limits


def test_category_tree_page(reg: Registers, client_for: Any, street_admin: User) -> None:
    limits(reg.c01, "urgent", 30, 60, 240, 90)
    reg.c0201.active = False
    reg.c0201.save()
    r = client_for(street_admin).get("/registers/categories/")
    html = r.content.decode()
    assert r.status_code == 200
    assert html.index("市容环境") < html.index("暴露垃圾") < html.index("设施管理")
    assert "路灯损坏" not in html  # inactive: only editors see it
    row = html[html.index('id="cat-01.01"') :]
    row = row[: row.index("</tr>")]
    assert "0.5 · 1 · 4 · 1.5" in row and "from 01" in row
    assert "4 · 8 · 168 · 48" in row and "default" in row  # normal: the settings default
    assert "category-new" not in html and "/deadlines/" not in html


def test_category_tree_for_an_editor(
    reg: Registers, client_for: Any, district_editor: User
) -> None:
    reg.c0201.active = False
    reg.c0201.save()
    html = client_for(district_editor).get("/registers/categories/").content.decode()
    assert "路灯损坏" in html and "inactive" in html
    assert 'id="category-new"' in html and 'data-deadlines="01.01"' in html


def test_pages_refused_without_the_right(reg: Registers, client_for: Any, resident: User) -> None:
    assert Client().get("/registers/categories/").status_code == 302
    client = client_for(resident)
    for url in ("/registers/categories/", "/registers/", "/registers/route/"):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["street_admin", "community_admin"])
def test_category_editing_is_for_editors_of_the_whole_tree(
    reg: Registers, client_for: Any, request: pytest.FixtureRequest, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/registers/categories/new/").status_code == 403
    data = {"code": "03", "name": "街面秩序", "kind": "event", "sort": 0}
    assert client.post("/registers/categories/new/", data).status_code == 403
    assert client.post("/registers/categories/01.01/active/", {"active": "0"}).status_code == 403
    assert client.get("/registers/categories/01/deadlines/").status_code == 403
    assert (Category.objects.count(), Category.objects.filter(active=False).count()) == (5, 0)


def test_create_and_edit_category_page(
    reg: Registers, client_for: Any, district_editor: User
) -> None:
    client = client_for(district_editor)
    data = {"code": "01.03", "name": "道路不洁", "kind": "event", "sort": 2, "keywords": "路面"}
    r = client.post("/registers/categories/new/", data)
    assert r.status_code == 302 and r["Location"].endswith("/registers/categories/#cat-01.03")
    assert Category.objects.get(code="01.03").parent == reg.c01
    r = client.post("/registers/categories/new/", data | {"code": "03.01"})
    assert r.status_code == 422
    assert "No category has the code 03 to hold this one." in r.content.decode()
    r = client.post("/registers/categories/new/", data)
    assert r.status_code == 422
    assert 'data-error="code">A category with the code 01.03 already exists.' in r.content.decode()
    r = client.post("/registers/categories/new/", data | {"code": "01.04", "kind": "facility"})
    assert 'data-error="kind"' in r.content.decode()
    r = client.get("/registers/categories/01.03/edit/")
    assert 'value="道路不洁"' in r.content.decode()
    r = client.post("/registers/categories/01.03/edit/", data | {"name": "道路脏乱"})
    assert r.status_code == 302
    assert Category.objects.get(code="01.03").name == "道路脏乱"
    r = client.post("/registers/categories/01/active/", {"active": "0"}, follow=True)
    assert "Deactivate its active subcategories first" in r.content.decode()
    client.post("/registers/categories/01.03/active/", {"active": "0"})
    assert not Category.objects.get(code="01.03").active
    client.post("/registers/categories/01.03/active/", {"active": "1"})
    assert Category.objects.get(code="01.03").active
    assert client.get("/registers/categories/09/edit/").status_code == 404


def test_deadlines_page(reg: Registers, client_for: Any, district_editor: User) -> None:
    client = client_for(district_editor)
    limits(reg.c01, "normal", 60, 120, 1440, 720)
    limits(reg.c0101, "high", 5, 5, 5, 5)
    html = client.get("/registers/categories/01.01/deadlines/").content.decode()
    assert 'name="normal_handle" value="24"' in html  # inherited from 01, shown in hours
    assert 'name="high_own"' in html and "checked" in html
    data = {
        "urgent_own": "on",
        "urgent_accept": "0.5",
        "urgent_dispatch": "1",
        "urgent_handle": "4",
        "urgent_verify": "2",
        # high left unticked: its own row goes, it inherits again
        "normal_accept": "9",
    }
    r = client.post("/registers/categories/01.01/deadlines/", data)
    assert r.status_code == 302
    rows = list(
        Deadline.objects.filter(category=reg.c0101).values_list(
            "priority", "accept_minutes", "dispatch_minutes", "handle_minutes", "verify_minutes"
        )
    )
    assert rows == [("urgent", 30, 60, 240, 120)]
    r = client.post("/registers/categories/01.01/deadlines/", data | {"urgent_verify": ""})
    assert r.status_code == 422
    assert 'data-error="urgent_verify">This field is required.' in r.content.decode()
    r = client.post("/registers/categories/01.01/deadlines/", data | {"urgent_verify": "0"})
    assert r.status_code == 422
    r = client.post("/registers/categories/01.01/deadlines/", data | {"urgent_verify": "9000"})
    assert r.status_code == 422
    assert "The time allowed must not exceed 366 days." in r.content.decode()
    assert Deadline.objects.get(category=reg.c0101).verify_minutes == 120


@pytest.fixture
def rules_(reg: Registers) -> dict[str, Duty]:
    t = reg.tree
    return {
        "street": reg.duty(reg.c01, t.street, reg.team, [reg.city], tasks="街道主办"),
        "community1": reg.duty(reg.c01, t.community1, reg.property1),
        "facility": reg.duty(reg.c02, t.street, reg.municipal),
    }


def test_duty_list_for_a_community(
    rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    r = client_for(community_admin).get("/registers/")
    html = r.content.decode()
    assert r.status_code == 200
    assert '<span id="duty-area">东湖社区</span>' in html
    street = html[html.index(f'data-duty="{rules_["street"].pk}"') :]
    assert street.index("inherited from 和平街道") < street.index("overridden by a nearer rule")
    assert "街道主办" in street
    assert "own rule" in html[html.index(f'data-duty="{rules_["community1"].pk}"') :]
    assert "duty-new" not in html and "/edit/" not in html
    html = client_for(community_admin).get("/registers/?category=02.01").content.decode()
    assert f'data-duty="{rules_["facility"].pk}"' in html
    assert f'data-duty="{rules_["street"].pk}"' not in html
    html = client_for(community_admin).get("/registers/?phase=prevent").content.decode()
    assert "No duties match." in html
    # Another community's list is not offered: the filter refuses it.
    r = client_for(community_admin).get("/registers/?area=330106001002000")
    assert "invalid-feedback" in r.content.decode() and "data-duty" not in r.content.decode()


def test_duty_list_for_the_street(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, street_admin: User
) -> None:
    client = client_for(street_admin)
    html = client.get("/registers/").content.decode()
    assert '<span id="duty-area">和平街道</span>' in html and 'id="duty-new"' in html
    assert f'data-duty="{rules_["community1"].pk}"' not in html
    html = client.get("/registers/?below=on").content.decode()
    assert "set on 东湖社区" in html
    assert html.count("/edit/") == 3


def test_create_duty_page(reg: Registers, client_for: Any, street_admin: User) -> None:
    client = client_for(street_admin)
    url = f"/registers/duties/new/?area={reg.tree.community2.code}"
    html = client.get(url).content.decode()
    assert "西湖物业" in html and "东湖物业" not in html and "光明执法队" not in html
    data = {
        "category": "01",
        "phase": "respond",
        "lead_unit": reg.property2.pk,
        "support_units": [reg.property2.pk],
    }
    r = client.post(url, data)
    assert r.status_code == 422
    assert "The lead unit 西湖物业 cannot also be a support unit." in r.content.decode()
    assert Duty.objects.count() == 0
    r = client.post(url, data | {"support_units": [reg.team.pk], "tasks": "物业清理"})
    assert r.status_code == 302 and r["Location"] == f"/registers/?area={reg.tree.community2.code}"
    duty = Duty.objects.get()
    assert (duty.area, duty.lead_unit, list(duty.support_units.all()), duty.tasks) == (
        reg.tree.community2,
        reg.property2,
        [reg.team],
        "物业清理",
    )
    r = client.post(url, data | {"support_units": []})
    assert "already has an active duty" in r.content.decode()
    assert client.get("/registers/duties/new/?area=330106002000000").status_code == 404


def test_duty_pages_refused_without_edit_duties(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    client = client_for(community_admin)
    assert client.get(f"/registers/duties/new/?area={reg.tree.community1.code}").status_code == 403
    duty = rules_["community1"]
    assert client.get(f"/registers/duties/{duty.pk}/edit/").status_code == 403
    assert client.post(f"/registers/duties/{duty.pk}/deactivate/").status_code == 403
    assert client.get(f"/registers/duties/{rules_['street'].pk}/edit/").status_code == 404
    assert (Duty.objects.filter(active=True).count(), changes()) == (3, 0)


def test_edit_and_deactivate_duty_pages(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, street_admin: User
) -> None:
    client = client_for(street_admin)
    duty = rules_["street"]
    html = client.get(f"/registers/duties/{duty.pk}/edit/").content.decode()
    assert 'name="category"' not in html and "街道主办" in html
    r = client.post(
        f"/registers/duties/{duty.pk}/edit/",
        {"lead_unit": reg.city.pk, "support_units": [reg.municipal.pk], "tasks": "改"},
    )
    assert r.status_code == 302
    duty.refresh_from_db()
    assert (duty.lead_unit, list(duty.support_units.all()), duty.tasks) == (
        reg.city,
        [reg.municipal],
        "改",
    )
    r = client.post(f"/registers/duties/{duty.pk}/deactivate/", follow=True)
    assert "Duty deactivated." in r.content.decode()
    duty.refresh_from_db()
    assert not duty.active


def test_route_page(
    reg: Registers, rules_: dict[str, Duty], client_for: Any, community_admin: User
) -> None:
    client = client_for(community_admin)
    r = client.get("/registers/route/", {"category": "01.01", "area": reg.tree.grid11.code,
                                         "phase": "respond"})  # fmt: skip
    html = r.content.decode()
    assert '<span class="fw-semibold" id="route-lead">东湖物业</span>' in html
    assert "From the duty set on 东湖社区 for 01 市容环境 (Respond)" in html
    r = client.get("/registers/route/", {"category": "02.01", "area": reg.tree.grid11.code,
                                         "phase": "prevent"})  # fmt: skip
    assert 'id="route-none"' in r.content.decode()
    r = client.get("/registers/route/", {"category": "01.01", "area": reg.tree.grid21.code,
                                         "phase": "respond"})  # fmt: skip
    assert "No area has this code in your scope." in r.content.decode()
