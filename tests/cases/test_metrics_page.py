"""The metrics page and its Excel export: who may open them, filters, the table, the file."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from resigrid.accounts.models import SecurityEvent
from resigrid.cases.metrics.report import COLUMNS
from tests.cases.conftest import Casebook
from tests.cases.test_metrics_queries import NOW, Month, at, build_month

pytestmark = pytest.mark.django_db
PAGE = "/cases/metrics/"
EXPORT = "/cases/metrics/export.xlsx"
MARCH_BY_GRID = {"start": "2026-03-01", "end": "2026-03-31", "by": "grid"}


@pytest.fixture
def month(
    casebook: Casebook,
    resident,
    community_admin,
    community_staff,
    street_admin,
    grid_worker,
    department,
) -> Month:
    return build_month(
        casebook,
        {
            "resident": resident,
            "community_admin": community_admin,
            "community_staff": community_staff,
            "street_admin": street_admin,
            "grid_worker": grid_worker,
            "department": department,
        },
    )


def col(key: str) -> int:
    return [c.key for c in COLUMNS].index(key)


def test_urls() -> None:
    assert reverse("case_metrics:page") == PAGE
    assert reverse("case_metrics:export") == EXPORT


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["resident", "outsider"])
def test_people_without_case_rights_are_refused(request, client_for, month: Month, who) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT, MARCH_BY_GRID).status_code == 403
    assert not SecurityEvent.objects.filter(kind="export").exists()


def test_community_page_shows_its_grids_and_charts(client_for, month: Month, community_admin):
    with at(NOW):
        response = client_for(community_admin).get(PAGE, MARCH_BY_GRID)
    assert response.status_code == 200
    table = response.context["table"]
    assert [(r.key, r.label) for r in table.rows] == [
        ("330106001001001", "东湖一网格"),
        ("330106001001002", "东湖二网格"),
    ]
    assert table.total.values["reported"] == 5
    assert table.total.cells[col("close_rate")] == "80.0%"  # 4 closed of 5 due
    html = response.content.decode()
    assert 'data-key="330106001001001"' in html
    assert "330106001002001" not in html  # community 2's grid
    assert "vendor/echarts/echarts.min.js" in html
    found = re.search(r'<script id="metrics-chart" type="application/json">(.*?)</script>', html)
    assert found is not None
    chart = json.loads(found.group(1))
    assert chart["labels"] == ["东湖一网格", "东湖二网格"]
    reported = next(s for s in chart["counts"] if s["name"] == "Reported")
    assert reported["data"] == [4, 1]
    assert "start=2026-03-01" in response.context["export_query"]


def test_default_is_the_last_twelve_months_by_month(client_for, month: Month, street_admin):
    with at(NOW):
        response = client_for(street_admin).get(PAGE)
    assert response.status_code == 200
    form = response.context["form"]
    assert str(form.cleaned_data["start"]) == "2025-05-01"
    assert str(form.cleaned_data["end"]) == "2026-04-15"
    assert [r.key for r in response.context["table"].rows] == ["2026-02", "2026-03"]


def test_bad_filters_show_errors_and_no_table(client_for, month: Month, community_admin) -> None:
    client = client_for(community_admin)
    with at(NOW):
        backwards = client.get(PAGE, {"start": "2026-03-31", "end": "2026-03-01", "by": "grid"})
        elsewhere = client.get(PAGE, {**MARCH_BY_GRID, "area": "330106001002000"})
        unknown = client.get(PAGE, {**MARCH_BY_GRID, "by": "planet"})
        export = client.get(EXPORT, {**MARCH_BY_GRID, "start": "soon"})
    assert backwards.status_code == 200
    assert "table" not in backwards.context
    assert backwards.context["form"].errors["end"] == [
        "The end date must not be before the start date."
    ]
    assert "area" in elsewhere.context["form"].errors  # not in the user's scope
    assert "by" in unknown.context["form"].errors
    assert export.status_code == 422
    assert not SecurityEvent.objects.filter(kind="export").exists()


def test_area_filter_for_the_street(client_for, month: Month, street_admin) -> None:
    with at(NOW):
        response = client_for(street_admin).get(PAGE, {**MARCH_BY_GRID, "area": "330106001002000"})
    assert [r.key for r in response.context["table"].rows] == ["330106001002001"]


def test_export_is_the_same_table(client_for, month: Month, community_admin) -> None:
    with at(NOW):
        page = client_for(community_admin).get(PAGE, MARCH_BY_GRID)
        response = client_for(community_admin).get(EXPORT, MARCH_BY_GRID)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="case-metrics-grid-20260301-20260331.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["Code", "Grid", "Reported", "Accepted"]
    assert len(values[0]) == 2 + len(COLUMNS)
    assert [row[:3] for row in values[1:]] == [
        ["330106001001001", "东湖一网格", 4],
        ["330106001001002", "东湖二网格", 1],
        [None, "Total", 5],
    ]
    table = page.context["table"]
    for row, table_row in zip(values[1:], [*table.rows, table.total], strict=True):
        for c in COLUMNS:
            value, expected = row[2 + col(c.key)], table_row.values[c.key]
            if expected is None:
                assert value == "—"
            elif c.kind == "count":
                assert value == expected
            else:
                assert value == pytest.approx(expected, abs=0.01)
    total = list(sheet.iter_rows())[3]
    assert total[2 + col("close_rate")].value == pytest.approx(0.8)
    assert total[2 + col("close_rate")].number_format == "0.0%"
    about = book.worksheets[1]
    texts = {row[0].value: row[1].value for row in about.iter_rows() if row[0].value}
    assert texts["Period"] == "2026-03-01 – 2026-03-31"
    assert texts["Breakdown"] == "Grid"
    event = SecurityEvent.objects.get(kind="export")
    assert event.user == community_admin
    assert event.detail == {
        "what": "case_metrics.xlsx",
        "by": "grid",
        "start": "2026-03-01",
        "end": "2026-03-31",
        "area": "",
        "rows": 2,
    }


def test_export_escapes_formulas_in_names(
    client_for, month: Month, casebook: Casebook, street_admin
) -> None:
    casebook.property_co.name = '=HYPERLINK("http://example.com","x")'
    casebook.property_co.save()
    with at(NOW):
        response = client_for(street_admin).get(EXPORT, {**MARCH_BY_GRID, "by": "unit"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    labels = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert labels == ['\'=HYPERLINK("http://example.com","x")', "城管执法队", "(not dispatched)",
                      "Total"]  # fmt: skip
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_department_sees_its_unit(client_for, month: Month, department) -> None:
    with at(NOW):
        response = client_for(department).get(PAGE, {**MARCH_BY_GRID, "by": "unit"})
    assert response.status_code == 200
    assert [r.label for r in response.context["table"].rows] == ["城管执法队"]
    assert response.context["table"].total.values["reported"] == 5
