"""Orgs pages per persona: tree, members, units with filters, unit detail and the logged show."""

from __future__ import annotations

from typing import Any

from django.test import Client

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.orgs.models import Commitment, PartyMember
from tests.orgs.conftest import Orgs


def test_tree_page(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    r = client_for(community_admin).get("/orgs/")
    html = r.content.decode()
    assert r.status_code == 200
    assert html.index("东湖社区党委") < html.index("第一党支部") < html.index("一网格党小组")
    assert "西湖社区党委" not in html
    assert 'data-nav="orgs:tree"' in html


def test_pages_refused_without_view_right(orgs: Orgs, client_for: Any, resident: User) -> None:
    client = client_for(resident)
    for url in ("/orgs/", "/orgs/units/", "/orgs/members/"):
        assert client.get(url).status_code == 403
    assert client.get(f"/orgs/units/{orgs.unit1.pk}/").status_code == 404


def test_members_page_filters(orgs: Orgs, client_for: Any, community_admin: User) -> None:
    PartyMember.objects.create(person=orgs.alice, org=orgs.group11, in_service=True)
    PartyMember.objects.create(person=orgs.bob, org=orgs.branch1, status="probationary")
    client = client_for(community_admin)
    html = client.get("/orgs/members/?in_service=yes").content.decode()
    assert "张三" in html and "李四" not in html
    html = client.get("/orgs/members/?status=probationary").content.decode()
    assert "李四" in html and "张三" not in html


def test_units_page_filters(orgs: Orgs, client_for: Any, street_admin: User) -> None:
    client = client_for(street_admin)
    html = client.get("/orgs/units/").content.decode()
    assert "东湖物业" in html and "西湖超市" in html
    html = client.get("/orgs/units/?co_building=yes").content.decode()
    assert "东湖物业" in html and "西湖超市" not in html
    html = client.get("/orgs/units/?kind=bank").content.decode()
    assert "东湖物业" not in html and "invalid-feedback" in html


def test_unit_detail_masks_and_shows(
    orgs: Orgs, client: Client, community_admin: User, community_staff: User
) -> None:
    Commitment.objects.create(
        unit=orgs.unit1, kind="vehicles", description="应急车辆", quantity=2, uom="辆"
    )
    client.force_login(community_staff)
    html = client.get(f"/orgs/units/{orgs.unit1.pk}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "应急车辆" in html and 'id="show-phones"' not in html
    assert client.post(f"/orgs/units/{orgs.unit1.pk}/contacts/unmask/").status_code == 403
    assert PersonalDataAccess.objects.count() == 0
    client.force_login(community_admin)
    html = client.get(f"/orgs/units/{orgs.unit1.pk}/").content.decode()
    assert 'id="show-phones"' in html
    r = client.post(f"/orgs/units/{orgs.unit1.pk}/contacts/unmask/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "13812345678" in r.content.decode()
    assert PersonalDataAccess.objects.filter(user=community_admin).count() == 1
    assert client.get(f"/orgs/units/{orgs.unit2.pk}/").status_code == 404


def test_filter_forms_render_bootstrap_classes(
    orgs: Orgs, client_for: Any, community_admin: User
) -> None:
    """BootstrapForm styles every filter: selects get form-select, text inputs form-control."""
    client = client_for(community_admin)
    members = client.get("/orgs/members/").content.decode()
    for name in ("org", "status", "in_service"):
        assert f'<select name="{name}" class="form-select" id="id_{name}">' in members
    assert '<input type="text" name="q" maxlength="30" class="form-control" id="id_q">' in members
    units = client.get("/orgs/units/").content.decode()
    for name in ("kind", "specialty", "co_building"):
        assert f'<select name="{name}" class="form-select" id="id_{name}">' in units
    assert '<input type="text" name="q" maxlength="60" class="form-control" id="id_q">' in units
