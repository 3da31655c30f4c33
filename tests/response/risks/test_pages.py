"""Pages: list with filters, create with errors, live rating preview, detail actions, overdue
list, map, export; scope (outsider 404, no right 403, grid worker read-only)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from resigrid.cases.models import Case
from resigrid.response.risks.models import LOG_LABELS, RiskPoint, RiskStatus
from tests.factories import Tree
from tests.response.risks.conftest import add_risk, matrix

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def form(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "老旧小区电动车充电",
        "hazard_class": "accident",
        "subtype": "电动车充电",
        "method": "matrix",
        "likelihood": "4",
        "harm": "4",
        "scale": "3",
        "property_loss": "2",
        "lon": "120.05",
        "lat": "30.05",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_create_and_detail(tree: Tree, client_for: Any, community_admin: Any) -> None:
    client = client_for(community_admin)
    assert client.get("/response/risks/new/").status_code == 200
    answer = client.post("/response/risks/new/", form(area=tree.grid11.pk))
    risk = RiskPoint.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/response/risks/{risk.pk}/"
    assert (risk.score, risk.band, risk.hazard_class, risk.created_by) == (
        Decimal(16),
        "large",
        "accident",
        community_admin,
    )
    html = client.get(answer["Location"]).content.decode()
    assert "老旧小区电动车充电" in html and 'id="review-form"' in html
    assert 'id="escalate-form"' in html


def test_create_errors_name_the_field(tree: Tree, client_for: Any, community_admin: Any) -> None:
    client = client_for(community_admin)
    answer = client.post("/response/risks/new/", form(area=tree.grid11.pk, likelihood=None))
    assert answer.status_code == 422
    assert 'data-error="likelihood"' in answer.content.decode()
    answer = client.post("/response/risks/new/", form(area=tree.grid11.pk, lon="121.5"))
    assert answer.status_code == 422 and 'data-error="lon"' in answer.content.decode()
    answer = client.post("/response/risks/new/", form(area=tree.grid21.pk))
    assert answer.status_code == 422 and 'data-error="area"' in answer.content.decode()
    assert RiskPoint.objects.count() == 0


def test_rating_preview(tree: Tree, client_for: Any, community_admin: Any) -> None:
    client = client_for(community_admin)
    html = client.get(
        "/response/risks/preview/",
        {"method": "matrix", "likelihood": "4", "harm": "5", "scale": "1", "property_loss": "1"},
    ).content.decode()
    assert 'data-band="major"' in html and 'data-score="20"' in html
    html = client.get(
        "/response/risks/preview/", {"method": "lec", "lec_l": "6", "lec_e": "6", "lec_c": "7"}
    ).content.decode()
    assert 'data-score="252"' in html and 'data-band="large"' in html
    html = client.get("/response/risks/preview/", {"method": "matrix"}).content.decode()
    assert 'id="rating-missing"' in html


def test_list_filters(tree: Tree, client_for: Any, street_admin: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=SHANGHAI), tick=False):
        flood = add_risk(street_admin, tree.grid11, matrix(5, 5), name="低洼积水点")
    gas = add_risk(
        street_admin, tree.grid21, matrix(1, 2), name="燃气管道", hazard_class="accident"
    )
    client = client_for(street_admin)

    def shown(query: str) -> list[int]:
        html = client.get("/response/risks/" + query).content.decode()
        return [r.pk for r in (flood, gas) if f'data-risk="{r.pk}"' in html]

    assert shown("") == [flood.pk, gas.pk]
    assert shown("?band=major") == [flood.pk]
    assert shown("?hazard_class=accident") == [gas.pk]
    assert shown(f"?area={tree.community2.pk}") == [gas.pk]
    assert shown("?overdue=1") == [flood.pk]
    assert shown("?band=nonsense") == [flood.pk, gas.pk]
    overdue = client.get("/response/risks/overdue/").content.decode()
    assert f'data-risk="{flood.pk}"' in overdue and f'data-risk="{gas.pk}"' not in overdue


def test_review_escalate_close_actions(
    tree: Tree, client_for: Any, community_admin: Any, categories: Any
) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(4, 5))
    client = client_for(community_admin)
    base = f"/response/risks/{risk.pk}/"
    answer = client.post(
        base + "review/",
        {
            "method": "matrix",
            "likelihood": "4",
            "harm": "5",
            "scale": "1",
            "property_loss": "1",
            "residual_likelihood": "2",
            "residual_severity": "4",
            "note": "已安装水位报警",
            "controlled": "yes",
        },
    )
    assert answer.status_code == 302
    page = client.get(base)
    shown = page.content.decode()
    assert shown.count('class="alert alert-success') == 1  # the message once, from the base
    # The log reads in the reader's language: actions and statuses by label, not by code.
    review = next(e for e in page.context["log"] if e.action == "review")
    assert (review.action_label, review.from_label, review.to_label) == (
        str(LOG_LABELS["review"]),
        str(RiskStatus.OPEN.label),
        str(RiskStatus.CONTROLLED.label),
    )
    assert "(open → controlled)" not in shown and "· review" not in shown
    risk.refresh_from_db()
    assert (risk.status, risk.band, risk.residual_score) == ("controlled", "general", Decimal(8))
    client.post(base + "controls/", {"measure": "汛前清淤", "owner": "物业", "state": "planned"})
    assert list(risk.controls.values_list("measure", flat=True)) == ["汛前清淤"]
    answer = client.post(base + "escalate/", {"note": "需街道协调"})
    case = Case.objects.get()
    risk.refresh_from_db()
    assert (risk.status, risk.escalated_case_id) == (RiskStatus.ESCALATED, case.pk)
    again = client.post(base + "escalate/", {"note": "再次"}, follow=True)
    assert "already been escalated" in again.content.decode()
    assert Case.objects.count() == 1
    client.post(base + "close/", {"note": "街道已整治"})
    risk.refresh_from_db()
    assert risk.status == "closed"


def test_scope(
    tree: Tree,
    client_for: Any,
    community_admin: Any,
    grid_worker: Any,
    outsider: Any,
    resident: Any,
    department: Any,
) -> None:
    risk = add_risk(community_admin, tree.grid11)
    url = f"/response/risks/{risk.pk}/"
    client = client_for(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url + "review/", {"note": "x"}).status_code == 404
    assert client.get("/response/risks/").status_code == 403
    assert client.get("/response/risks/map/").status_code == 403
    assert client_for(resident).get("/response/risks/").status_code == 403
    assert client_for(resident).get(url).status_code == 404
    worker = client_for(grid_worker)
    html = worker.get(url).content.decode()
    assert "低洼积水点" in html and 'id="review-form"' not in html and 'id="risk-edit"' not in html
    assert worker.post(url + "review/", {"note": "x", "method": "matrix"}).status_code == 403
    assert worker.get(url + "edit/").status_code == 403
    assert worker.get("/response/risks/new/").status_code == 403
    assert 'id="risk-new"' not in worker.get("/response/risks/").content.decode()
    other = add_risk(community_admin, tree.grid12)
    assert worker.get(f"/response/risks/{other.pk}/").status_code == 404
    assert risk.reviews.count() == 1
    department_page = client_for(department).get(url)  # the same client, now the department
    assert department_page.status_code == 200
    assert 'id="review-form"' not in department_page.content.decode()


def test_map_and_export(tree: Tree, client_for: Any, community_admin: Any) -> None:
    add_risk(community_admin, tree.grid11, matrix(5, 5), lon=120.05, lat=30.05)
    add_risk(community_admin, tree.grid12, matrix(1, 1), name="=HYPERLINK(1)")
    client = client_for(community_admin)
    html = client.get("/response/risks/map/").content.decode()
    assert 'id="risk-map"' in html and "risk-map-config" in html
    layer = client.get("/api/response/risks/geojson").json()
    bands = sorted((f["properties"]["band"], f["properties"]["colour"]) for f in layer["features"])
    assert bands == [("low", "blue"), ("major", "red")]
    answer = client.get("/response/risks/export.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    names = sorted(str(sheet.cell(row=r, column=2).value) for r in (2, 3))
    assert names == ["'=HYPERLINK(1)", "低洼积水点"]


def test_edit(tree: Tree, client_for: Any, community_admin: Any) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(3, 3), building=tree.building11)
    client = client_for(community_admin)
    url = f"/response/risks/{risk.pk}/edit/"
    page = client.get(url).content.decode()
    assert 'value="低洼积水点"' in page
    same = form(name="低洼积水点（东门）", hazard_class="natural", likelihood="3", harm="3")
    same.update(scale="1", property_loss="1", building=str(tree.building11.pk))
    assert client.post(url, same).status_code == 302
    risk.refresh_from_db()
    assert (risk.name, risk.band, risk.reviews.count()) == ("低洼积水点（东门）", "general", 1)
    same.update(likelihood="5", harm="4")
    assert client.post(url, same).status_code == 302
    risk.refresh_from_db()
    assert (risk.band, risk.reviews.count()) == ("major", 2)
