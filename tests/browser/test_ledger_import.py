"""Community staff keep the residents ledger in Excel, in a real browser: download the template,
fill it in, upload it; the preview names the row and column of a wrong ID number and writes
nothing; the fixed file previews clean and is applied; the export of the grid comes back masked
(staff may not unmask) and is logged."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from playwright.sync_api import expect

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core import pii
from resigrid.people.ledgers import PERSONS
from resigrid.people.models import Person
from tests.factories import TEST_PASSWORD, Tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _id(birth: dt.date, seq: int) -> str:
    first17 = f"330106{birth:%Y%m%d}{seq:03d}"
    return first17 + pii.id_check_digit(first17)


ID_ZHAO = _id(dt.date(1948, 3, 2), 111)  # a man (odd sequence)
ID_QIAN = _id(dt.date(1979, 11, 20), 222)  # a woman
WRONG_QIAN = ID_QIAN[:17] + ("1" if ID_QIAN[17] != "1" else "2")  # one typing error


def _fill(template: Path, out: Path, qian_id: str) -> None:
    """The downloaded template with its example row replaced by three residents."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    with translation.override("zh-hans"):
        assert [c.value for c in sheet[1]] == [str(c.header) for c in PERSONS.columns]
    sheet.delete_rows(2)  # the example row
    sheet.append(["1号楼", "301", "赵一", None, None, ID_ZHAO, "13811112222", "常住人口",
                  "独居老人（65岁以上）、慢病", "吸氧"])  # fmt: skip
    sheet.append(["1号楼", "301", "钱二", "女", None, qian_id, None, None, None, None])
    sheet.append(["1号楼", "302", "孙小三", "男", dt.date(2016, 5, 6), None, None, None, None,
                  None])  # fmt: skip
    book.save(out)


def test_staff_import_the_residents_ledger_fix_a_row_and_export_it_masked(
    live_server: Any, page: Any, tree: Tree, community_staff: User, tmp_path: Path
) -> None:
    base = live_server.url
    grid = tree.grid11
    importer = f"{base}/people/ledgers/persons/import/?grid={grid.code}"
    page.goto(importer)
    assert "/accounts/login/" in page.url  # anonymous: sent to the login form
    page.fill("input[name=username]", community_staff.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(importer)
    assert page.input_value("#grid") == grid.code

    with page.expect_download() as download:
        page.click("a[href$='/people/ledgers/persons/template.xlsx']")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename == "persons-template.xlsx"

    # A typing error in 钱二's ID number: the preview names row 3 and the column, writes nothing.
    bad = tmp_path / "residents-bad.xlsx"
    _fill(template, bad, WRONG_QIAN)
    page.set_input_files("#file", str(bad))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("#import-report")).to_have_text(
        "预览：共3行，1处错误。尚未写入任何数据。", use_inner_text=True
    )
    assert page.locator("#import-errors li").all_inner_texts() == [
        "第3行“身份证号码”：身份证号码校验位错误，请检查是否输入有误。"
    ]
    assert page.locator("#apply").count() == 0
    assert Person.objects.count() == 0

    # The fixed file previews clean; applying it writes all three residents.
    fixed = tmp_path / "residents.xlsx"
    _fill(template, fixed, ID_QIAN)
    page.set_input_files("#file", str(fixed))
    page.click("form[enctype] button[type=submit]")
    expect(page.locator("#import-report")).to_have_text(
        "预览：共3行，0处错误。尚未写入任何数据。", use_inner_text=True
    )
    assert page.locator("#import-errors").count() == 0
    assert Person.objects.count() == 0
    page.click("#apply")
    expect(page.locator("#import-report")).to_have_text("已导入3行。", use_inner_text=True)
    assert page.locator("#apply").count() == 0
    people = Person.objects.select_related("building", "household").order_by("pk")
    assert [
        (p.name, p.sex, p.birth_date, p.building.name if p.building else None, p.household.room)
        for p in people
    ] == [
        ("赵一", "M", dt.date(1948, 3, 2), "1号楼", "301"),
        ("钱二", "F", dt.date(1979, 11, 20), "1号楼", "301"),
        ("孙小三", "M", dt.date(2016, 5, 6), "1号楼", "302"),
    ]
    zhao = people[0]
    assert (pii.decrypt(zhao.id_number_enc or ""), zhao.phone_hash) == (
        ID_ZHAO,
        pii.keyed_hash("13811112222"),
    )
    assert sorted(zhao.vulnerabilities.values_list("tag", flat=True)) == [
        "chronic_illness",
        "living_alone",
    ]
    assert list(zhao.needs.values_list("need", flat=True)) == ["oxygen"]
    assert people[0].household_id == people[1].household_id != people[2].household_id

    # The export of the grid, fetched with the browser's session and language: masked (staff
    # may not unmask), and logged.
    exported = page.request.get(
        f"{base}/people/ledgers/persons/export.xlsx?area={grid.code}",
        headers={"Accept-Language": "zh-CN"},
    )
    assert exported.status == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(exported.body()))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert rows[1:] == [
        ("1号楼", "301", "赵*", "男", dt.datetime(1948, 3, 2), pii.mask_id_number(ID_ZHAO),
         "138****2222", "常住人口", "***", "***"),
        ("1号楼", "301", "钱*", "女", dt.datetime(1979, 11, 20), pii.mask_id_number(ID_QIAN),
         None, "户籍人口", None, None),
        ("1号楼", "302", "孙**", "男", dt.datetime(2016, 5, 6), None, None, "户籍人口", None,
         None),
    ]  # fmt: skip
    body = exported.body()
    assert ID_ZHAO.encode() not in body and b"13811112222" not in body
    assert list(
        PersonalDataAccess.objects.order_by("pk").values_list("user", "action", "fields")
    ) == [
        (community_staff.pk, "import", []),
        (community_staff.pk, "export", ["masked"]),
    ]
