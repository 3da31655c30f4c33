"""CAP 1.2 import (service): new drafts, duplicates, updates and cancels of alerts we hold,
and every kind of bad input refused with nothing written."""

from __future__ import annotations

import pytest

from resigrid.alerts import services
from resigrid.alerts.cap import export
from resigrid.alerts.cap.importer import import_cap
from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.cap.schema import CapInvalid
from resigrid.alerts.models import Alert, AlertLog
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from tests.alerts.cap_helpers import cap, published
from tests.alerts.conftest import World

pytestmark = pytest.mark.django_db

SENDER = "cap@gd.example.cn"
FIRST = f"{SENDER},44030000000000_20260701120000_1,2026-07-01T12:00:00+08:00"


def counts() -> tuple[int, int, int]:
    return Alert.objects.count(), CapImport.objects.count(), AlertLog.objects.count()


def test_foreign_alert_becomes_a_draft_of_the_importing_area(world: World) -> None:
    result = import_cap(actor=world.secretary, data=cap(), area=world.tree.community1)
    assert (result.outcome, result.identifier, result.sender, result.sent) == (
        "created",
        "44030000000000_20260701120000_1",
        SENDER,
        "2026-07-01T12:00:00+08:00",
    )
    alert = Alert.objects.get(pk=result.alert_id)
    assert (alert.state, alert.source, alert.source_ref) == ("draft", "cap_import", FIRST)
    assert (alert.kind, alert.level, alert.severity) == ("warning", "orange", "Severe")
    assert (alert.headline, alert.event, alert.sender_name) == ("台风橙色预警", "台风", "省气象台")
    assert alert.polygons == [[[120.0, 30.0], [120.2, 30.0], [120.2, 30.2], [120.0, 30.0]]]
    assert alert.geocodes == ["330106001001000"]
    assert alert.issuer_area == world.tree.community1
    assert list(alert.target_areas.all()) == [world.tree.community1]
    assert alert.created_by == world.secretary
    record = CapImport.objects.get()
    assert (record.alert, record.outcome, record.imported_by) == (
        alert,
        "created",
        world.secretary,
    )


def test_duplicate_is_reported_and_not_imported_twice(world: World) -> None:
    first = import_cap(actor=world.secretary, data=cap(), area=world.tree.community1)
    before = counts()
    again = import_cap(actor=world.street, data=cap(), area=world.tree.street)
    assert again.duplicate
    assert again.alert_id == first.alert_id
    assert counts() == before
    # Without the right to import there, a duplicate is refused like any other import.
    with pytest.raises(PermissionDeniedError):
        import_cap(actor=world.staff2, data=cap(), area=world.tree.community1)


def test_same_identifier_other_sent_is_a_new_message(world: World) -> None:
    import_cap(actor=world.secretary, data=cap(), area=world.tree.community1)
    other = import_cap(
        actor=world.secretary,
        data=cap(sent="2026-07-01T13:00:00+08:00"),
        area=world.tree.community1,
    )
    assert other.outcome == "created"
    assert Alert.objects.count() == 2


def test_outside_scope_is_denied_and_nothing_written(world: World) -> None:
    before = counts()
    with pytest.raises(PermissionDeniedError):
        import_cap(actor=world.staff2, data=cap(), area=world.tree.community1)
    with pytest.raises(PermissionDeniedError):
        import_cap(actor=world.resident, data=cap(), area=world.tree.grid11)
    assert counts() == before


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&d;</identifier></alert>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The document is empty."),
        (b"   \n", "The document is empty."),
        (b"<alert><identifier>x</alert>", "The document is not well-formed XML."),
        (BOMB, "Documents with a DTD (DOCTYPE) are refused."),
        (EXTERNAL, "Documents with a DTD (DOCTYPE) are refused."),
        (
            cap().replace(
                b"urn:oasis:names:tc:emergency:cap:1.2", b"urn:oasis:names:tc:emergency:cap:1.1"
            ),
            "The root element is {urn:oasis:names:tc:emergency:cap:1.1}alert, not a CAP 1.2 "
            "<alert> in the namespace urn:oasis:names:tc:emergency:cap:1.2.",
        ),
        (
            cap().replace(b"<status>Actual</status>", b"<status>Real</status>"),
            "The document does not follow the CAP 1.2 schema.",
        ),
        (
            cap(msg_type="Ack"),
            "CAP Ack messages are not taken here, only Alert, Update and Cancel.",
        ),
        (cap(info=""), "An Alert or Update needs an <info> block."),
        (
            cap().replace(b"30.0,120.0 30.0,120.2 30.2,120.2 30.0,120.0", b"north of the river"),
            "The polygon \u201cnorth of the river\u201d is not a list of "
            "\u201clatitude,longitude\u201d pairs in WGS84.",
        ),
        (
            cap().replace(
                b"<event>\xe5\x8f\xb0\xe9\xa3\x8e</event>", b"<event>" + b"x" * 101 + b"</event>"
            ),
            "<event> is longer than 100 characters.",
        ),
    ],
)
def test_bad_documents_are_refused_with_nothing_written(
    world: World, data: bytes, message: str
) -> None:
    before = counts()
    with pytest.raises(CapInvalid) as err:
        import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    assert str(err.value.message) == message
    assert counts() == before


