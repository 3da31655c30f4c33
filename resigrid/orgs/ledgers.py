"""Excel ledgers (台账) of units and their commitments (资源清单): specs, import (dry run →
atomic apply) and exports of the caller's scope.

The units ledger holds each unit's main contact with a phone (personal data): its export is
gated by EXPORT_PERSONAL, masked unless the caller may unmask, and logged. The commitments
ledger names units by name within the area imported into.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError
from resigrid.core.ledger import Column, Kind, LedgerSpec, RowError, parse, write_rows
from resigrid.orgs import rules
from resigrid.orgs.choices import CommitmentKind, Specialty, UnitKind
from resigrid.orgs.models import Commitment, Unit, UnitContact, UnitSpecialty
from resigrid.orgs.permissions import (
    can_export_units,
    can_import_units,
    can_unmask_contacts,
    can_view_orgs,
)


def _unit_rule(row: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    code = row.get("credit_code")
    if code:
        problem = rules.credit_code_problem(str(code).replace(" ", "").upper())
        if problem == "format":
            errors["credit_code"] = _("Not a unified social credit code (18 characters).")
        elif problem == "check":
            errors["credit_code"] = _("The credit code's check character is wrong.")
    if row.get("co_building_since") and not row.get("co_building"):
        errors["co_building_since"] = _("Only co-building members have a co-building date.")
    if row.get("contact_phone") and not row.get("contact_name"):
        errors["contact_name"] = _("Give the contact's name with the phone.")
    return errors


UNITS = LedgerSpec(
    name="orgs.units",
    sheet_title=gettext_lazy("Units"),
    columns=(
        Column("name", gettext_lazy("Unit name"), required=True, max_length=120,
               example="东湖物业服务有限公司"),
        Column("kind", gettext_lazy("Kind"), Kind.CHOICE, required=True, choices=UnitKind,
               example="property"),
        Column("area_code", gettext_lazy("Area code"), max_length=15,
               help_text=gettext_lazy("A grid or community code; empty: the area imported into"),
               example="330106001001001"),
        Column("credit_code", gettext_lazy("Unified social credit code"), max_length=18,
               example="91350100M000100Y43"),
        Column("specialties", gettext_lazy("Specialties"), Kind.CHOICES, choices=Specialty,
               example="security"),
        Column("scale", gettext_lazy("Staff"), Kind.INT, min_value=0, example=30),
        Column("has_party_org", gettext_lazy("Has a Party organisation"), Kind.BOOL,
               example=True),
        Column("co_building", gettext_lazy("Co-building member"), Kind.BOOL, example=True),
        Column("co_building_since", gettext_lazy("Co-building since"), Kind.DATE),
        Column("address", gettext_lazy("Address"), max_length=200, example="文三路100号"),
        Column("contact_name", gettext_lazy("Contact"), max_length=64, personal=True,
               example="赵经理"),
        Column("contact_role", gettext_lazy("Contact role"), max_length=64, example="经理"),
        Column("contact_phone", gettext_lazy("Contact phone"), Kind.PHONE, personal=True,
               example="13800001111"),
    ),
    key=("name",),
    row_validator=_unit_rule,
)  # fmt: skip


def _commitment_rule(row: Mapping[str, Any]) -> dict[str, Any]:
    start, end = row.get("valid_from"), row.get("valid_to")
    if start and end and end < start:
        return {"valid_to": _("The end of validity is before its start.")}
    return {}


COMMITMENTS = LedgerSpec(
    name="orgs.commitments",
    sheet_title=gettext_lazy("Commitments"),
    columns=(
        Column("unit", gettext_lazy("Unit name"), required=True, max_length=120,
               example="东湖物业服务有限公司"),
        Column("kind", gettext_lazy("Kind"), Kind.CHOICE, required=True, choices=CommitmentKind,
               example="vehicles"),
        Column("description", gettext_lazy("Description"), required=True, max_length=200,
               example="应急车辆"),
        Column("quantity", gettext_lazy("Quantity"), Kind.DECIMAL, required=True,
               decimal_places=2, min_value=0, example=2),
        Column("uom", gettext_lazy("Unit of measure"), required=True, max_length=16,
               example="辆"),
        Column("conditions", gettext_lazy("Conditions"), max_length=500,
               example="提前2小时电话通知"),
        Column("for_emergency", gettext_lazy("In an emergency"), Kind.BOOL, example=True),
        Column("for_daily", gettext_lazy("For daily service"), Kind.BOOL, example=False),
        Column("valid_from", gettext_lazy("Valid from"), Kind.DATE),
        Column("valid_to", gettext_lazy("Valid to"), Kind.DATE),
    ),
    row_validator=_commitment_rule,
)  # fmt: skip


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add(self, spec: LedgerSpec, row: int, key: str, message: str) -> None:
        self.error_count += 1
        self.errors.append(RowError(row, key, str(spec.column(key).header), message))


def _gate_import(actor: Any, area: Area) -> None:
    if not can_import_units(actor, area):
        raise PermissionDeniedError(_("You may not import ledgers into this area."))


def import_units(*, actor: Any, area: Area, file: bytes | IO[bytes], dry_run: bool) -> ImportReport:
    """Units (with one contact each) into the area's subtree; every row checked first, then
    all written in one transaction, or nothing."""
    _gate_import(actor, area)
    parsed = parse(UNITS, file)
    report = ImportReport(dry_run=dry_run, rows=len(parsed.rows) + parsed.rows_with_errors)
    report.errors, report.error_count = list(parsed.errors), parsed.error_count
    areas = {a.code: a for a in Area.objects.filter(code__startswith=area.scope_prefix)}
    taken_names = set(
        Unit.objects.filter(area__code__startswith=area.scope_prefix).values_list("area_id", "name")
    )
    codes = [r.values["credit_code"].upper() for r in parsed.rows if r.values.get("credit_code")]
    taken_codes = set(
        Unit.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True)
    )
    seen_codes: set[str] = set()
    for row in parsed.rows:
        v = row.values
        target = areas.get(v.get("area_code") or area.code)
        if target is None:
            outside = _("No area with this code inside %(area)s.") % {"area": area.name}
            report.add(UNITS, row.number, "area_code", outside)
        elif (target.pk, v["name"]) in taken_names:
            report.add(UNITS, row.number, "name", _("A unit with this name already exists here."))
        code = (v.get("credit_code") or "").replace(" ", "").upper()
        if code and (code in taken_codes or code in seen_codes):
            taken = _("Another unit already has this credit code.")
            report.add(UNITS, row.number, "credit_code", taken)
        seen_codes.add(code)
    report.errors.sort(key=lambda e: e.row_number)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        units, specs, contacts = [], [], []
        for row in parsed.rows:
            v = row.values
            unit = Unit(
                kind=v["kind"],
                name=v["name"],
                area=areas[v.get("area_code") or area.code],
                credit_code=(v.get("credit_code") or "").replace(" ", "").upper() or None,
                scale=v.get("scale") or 0,
                has_party_org=bool(v.get("has_party_org")),
                co_building=bool(v.get("co_building")),
                co_building_since=v.get("co_building_since"),
                address=v.get("address") or "",
            )
            units.append(unit)
            specs += [(unit, s) for s in sorted(set(v.get("specialties") or []))]
            if v.get("contact_name"):
                phone = v.get("contact_phone")
                contacts.append(
                    UnitContact(
                        unit=unit,
                        name=v["contact_name"],
                        role=v.get("contact_role") or "",
                        phone_enc=pii.encrypt(phone) if phone else None,
                        phone_hash=pii.keyed_hash(phone) if phone else None,
                    )
                )
        Unit.objects.bulk_create(units, batch_size=1000)
        UnitSpecialty.objects.bulk_create(UnitSpecialty(unit=u, specialty=s) for u, s in specs)
        UnitContact.objects.bulk_create(contacts, batch_size=1000)
        report.created = len(units)
        record_personal_data_access(
            user=actor, action=PersonalDataAccess.Action.IMPORT, subject=UNITS.name,
            fields=["contact_name", "contact_phone"], row_count=len(contacts), scope=area.code,
        )  # fmt: skip
    return report


def import_commitments(
    *, actor: Any, area: Area, file: bytes | IO[bytes], dry_run: bool
) -> ImportReport:
    """Commitments of units (named as in the units ledger) in the area's subtree."""
    _gate_import(actor, area)
    parsed = parse(COMMITMENTS, file)
    report = ImportReport(dry_run=dry_run, rows=len(parsed.rows) + parsed.rows_with_errors)
    report.errors, report.error_count = list(parsed.errors), parsed.error_count
    by_name: dict[str, list[int]] = {}
    for pk, name in Unit.objects.filter(area__code__startswith=area.scope_prefix).values_list(
        "pk", "name"
    ):
        by_name.setdefault(name, []).append(pk)
    for row in parsed.rows:
        found = by_name.get(row.values["unit"], [])
        if len(found) != 1:
            message = (
                _("No unit of this name in %(area)s.") % {"area": area.name}
                if not found
                else _("Several units have this name: rename one first.")
            )
            report.add(COMMITMENTS, row.number, "unit", message)
        if row.values["quantity"] <= 0:
            report.add(COMMITMENTS, row.number, "quantity", _("The quantity must be more than 0."))
    report.errors.sort(key=lambda e: e.row_number)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        rows = [
            Commitment(
                unit_id=by_name[v["unit"]][0],
                kind=v["kind"],
                description=v["description"],
                quantity=v["quantity"],
                uom=v["uom"],
                conditions=v.get("conditions") or "",
                for_emergency=True if v.get("for_emergency") is None else v["for_emergency"],
                for_daily=bool(v.get("for_daily")),
                valid_from=v.get("valid_from"),
                valid_to=v.get("valid_to"),
            )
            for v in parsed.values()
        ]
        Commitment.objects.bulk_create(rows, batch_size=1000)
        report.created = len(rows)
    return report


