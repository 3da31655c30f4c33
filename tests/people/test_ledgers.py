"""Resident and volunteer ledgers: template round trip, dry run, atomic apply, masked export."""

from __future__ import annotations

import datetime as dt
import io
import stat

import openpyxl
import pytest

from resigrid.accounts.models import PersonalDataAccess
from resigrid.areas import ledger_pages
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError
from resigrid.core.ledger import reader
from resigrid.people import ledgers
from resigrid.people.models import Household, Person, Volunteer, Vulnerability
from tests.people.conftest import make_id


def _file(rows: list[list[object]], spec=ledgers.PERSONS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = str(spec.sheet_title)
    ws.append([str(c.header) for c in spec.columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _good_rows(people) -> list[list[object]]:
    a = make_id(dt.date(1945, 2, 3), 111)
    b = make_id(dt.date(1990, 7, 8), 222)
    return [
        ["1号楼", "302", "赵一", "", "", a, "13811112222", "registered", "living_alone", "oxygen"],
        ["1号楼", "302", "钱二", "F", dt.date(1990, 7, 8), b, "", "floating", "", ""],
    ]


def test_dry_run_then_apply(people, community_admin):
    data = _file(_good_rows(people))
    grid = people.tree.grid11
    before = Person.objects.count()
    report = ledgers.import_persons(actor=community_admin, grid=grid, file=data, dry_run=True)
    assert (report.ok, report.rows, report.created, Person.objects.count()) == (True, 2, 0, before)
    report = ledgers.import_persons(actor=community_admin, grid=grid, file=data, dry_run=False)
    assert (report.ok, report.created, report.households_created) == (True, 2, 1)
    zhao = Person.objects.get(name="赵一")
    assert (zhao.sex, zhao.birth_date, zhao.building_id) == (
        "M",
        dt.date(1945, 2, 3),
        people.tree.building11.pk,
    )
    assert list(Vulnerability.objects.filter(person=zhao).values_list("tag", flat=True)) == [
        "living_alone"
    ]
    assert Household.objects.get(pk=zhao.household_id).room == "302"
    assert PersonalDataAccess.objects.filter(action="import", row_count=2).count() == 1


def test_bad_rows_write_nothing_and_name_rows(people, community_admin):
    rows = _good_rows(people)
    good = str(rows[0][5])
    rows[0][5] = good[:17] + ("0" if good[17] != "0" else "1")  # wrong check digit
    rows[1][0] = "99号楼"  # not a building of this grid
    rows.append(["1号楼", "303", "孙三", "", "", people.id_old, "", "", "", ""])  # registered
    before = Person.objects.count()
    report = ledgers.import_persons(
        actor=community_admin, grid=people.tree.grid11, file=_file(rows), dry_run=False
    )
    assert not report.ok
    assert [(e.row_number, e.column_key) for e in report.errors] == [
        (2, "id_number"),
        (3, "building"),
        (4, "id_number"),
    ]
    assert Person.objects.count() == before


def test_import_needs_permission(people, grid_worker):
    with pytest.raises(PermissionDeniedError):
        ledgers.import_persons(
            actor=grid_worker, grid=people.tree.grid11, file=_file([]), dry_run=True
        )


def test_export_masked_for_staff_and_logged(people, community_staff):
    data = ledgers.export_persons(actor=community_staff, area=people.tree.community1)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws is not None
    values = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 2
    flat = str(values)
    assert people.id_old not in flat and "13912345678" not in flat
    assert "139****5678" in flat
    log = PersonalDataAccess.objects.get()
    assert (log.action, log.row_count, log.scope, log.fields) == (
        "export",
        2,
        "330106001001000",
        ["masked"],
    )


def test_export_unmasked_for_secretary(people, community_admin):
    data = ledgers.export_persons(actor=community_admin, area=people.tree.community1)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert people.id_old in str([list(r) for r in ws.iter_rows(values_only=True)])
    assert PersonalDataAccess.objects.get().fields == [
        "name",
        "id_number",
        "phone",
        "tags",
        "needs",
    ]


def test_export_refused_to_street_staff(people, street_admin):
    with pytest.raises(PermissionDeniedError):
        ledgers.export_persons(actor=street_admin, area=people.tree.street)
    assert PersonalDataAccess.objects.count() == 0


def test_volunteer_ledger_by_id_number(people, community_admin):
    rows = [
        ["王大爷", people.id_old, "", "driver、medical", None, None],
        ["李四", people.id_far, "", "", None, None],
    ]
    report = ledgers.import_volunteers(
        actor=community_admin,
        grid=people.tree.grid11,
        file=_file(rows, ledgers.VOLUNTEERS),
        dry_run=False,
    )
    assert [(e.row_number, e.column_key) for e in report.errors] == [(3, "id_number")]
    assert Volunteer.objects.count() == 0
    report = ledgers.import_volunteers(
        actor=community_admin,
        grid=people.tree.grid11,
        file=_file(rows[:1], ledgers.VOLUNTEERS),
        dry_run=False,
    )
    assert report.created == 1
    assert sorted(Volunteer.objects.get().skills.values_list("skill", flat=True)) == [
        "driver",
        "medical",
    ]


def test_import_page_preview_then_apply(people, community_admin, client_for):
    client = client_for(community_admin)
    data = _file(_good_rows(people))
    preview = client.post(
        "/people/ledgers/persons/import/",
        {"grid": people.tree.grid11.code, "file": io.BytesIO(data)},
    )
    assert preview.status_code == 200
    token = preview.context["token"]
    assert Person.objects.count() == 3
    applied = client.post(
        "/people/ledgers/persons/import/", {"grid": people.tree.grid11.code, "token": token}
    )
    assert applied.context["report"].created == 2
    assert Person.objects.count() == 5
    again = client.post(
        "/people/ledgers/persons/import/", {"grid": people.tree.grid11.code, "token": token}
    )
    assert "expired" in again.context["error"]
    assert client.get("/people/ledgers/persons/template.xlsx").status_code == 200


# The import page keeps the previewed rows: apply checks them against the database again but
# does not read the workbook a second time.

PAGE = "/people/ledgers/persons/import/"


@pytest.fixture
def workbook_reads(monkeypatch):
    calls = []
    real = openpyxl.load_workbook

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(reader, "load_workbook", counting)
    return calls


def _preview(client, people, data):
    response = client.post(PAGE, {"grid": people.tree.grid11.code, "file": io.BytesIO(data)})
    assert response.context["report"].ok
    return response.context["token"]


def _apply(client, people, token):
    return client.post(PAGE, {"grid": people.tree.grid11.code, "token": token})


def test_import_page_apply_uses_the_previewed_rows(
    people, community_admin, client_for, workbook_reads
):
    client = client_for(community_admin)
    token = _preview(client, people, _file(_good_rows(people)))
    assert workbook_reads == [1]
    xlsx, parsed = ledger_pages._paths(token)
    assert [stat.S_IMODE(p.stat().st_mode) for p in (xlsx, parsed)] == [0o600, 0o600]
    report = _apply(client, people, token).context["report"]
    assert (report.ok, report.created, report.households_created) == (True, 2, 1)
    assert workbook_reads == [1]  # apply did not read the workbook again
    assert sorted(Person.objects.filter(household__room="302").values_list("name", flat=True)) == [
        "赵一",
        "钱二",
    ]
    assert (xlsx.exists(), parsed.exists()) == (False, False)


def test_import_page_apply_reads_the_file_when_the_kept_rows_are_gone(
    people, community_admin, client_for, workbook_reads
):
    client = client_for(community_admin)
    token = _preview(client, people, _file(_good_rows(people)))
    ledger_pages._paths(token)[1].unlink()
    report = _apply(client, people, token).context["report"]
    assert (report.ok, report.created) == (True, 2)
    assert workbook_reads == [1, 1]
    assert Person.objects.count() == 5


def test_import_page_refuses_a_stored_file_changed_after_the_preview(
    people, community_admin, client_for
):
    client = client_for(community_admin)
    token = _preview(client, people, _file(_good_rows(people)[:1]))
    xlsx, parsed = ledger_pages._paths(token)
    xlsx.write_bytes(_file(_good_rows(people)))  # another file under the previewed name
    response = _apply(client, people, token)
    assert response.context["error"] == "The previewed file has expired: upload it again."
    assert "report" not in response.context
    assert Person.objects.count() == 3
    assert (xlsx.exists(), parsed.exists()) == (False, False)


def test_import_page_apply_checks_the_database_again(people, community_admin, client_for):
    client = client_for(community_admin)
    rows = _good_rows(people)
    token = _preview(client, people, _file(rows))
    # Between preview and apply someone registers the first row's ID number.
    Person.objects.filter(pk=people.young.pk).update(
        id_number_enc=pii.encrypt(str(rows[0][5])), id_number_hash=pii.keyed_hash(str(rows[0][5]))
    )
    report = _apply(client, people, token).context["report"]
    assert not report.ok
    assert [(e.row_number, e.column_key, e.message) for e in report.errors] == [
        (2, "id_number", "This ID number is already registered.")
    ]
    assert Person.objects.count() == 3
    assert PersonalDataAccess.objects.filter(action="import").count() == 0


def test_a_new_preview_replaces_the_one_not_applied(people, community_admin, client_for):
    client = client_for(community_admin)
    first = _preview(client, people, _file(_good_rows(people)[:1]))
    second = _preview(client, people, _file(_good_rows(people)))
    assert [p.exists() for p in ledger_pages._paths(first)] == [False, False]
    assert [p.exists() for p in ledger_pages._paths(second)] == [True, True]
    assert "expired" in _apply(client, people, first).context["error"]
    assert Person.objects.count() == 3