def test_schema_errors_carry_line_and_column(world: World) -> None:
    data = cap().replace(b"<status>Actual</status>", b"<status>Real</status>")
    with pytest.raises(CapInvalid) as err:
        import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    [error] = err.value.schema_errors
    assert error.line == 6
    assert "status" in error.message
    assert err.value.errors["xml"][0].startswith("Line 6, column ")


def test_oversize_is_refused_before_parsing(world: World, settings: object) -> None:
    settings.ALERT_CAP_MAX_BYTES = 1000  # type: ignore[attr-defined]
    data = cap(note="x" * 2000)
    with pytest.raises(CapInvalid) as err:
        import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    assert str(err.value.message) == "The document is larger than 1000 bytes."
    assert counts()[0] == 0


def test_update_of_a_published_import_goes_through_the_lifecycle(world: World) -> None:
    first = import_cap(actor=world.street, data=cap(), area=world.tree.street)
    services.approve(actor=world.approver, alert_id=first.alert_id)
    services.publish(actor=world.street, alert_id=first.alert_id)
    update = (
        cap(
            identifier="44030000000000_20260701130000_1",
            sent="2026-07-01T13:00:00+08:00",
            msg_type="Update",
            references=FIRST,
        )
        .replace("台风橙色预警".encode(), "台风红色预警".encode())
        .replace(b"Severe", b"Extreme")
    )
    result = import_cap(actor=world.street, data=update, area=world.tree.street)
    assert result.outcome == "updated"
    old = Alert.objects.get(pk=first.alert_id)
    new = Alert.objects.get(pk=result.alert_id)
    assert old.state == "updated"
    assert (new.state, new.msg_type, new.supersedes, new.headline, new.level) == (
        "published",
        "Update",
        old,
        "台风红色预警",
        "red",
    )
    # A second update naming only the first message applies to the current one.
    third = cap(
        identifier="44030000000000_20260701140000_1",
        sent="2026-07-01T14:00:00+08:00",
        msg_type="Cancel",
        references=FIRST,
        note="台风已减弱",
        info="",
    )
    cancelled = import_cap(actor=world.street, data=third, area=world.tree.street)
    assert (cancelled.outcome, cancelled.alert_id) == ("cancelled", new.pk)
    new.refresh_from_db()
    assert (new.state, new.note) == ("cancelled", "台风已减弱")
    # Anything more about the closed story is a conflict, and writes nothing.
    before = counts()
    late = cap(identifier="late", msg_type="Update", references=FIRST)
    with pytest.raises(ConflictError):
        import_cap(actor=world.street, data=late, area=world.tree.street)
    assert counts() == before


def test_cancel_of_our_own_exported_alert(world: World) -> None:
    alert = published(world)
    header = export.alert_element(alert)
    sent = header.findtext("{urn:oasis:names:tc:emergency:cap:1.2}sent")
    reference = f"{alert.sender},{alert.identifier},{sent}"
    data = cap(identifier="c1", msg_type="Cancel", references=reference, note="误报", info="")
    result = import_cap(actor=world.street, data=data, area=world.tree.street)
    alert.refresh_from_db()
    assert (result.outcome, result.alert_id, alert.state, alert.note) == (
        "cancelled",
        alert.pk,
        "cancelled",
        "误报",
    )


def test_cancel_of_an_unpublished_import_discards_it(world: World) -> None:
    first = import_cap(actor=world.secretary, data=cap(), area=world.tree.community1)
    data = cap(identifier="c2", msg_type="Cancel", references=FIRST, info="")
    result = import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    alert = Alert.objects.get(pk=first.alert_id)
    assert (result.outcome, alert.state) == ("cancelled", "cancelled")
    assert alert.log.last().action == "discard"  # type: ignore[union-attr]


def test_update_of_an_unpublished_import_replaces_the_draft(world: World) -> None:
    first = import_cap(actor=world.secretary, data=cap(), area=world.tree.community1)
    data = cap(identifier="u2", msg_type="Update", references=FIRST)
    result = import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    old = Alert.objects.get(pk=first.alert_id)
    new = Alert.objects.get(pk=result.alert_id)
    assert (result.outcome, old.state, new.state, new.supersedes, new.msg_type) == (
        "created",
        "cancelled",
        "draft",
        old,
        "Update",
    )


def test_cancel_of_nothing_we_hold_is_refused(world: World) -> None:
    before = counts()
    data = cap(
        identifier="c3",
        msg_type="Cancel",
        references="x@y,nothing,2026-07-01T12:00:00+08:00",
        info="",
    )
    with pytest.raises(ValidationFailed) as err:
        import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    assert err.value.field == "references"
    assert counts() == before


def test_update_of_nothing_we_hold_is_a_new_draft(world: World) -> None:
    data = cap(
        identifier="u3", msg_type="Update", references="x@y,nothing,2026-07-01T12:00:00+08:00"
    )
    result = import_cap(actor=world.secretary, data=data, area=world.tree.community1)
    alert = Alert.objects.get(pk=result.alert_id)
    assert (result.outcome, alert.msg_type, alert.references) == (
        "created",
        "Update",
        "x@y,nothing,2026-07-01T12:00:00+08:00",
    )


def test_without_our_parameters_kind_and_level_follow_severity(world: World) -> None:
    unknown = cap().replace(b"Severe", b"Unknown")
    result = import_cap(actor=world.secretary, data=unknown, area=world.tree.community1)
    alert = Alert.objects.get(pk=result.alert_id)
    assert (alert.kind, alert.level) == ("notice", "")