def export_units(*, actor: Any, area: Area, request: Any = None) -> bytes:
    """The units of the area's subtree the caller sees, with their main contact; the phone is
    masked unless the caller may unmask; logged."""
    if not can_export_units(actor, area):
        raise PermissionDeniedError(_("You may not export this ledger here."))
    unmask = can_unmask_contacts(actor, area)
    qs = (
        Unit.objects.visible_to(actor)
        .filter(area__code__startswith=area.scope_prefix)
        .select_related("area")
        .prefetch_related("specialties", "contacts")
        .order_by("area__code", "kind", "name", "pk")
    )
    count = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        for u in qs.iterator(chunk_size=1000):
            count += 1
            contacts = sorted(u.contacts.all(), key=lambda c: c.pk)
            main = contacts[0] if contacts else None
            yield {
                "name": u.name,
                "kind": u.kind,
                "area_code": u.area.code,
                "credit_code": u.credit_code or "",
                "specialties": u.specialty_values(),
                "scale": u.scale,
                "has_party_org": u.has_party_org,
                "co_building": u.co_building,
                "co_building_since": u.co_building_since,
                "address": u.address,
                "contact_name": main.name if main else "",
                "contact_role": main.role if main else "",
                "contact_phone": pii.decrypt(main.phone_enc) if main and main.phone_enc else None,
            }

    data = write_rows(UNITS, rows(), unmask=unmask)
    record_personal_data_access(
        user=actor,
        action=PersonalDataAccess.Action.EXPORT,
        subject=UNITS.name,
        fields=["contact_name", "contact_phone"] if unmask else ["masked"],
        row_count=count,
        scope=area.code,
        request=request,
    )
    return data


def export_commitments(*, actor: Any, area: Area, request: Any = None) -> bytes:
    """The commitments of the units of the area's subtree (no personal data)."""
    if not can_view_orgs(actor, area):
        raise PermissionDeniedError(_("You may not export this ledger here."))
    qs = (
        Commitment.objects.visible_to(actor)
        .filter(unit__area__code__startswith=area.scope_prefix)
        .select_related("unit")
        .order_by("unit__area__code", "unit__name", "kind", "pk")
    )
    rows = (
        {
            "unit": c.unit.name,
            "kind": c.kind,
            "description": c.description,
            "quantity": c.quantity,
            "uom": c.uom,
            "conditions": c.conditions,
            "for_emergency": c.for_emergency,
            "for_daily": c.for_daily,
            "valid_from": c.valid_from,
            "valid_to": c.valid_to,
        }
        for c in qs.iterator(chunk_size=1000)
    )
    return write_rows(COMMITMENTS, rows, unmask=True)
