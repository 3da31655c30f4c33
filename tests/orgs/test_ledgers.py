"""Units and commitments ledgers: template, dry run with row errors, atomic apply, masked export."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from resigrid.accounts.models import PersonalDataAccess, User
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError
from resigrid.core.ledger import LedgerSpec
from resigrid.orgs import ledgers
from resigrid.orgs.models import Commitment, Unit, UnitContact
from tests.orgs.conftest import OTHER_CREDIT, VALID_CREDIT, Orgs


def book(spec: LedgerSpec, rows: list[dict[str, Any]]) -> bytes:
    """A workbook with the spec's English headers and `rows` (missing keys left empty)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([str(c.header) for c in spec.columns])
    for r in rows:
        ws.append([r.get(c.key) for c in spec.columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return list(ws.iter_rows(values_only=True))


GOOD: list[dict[str, Any]] = [
    {"name": "阳光社工站", "kind": "social_org", "specialties": "psychological、elderly_care",
     "credit_code": VALID_CREDIT, "co_building": "yes", "contact_name": "孙站长",
     "contact_phone": "13911112222", "area_code": "330106001001001"},
    {"name": "东湖五金店", "kind": "shop", "scale": 3},
]  # fmt: skip


def test_dry_run_then_apply(orgs: Orgs, community_admin: User) -> None:
    data = book(ledgers.UNITS, GOOD)
    report = ledgers.import_units(
        actor=community_admin, area=orgs.tree.community1, file=data, dry_run=True
    )
    assert (report.ok, report.rows, report.created) == (True, 2, 0)
    assert Unit.objects.count() == 2
    report = ledgers.import_units(
        actor=community_admin, area=orgs.tree.community1, file=data, dry_run=False
    )
    assert (report.ok, report.created) == (True, 2)
    unit = Unit.objects.get(name="阳光社工站")
    assert (unit.area, unit.credit_code, unit.co_building) == (orgs.tree.grid11, VALID_CREDIT, True)
    assert unit.specialty_values() == ["elderly_care", "psychological"]
    contact = UnitContact.objects.get(unit=unit)
    assert contact.phone_hash == pii.keyed_hash("13911112222")
    assert Unit.objects.get(name="东湖五金店").area == orgs.tree.community1


def test_row_errors_and_nothing_written(orgs: Orgs, community_admin: User) -> None:
    Unit.objects.create(kind="enterprise", name="甲公司", area=orgs.tree.community1,
                        credit_code=OTHER_CREDIT)  # fmt: skip
    rows = [
        *GOOD,
        {"name": "东湖物业", "kind": "property"},
        {"name": "乙公司", "kind": "enterprise", "credit_code": "91350100M000100Y44"},
        {"name": "丙公司", "kind": "enterprise", "credit_code": OTHER_CREDIT},
        {"name": "丁公司", "kind": "enterprise", "area_code": "330106001002001"},
    ]
    report = ledgers.import_units(
        actor=community_admin, area=orgs.tree.community1, file=book(ledgers.UNITS, rows),
        dry_run=False,
    )  # fmt: skip
    assert [(e.row_number, e.column_key, e.message) for e in report.errors] == [
        (4, "name", "A unit with this name already exists here."),
        (5, "credit_code", "The credit code's check character is wrong."),
        (6, "credit_code", "Another unit already has this credit code."),
        (7, "area_code", "No area with this code inside 东湖社区."),
    ]
    assert Unit.objects.count() == 3
    assert UnitContact.objects.count() == 1


def test_wrong_headers_refused(orgs: Orgs, community_admin: User) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["单位", "类型"])
    out = io.BytesIO()
    wb.save(out)
    from resigrid.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        ledgers.import_units(
            actor=community_admin, area=orgs.tree.community1, file=out.getvalue(), dry_run=True
        )


def test_import_needs_rights(orgs: Orgs, grid_worker: User, community_admin: User) -> None:
    with pytest.raises(PermissionDeniedError):
        ledgers.import_units(
            actor=grid_worker, area=orgs.tree.grid11, file=book(ledgers.UNITS, GOOD), dry_run=True
        )
    with pytest.raises(PermissionDeniedError):
        ledgers.import_units(
            actor=community_admin, area=orgs.tree.community2, file=b"", dry_run=True
        )


def test_export_masked_for_staff_unmasked_for_secretary_and_logged(
    orgs: Orgs, community_staff: User, community_admin: User
) -> None:
    rows = read(ledgers.export_units(actor=community_staff, area=orgs.tree.community1))
    header = list(rows[0])
    body = dict(zip(header, rows[1], strict=True))
    assert (body["Unit name"], body["Contact"], body["Contact phone"]) == (
        "东湖物业", "赵**", "138****5678"
    )  # fmt: skip
    assert len(rows) == 2  # the other community's unit is not exported
    rows = read(ledgers.export_units(actor=community_admin, area=orgs.tree.community1))
    body = dict(zip(header, rows[1], strict=True))
    assert body["Contact phone"] == "13812345678"
    logs = list(
        PersonalDataAccess.objects.order_by("id").values_list(
            "user__username", "action", "fields", "row_count"
        )
    )
    assert logs == [
        ("staff1", "export", ["masked"], 1),
        ("secretary1", "export", ["contact_name", "contact_phone"], 1),
    ]


def test_export_gated(orgs: Orgs, department: User) -> None:
    with pytest.raises(PermissionDeniedError):
        ledgers.export_units(actor=department, area=orgs.tree.district)
    assert PersonalDataAccess.objects.count() == 0


def test_commitments_round_trip(orgs: Orgs, community_staff: User) -> None:
    rows: list[dict[str, Any]] = [
        {"unit": "东湖物业", "kind": "vehicles", "description": "巡逻车", "quantity": 2,
         "uom": "辆", "for_daily": "否"},
        {"unit": "无名单位", "kind": "goods", "description": "x", "quantity": 1, "uom": "件"},
    ]  # fmt: skip
    report = ledgers.import_commitments(
        actor=community_staff, area=orgs.tree.community1,
        file=book(ledgers.COMMITMENTS, rows), dry_run=True,
    )  # fmt: skip
    assert [(e.row_number, e.column_key) for e in report.errors] == [(3, "unit")]
    report = ledgers.import_commitments(
        actor=community_staff, area=orgs.tree.community1,
        file=book(ledgers.COMMITMENTS, rows[:1]), dry_run=False,
    )  # fmt: skip
    assert report.created == 1
    c = Commitment.objects.get()
    assert (c.unit, c.quantity, c.for_emergency, c.for_daily) == (
        orgs.unit1,
        Decimal("2.00"),
        True,
        False,
    )
    exported = read(ledgers.export_commitments(actor=community_staff, area=orgs.tree.community1))
    assert exported[1][:3] == ("东湖物业", "Vehicles", "巡逻车")


def test_ledger_pages(orgs: Orgs, client: Client, community_admin: User) -> None:
    client.force_login(community_admin)
    r = client.get("/orgs/ledgers/units/template.xlsx")
    assert r.status_code == 200
    assert read(r.content)[0][0] == "Unit name"
    r = client.post(
        "/orgs/ledgers/units/import/",
        {"area": orgs.tree.community1.code,
         "file": io.BytesIO(book(ledgers.UNITS, GOOD[1:]))},
    )  # fmt: skip
    assert r.status_code == 200 and "Preview: 1 rows, 0 errors" in r.content.decode()
    token = r.context["token"]
    r = client.post(
        "/orgs/ledgers/units/import/", {"area": orgs.tree.community1.code, "token": token}
    )
    assert "Imported 1 rows." in r.content.decode()
    assert Unit.objects.filter(name="东湖五金店").count() == 1
    r = client.get(f"/orgs/ledgers/units/export.xlsx?area={orgs.tree.community1.code}")
    assert r.status_code == 200
    assert client.get("/orgs/ledgers/units/export.xlsx?area=330106001002000").status_code == 404
    html = client.get("/orgs/units/").content.decode()
    assert 'data-export="units"' in html
