"""Pages: each renders for staff; outsiders get 403 on lists and 404 on rows; the record form
opens one case per finding even when posted twice; lessons without an owner show the error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from resigrid.cases.models import Case
from resigrid.response.institutions import drills, procedures
from resigrid.response.institutions.models import ImprovementItem, Inspection

pytestmark = pytest.mark.django_db


@pytest.fixture
def drill(tree, community_admin):
    return drills.create_drill(
        actor=community_admin,
        kind="drill",
        area=tree.community1,
        title="防汛应急演练",
        starts_at=dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC),
    )


def test_pages_render_for_staff(client_for, tree, community_admin, schedule, drill) -> None:
    p = procedures.create_procedure(
        actor=community_admin,
        area=tree.community1,
        kind="training",
        title="培训演练制度",
        text="每年两次。",
        effective_on=dt.date(2026, 1, 1),
        approved_by="社区党委会",
    )
    c = client_for(community_admin)
    for name, args in [
        ("procedures", []),
        ("procedure_new", []),
        ("procedure", [p.pk]),
        ("schedules", []),
        ("schedule_new", []),
        ("schedule", [schedule.pk]),
        ("record", [schedule.pk]),
        ("drills", []),
        ("drill_new", []),
        ("drill", [drill.pk]),
        ("improvements", []),
    ]:
        r = c.get(reverse(f"institutions:{name}", args=args))
        assert r.status_code == 200, name
    assert "培训演练制度" in c.get(reverse("institutions:procedures")).content.decode()


def test_outsider_and_rights(client_for, schedule, drill, outsider, grid_worker) -> None:
    c = client_for(outsider)
    assert c.get(reverse("institutions:procedures")).status_code == 403
    assert c.get(reverse("institutions:schedule", args=[schedule.pk])).status_code == 404
    assert c.get(reverse("institutions:drill", args=[drill.pk])).status_code == 404
    c = client_for(grid_worker)
    assert c.get(reverse("institutions:procedure_new")).status_code == 403
    due = c.get(reverse("institutions:procedures")).content.decode()
    assert reverse("institutions:record", args=[schedule.pk]) in due  # his overdue round
    assert c.get(reverse("institutions:record", args=[schedule.pk])).status_code == 200
    assert c.get(reverse("institutions:drill", args=[drill.pk])).status_code == 404


def test_record_form_twice_opens_one_case(client_for, schedule, grid_worker) -> None:
    a, b = list(schedule.items.all())
    c = client_for(grid_worker)
    data = {"key": "form-1", f"r{a.pk}": "finding", f"n{a.pk}": "纸箱堵住通道", f"c{a.pk}": "03.01"}
    r = c.post(reverse("institutions:record", args=[schedule.pk]), data)
    assert r.status_code == 200  # item b is unanswered
    assert "灭火器是否在有效期内" in r.content.decode()
    assert not Case.objects.exists()
    data[f"r{b.pk}"] = "ok"
    r1 = c.post(reverse("institutions:record", args=[schedule.pk]), data)
    r2 = c.post(reverse("institutions:record", args=[schedule.pk]), data)
    assert r1.status_code == r2.status_code == 302
    assert r1["Location"] == r2["Location"]
    case = Case.objects.get()
    assert Inspection.objects.count() == 1
    page = c.get(r1["Location"]).content.decode()
    assert case.number in page


def test_lesson_form_needs_owner(client_for, drill, community_admin) -> None:
    c = client_for(community_admin)
    r = c.post(
        reverse("institutions:drill_lesson", args=[drill.pk]),
        {"title": "补充沙袋", "due_date": "2026-02-01"},
    )
    assert r.status_code == 422
    assert "An improvement item needs an owner." in r.content.decode()
    assert not ImprovementItem.objects.exists()
    r = c.post(
        reverse("institutions:drill_lesson", args=[drill.pk]),
        {"title": "补充沙袋", "due_date": "2026-02-01", "owner_user": community_admin.pk},
    )
    assert r.status_code == 302
    item = ImprovementItem.objects.get()
    r = c.post(reverse("institutions:improvement_close", args=[item.pk]), {"done": "1"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.state == "done"
