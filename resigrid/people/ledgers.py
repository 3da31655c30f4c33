"""Excel ledgers (台账) of residents and volunteers: specs, import (dry run → atomic apply) and
masked, logged exports. The file format lives in resigrid.core.ledger; this module maps rows to
households, persons and volunteers of one grid.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from resigrid.accounts.models import PersonalDataAccess
from resigrid.accounts.roles import Perm
from resigrid.accounts.services import record_personal_data_access
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.core.ledger import Column, Kind, LedgerSpec, RowError, parse, write_rows
from resigrid.people import rules
from resigrid.people.choices import Need, Skill, Tag
from resigrid.people.models import (
    EmergencyNeed,
    Household,
    Person,
    Volunteer,
    VolunteerSkill,
    Vulnerability,
)
from resigrid.people.permissions import can_export_people, can_import_people, can_unmask


def _person_rule(row: Mapping[str, Any]) -> dict[str, Any]:
    idn = row.get("id_number")
    if idn:
        return dict(rules.id_conflicts(idn, sex=row.get("sex"), birth_date=row.get("birth_date")))
    errors: dict[str, Any] = {}
    if not row.get("birth_date"):
        errors["birth_date"] = _("Give the birth date, or an ID number.")
    if not row.get("sex"):
        errors["sex"] = _("Choose the sex, or give an ID number.")
    return errors


PERSONS = LedgerSpec(
    name="people.persons",
    sheet_title=gettext_lazy("Residents"),
    columns=(
        Column("building", gettext_lazy("Building"), max_length=100, example="1幢"),
        Column("room", gettext_lazy("Room"), max_length=32, example="1203"),
        Column(
            "name", pgettext_lazy("person", "Name"), required=True, max_length=64, example="张三",
            personal=True,
        ),
        Column("sex", gettext_lazy("Sex"), Kind.CHOICE, choices=Person.Sex, example="M"),
        Column("birth_date", gettext_lazy("Birth date"), Kind.DATE),
        Column(
            "id_number", gettext_lazy("ID number"), Kind.ID_NUMBER, personal=True,
            example="33010619900101123X",
        ),
        Column("phone", gettext_lazy("Phone"), Kind.PHONE, personal=True, example="13900001111"),
        Column(
            "residence_type", gettext_lazy("Residence type"), Kind.CHOICE,
            choices=Person.ResidenceType, example="registered",
        ),
        Column(
            "tags", gettext_lazy("Vulnerability tags"), Kind.CHOICES, choices=Tag,
            sensitive=True,
        ),
        Column(
            "needs", gettext_lazy("Emergency needs"), Kind.CHOICES, choices=Need,
            sensitive=True,
        ),
    ),
    key=("id_number",),
    row_validator=_person_rule,
)  # fmt: skip

VOLUNTEERS = LedgerSpec(
    name="people.volunteers",
    sheet_title=gettext_lazy("Volunteers"),
    columns=(
        Column(
            "name", pgettext_lazy("person", "Name"), required=True, max_length=64, personal=True,
            example="张三",
        ),
        Column(
            "id_number", gettext_lazy("ID number"), Kind.ID_NUMBER, required=True, personal=True,
            example="33010619900101123X",
        ),
        Column("phone", gettext_lazy("Phone"), Kind.PHONE, personal=True),
        Column("skills", gettext_lazy("Skills"), Kind.CHOICES, choices=Skill, example="driver"),
        Column("service_hours", gettext_lazy("Service hours"), Kind.DECIMAL, decimal_places=1),
        Column("points", gettext_lazy("Points"), Kind.INT),
    ),
    key=("id_number",),
)  # fmt: skip


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    households_created: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _grid_for_import(actor: Any, grid: Area) -> None:
    if grid.level != Level.GRID:
        raise ValidationFailed(_("Import residents into one grid."), field="grid")
    if not can_import_people(actor, grid):
        raise PermissionDeniedError(_("You may not import ledgers into this grid."))


def import_persons(
    *, actor: Any, grid: Area, file: bytes | IO[bytes], dry_run: bool
) -> ImportReport:
    """Check every row (file rules, buildings of this grid, ID numbers already registered);
    apply only when nothing is wrong, all in one transaction."""
    _grid_for_import(actor, grid)
    parsed = parse(PERSONS, file)
    report = ImportReport(dry_run=dry_run, rows=len(parsed.rows) + parsed.rows_with_errors)
    report.errors = list(parsed.errors)
    report.error_count = parsed.error_count
    buildings = dict(Building.objects.filter(grid=grid).values_list("name", "pk"))
    hashes = {
        r.number: pii.keyed_hash(r.values["id_number"])
        for r in parsed.rows
        if r.values.get("id_number")
    }
    taken: set[str | None] = set()
    values = list(hashes.values())
    for start in range(0, len(values), 5000):
        taken.update(
            Person.objects.filter(id_number_hash__in=values[start : start + 5000]).values_list(
                "id_number_hash", flat=True
            )
        )
    header = {c.key: str(c.header) for c in PERSONS.columns}
    for row in parsed.rows:
        problems = []
        if row.values.get("building") and row.values["building"] not in buildings:
            problems.append(
                ("building", _("No building of this name in grid %(grid)s.") % {"grid": grid.name})
            )
        if hashes.get(row.number) in taken:
            problems.append(("id_number", _("This ID number is already registered.")))
        for key, message in problems:
            report.error_count += 1
            report.errors.append(RowError(row.number, key, header[key], message))
    report.errors.sort(key=lambda e: e.row_number)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        _apply_persons(grid, parsed.values(), buildings, report)
        record_personal_data_access(
            user=actor,
            action=PersonalDataAccess.Action.IMPORT,
            subject=PERSONS.name,
            row_count=report.created,
            scope=grid.code,
        )
    return report


def _apply_persons(
    grid: Area, rows: Sequence[dict[str, Any]], buildings: dict[str, int], report: ImportReport
) -> None:
    homes: dict[tuple[int | None, str], int] = {
        (b, r): pk
        for pk, b, r in Household.objects.filter(grid=grid).values_list("pk", "building_id", "room")
    }
    new = {
        (buildings.get(v.get("building") or ""), v.get("room") or "") for v in rows
    } - homes.keys()
    created = Household.objects.bulk_create(
        [Household(grid=grid, building_id=b, room=r) for b, r in sorted(new, key=str)],
        batch_size=2000,
    )
    homes.update({(h.building_id, h.room): h.pk for h in created})
    report.households_created = len(created)
    persons = []
    for v in rows:
        idn, phone = v.get("id_number"), v.get("phone")
        building = buildings.get(v.get("building") or "")
        persons.append(
            Person(
                household_id=homes[(building, v.get("room") or "")],
                grid=grid,
                building_id=building,
                name=v["name"],
                # The row rule made sure that a row without both has an ID number.
                sex=v.get("sex") or rules.sex_from_id(idn or ""),
                birth_date=v.get("birth_date") or pii.birth_date_from_id(idn or ""),
                id_number_enc=pii.encrypt(idn) if idn else None,
                id_number_hash=pii.keyed_hash(idn) if idn else None,
                phone_enc=pii.encrypt(phone) if phone else None,
                phone_hash=pii.keyed_hash(phone) if phone else None,
                residence_type=v.get("residence_type") or Person.ResidenceType.REGISTERED,
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000)
    Vulnerability.objects.bulk_create(
        (
            Vulnerability(person=p, grid=grid, tag=t)
            for p, v in zip(persons, rows, strict=True)
            for t in v.get("tags") or []
        ),
        batch_size=2000,
    )
    EmergencyNeed.objects.bulk_create(
        (
            EmergencyNeed(person=p, need=n)
            for p, v in zip(persons, rows, strict=True)
            for n in v.get("needs") or []
        ),
        batch_size=2000,
    )
    report.created = len(persons)


def _export_gate(actor: Any, area: Area, spec: LedgerSpec) -> bool:
    if not can_export_people(actor, area):
        raise PermissionDeniedError(_("You may not export this ledger here."))
    return can_unmask(actor, area)


def export_persons(*, actor: Any, area: Area, request: Any = None) -> bytes:
    """The residents of the area's subtree the caller may see; masked unless they may unmask;
    logged. Tags and needs only for grids where the caller may see vulnerability."""
    unmask = _export_gate(actor, area, PERSONS)
    qs = (
        Person.objects.visible_to(actor)
        .filter(grid__code__startswith=area.scope_prefix)
        .select_related("grid", "building", "household")
        .prefetch_related("vulnerabilities", "needs")
        .order_by("grid__code", "household_id", "pk")
    )
    vuln_prefixes = Person.objects.visible_to(actor, Perm.VIEW_VULNERABLE)
    vulnerable_ids = set(
        vuln_prefixes.filter(grid__code__startswith=area.scope_prefix)
        .vulnerable()
        .values_list("pk", flat=True)
    )
    count = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        for p in qs.iterator(chunk_size=2000):
            count += 1
            sees = p.pk in vulnerable_ids
            yield {
                "building": p.building.name if p.building else "",
                "room": p.household.room,
                "name": p.name,
                "sex": p.sex,
                "birth_date": p.birth_date,
                "id_number": pii.decrypt(p.id_number_enc) if p.id_number_enc else None,
                "phone": pii.decrypt(p.phone_enc) if p.phone_enc else None,
                "residence_type": p.residence_type,
                "tags": [v.tag for v in p.vulnerabilities.all()] if sees else [],
                "needs": [n.need for n in p.needs.all()] if sees else [],
            }

    data = write_rows(PERSONS, rows(), unmask=unmask)
    record_personal_data_access(
        user=actor,
        action=PersonalDataAccess.Action.EXPORT,
        subject=PERSONS.name,
        fields=["name", "id_number", "phone", "tags", "needs"] if unmask else ["masked"],
        row_count=count,
        scope=area.code,
        request=request,
    )
    return data


def export_volunteers(*, actor: Any, area: Area, request: Any = None) -> bytes:
    unmask = _export_gate(actor, area, VOLUNTEERS)
    qs = (
        Volunteer.objects.visible_to(actor)
        .filter(person__grid__code__startswith=area.scope_prefix)
        .select_related("person")
        .prefetch_related("skills")
        .order_by("pk")
    )
    rows = [
        {
            "name": v.person.name,
            "id_number": pii.decrypt(v.person.id_number_enc) if v.person.id_number_enc else None,
            "phone": pii.decrypt(v.person.phone_enc) if v.person.phone_enc else None,
            "skills": sorted(s.skill for s in v.skills.all()),
            "service_hours": v.service_hours,
            "points": v.points,
        }
        for v in qs
    ]
    data = write_rows(VOLUNTEERS, rows, unmask=unmask)
    record_personal_data_access(
        user=actor,
        action=PersonalDataAccess.Action.EXPORT,
        subject=VOLUNTEERS.name,
        fields=["name", "id_number", "phone"] if unmask else ["masked"],
        row_count=len(rows),
        scope=area.code,
        request=request,
    )
    return data


def import_volunteers(
    *, actor: Any, grid: Area, file: bytes | IO[bytes], dry_run: bool
) -> ImportReport:
    """Register residents of the grid (found by ID number) as volunteers with their skills."""
    _grid_for_import(actor, grid)
    parsed = parse(VOLUNTEERS, file)
    report = ImportReport(dry_run=dry_run, rows=len(parsed.rows) + parsed.rows_with_errors)
    report.errors, report.error_count = list(parsed.errors), parsed.error_count
    found = dict(
        Person.objects.filter(
            grid=grid,
            id_number_hash__in=[pii.keyed_hash(r.values["id_number"]) for r in parsed.rows],
        ).values_list("id_number_hash", "pk")
    )
    already = set(
        Volunteer.objects.filter(person_id__in=found.values()).values_list("person_id", flat=True)
    )
    header = str(VOLUNTEERS.column("id_number").header)
    targets: list[tuple[int, list[str]]] = []
    for row in parsed.rows:
        pk = found.get(pii.keyed_hash(row.values["id_number"]))
        message = None
        if pk is None:
            message = _("No resident of grid %(grid)s has this ID number.") % {"grid": grid.name}
        elif pk in already:
            message = _("This resident is already a volunteer.")
        if message or pk is None:
            report.error_count += 1
            report.errors.append(RowError(row.number, "id_number", header, str(message)))
        else:
            targets.append((pk, row.values.get("skills") or []))
    report.errors.sort(key=lambda e: e.row_number)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        vols = Volunteer.objects.bulk_create([Volunteer(person_id=pk) for pk, _skills in targets])
        VolunteerSkill.objects.bulk_create(
            VolunteerSkill(volunteer=v, skill=s)
            for v, (_person, skills) in zip(vols, targets, strict=True)
            for s in skills
        )
        report.created = len(vols)
        record_personal_data_access(
            user=actor, action=PersonalDataAccess.Action.IMPORT, subject=VOLUNTEERS.name,
            row_count=len(vols), scope=grid.code,
        )  # fmt: skip
    return report
