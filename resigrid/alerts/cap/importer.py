"""Taking in a CAP 1.2 message: validate against the XSD, refuse a message already taken
(same sender, identifier and sent), then either draft a new alert for the importing area or,
for an Update or Cancel whose <references> name an alert we hold, apply it through the
lifecycle services. All of it in one transaction: an error writes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.alerts import rules, services
from resigrid.alerts.cap.models import CapImport
from resigrid.alerts.cap.reader import CapMessage, read
from resigrid.alerts.cap.schema import parse_cap
from resigrid.alerts.choices import Kind, Level, MsgType, Severity, Source, State
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed

P = "resigrid:"
LEVEL_OF_SEVERITY = {severity: level for level, severity in rules.SEVERITY_OF_LEVEL.items()}
LIVE = (State.DRAFT, State.APPROVED, State.PUBLISHED)
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ImportResult:
    outcome: str  # created, updated, cancelled or duplicate
    alert_id: int
    identifier: str
    sender: str
    sent: str

    @property
    def duplicate(self) -> bool:
        return self.outcome == DUPLICATE


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _result(record: CapImport, outcome: str | None = None) -> ImportResult:
    return ImportResult(
        outcome=outcome or record.outcome,
        alert_id=record.alert_id,
        identifier=record.identifier,
        sender=record.sender,
        sent=record.sent,
    )


def import_cap(*, actor: Any, data: bytes, area: Area, source_url: str = "") -> ImportResult:
    """Import one CAP document into `area` (the actor needs ISSUE_ALERTS there). A message
    already imported answers `duplicate` with the alert it became and writes nothing."""
    root = parse_cap(data)
    msg = read(root, sha256=hashlib.sha256(data).hexdigest())
    if not covers(actor, area.code, Perm.ISSUE_ALERTS):
        raise PermissionDeniedError(
            _("You may not issue alerts for %(area)s.") % {"area": area.name}
        )
    earlier = CapImport.objects.filter(key=msg.key).first()
    if earlier is not None:
        return _result(earlier, DUPLICATE)
    try:
        with transaction.atomic():
            return _apply(actor=actor, msg=msg, area=area, source_url=source_url)
    except IntegrityError:
        # Another import of the same message committed first.
        earlier = CapImport.objects.filter(key=msg.key).first()
        if earlier is None:
            raise
        return _result(earlier, DUPLICATE)


def _apply(*, actor: Any, msg: CapMessage, area: Area, source_url: str) -> ImportResult:
    held = _held(msg) if msg.msg_type != MsgType.ALERT else None
    if msg.msg_type == MsgType.CANCEL:
        if held is None:
            raise ValidationFailed(
                _("This Cancel refers to no alert held here: nothing to cancel."),
                field="references",
                errors={"references": [_("No alert held here has these references.")]},
            )
        alert = _cancel(actor=actor, alert=held, msg=msg)
        outcome = CapImport.Outcome.CANCELLED
    elif held is not None and held.state == State.PUBLISHED:
        alert = services.update(actor=actor, alert_id=held.pk, changes=_changes(held, msg))
        outcome = CapImport.Outcome.UPDATED
    else:
        alert = _create(actor=actor, msg=msg, area=area)
        outcome = CapImport.Outcome.CREATED
        if held is not None:  # an update of a draft we hold replaces that draft
            Alert.objects.filter(pk=alert.pk).update(supersedes=held)
            _discard(actor=actor, alert=held, note=_("Replaced by an imported update."))
    record = CapImport.objects.create(
        key=msg.key,
        identifier=msg.identifier,
        sender=msg.sender,
        sent=msg.sent,
        alert=alert,
        outcome=outcome,
        source_url=source_url[:500],
        sha256=msg.sha256,
        imported_by=_user(actor),
    )
    return _result(record)


def _held(msg: CapMessage) -> Alert | None:
    """The live alert that the message's references name: one imported from a referenced
    message (or its update), or one of ours. ConflictError when they are all closed."""
    refs = msg.referenced()
    if not refs:
        return None
    keys = [r.key for r in refs]
    ids = set(CapImport.objects.filter(key__in=keys).values_list("alert_id", flat=True))
    for r in refs:
        # CAP makes (sender, identifier) unique; `sent` may be written with another offset.
        ids.update(
            CapImport.objects.filter(sender=r.sender, identifier=r.identifier).values_list(
                "alert_id", flat=True
            )
        )
        ids.update(
            Alert.objects.filter(sender=r.sender, identifier=r.identifier).values_list(
                "pk", flat=True
            )
        )
    if not ids:
        return None
    # Follow updates to the alert that carries the story now.
    found = list(Alert.objects.filter(pk__in=ids))
    frontier = [a.pk for a in found if a.state == State.UPDATED]
    while frontier:
        newer = list(Alert.objects.filter(supersedes__in=frontier))
        found.extend(newer)
        frontier = [a.pk for a in newer if a.state == State.UPDATED]
    live = sorted((a for a in found if a.state in LIVE), key=lambda a: a.pk)
    if live:
        return live[-1]
    last = max(found, key=lambda a: a.pk)
    raise ConflictError(
        _("The alert this message refers to is already closed (%(state)s).")
        % {"state": last.get_state_display()},
        state=last.state,
    )


def _kind_and_level(msg: CapMessage) -> tuple[str, str]:
    kind = msg.parameters.get(f"{P}kind", "")
    level = msg.parameters.get(f"{P}level", "")
    guessed = LEVEL_OF_SEVERITY.get(Severity(msg.severity)) if msg.severity else None
    if not kind:
        kind = Kind.WARNING if (level or guessed) else Kind.NOTICE
    if not level and kind == Kind.WARNING and guessed is not None:
        level = Level(guessed)
    return kind, level


def _targets(msg: CapMessage, area: Area) -> list[int]:
    """Our areas named by the message's area codes inside the importing area; else that area."""
    codes = [c for c in msg.geocodes if isinstance(c, str)]
    inside = [a.pk for a in Area.objects.filter(code__in=codes) if a.is_within(area)]
    return inside or [area.pk]


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def _create(*, actor: Any, msg: CapMessage, area: Area) -> Alert:
    kind, level = _kind_and_level(msg)
    headline = msg.headline or msg.event
    draft = Draft(
        issuer_area_id=area.pk,
        target_area_ids=_targets(msg, area),
        kind=kind,
        level=level,
        category=msg.category,
        event=msg.event,
        headline=headline,
        description=msg.description or headline,
        instruction=msg.instruction,
        urgency=msg.urgency,
        severity=msg.severity,
        certainty=msg.certainty,
        area_desc=msg.area_desc,
        onset=msg.onset,
        expires=msg.expires,
        ack_minutes=_int(msg.parameters.get(f"{P}ack_minutes", ""), 30),
        cascade=msg.parameters.get(f"{P}cascade", "direct"),
        polygons=msg.polygons,
    )
    ref = f"{msg.sender},{msg.identifier},{msg.sent}"
    alert = draft_alert(actor=actor, draft=draft, source=Source.CAP_IMPORT, source_ref=ref)
    # The CAP header and info fields the draft form does not carry, as the message had them.
    alert.status = msg.status
    alert.msg_type = msg.msg_type
    alert.scope = msg.scope
    alert.note = msg.note
    alert.references = msg.references
    alert.language = msg.language
    alert.sender_name = msg.sender_name
    alert.web = msg.web
    alert.contact = msg.contact
    alert.effective = msg.effective
    alert.geocodes = msg.geocodes
    alert.save()
    return alert


def _changes(held: Alert, msg: CapMessage) -> dict[str, Any]:
    _kind, level = _kind_and_level(msg)
    wanted: dict[str, Any] = {
        "headline": msg.headline or msg.event,
        "description": msg.description or msg.headline or msg.event,
        "instruction": msg.instruction,
        "event": msg.event,
        "urgency": msg.urgency,
        "severity": msg.severity,
        "certainty": msg.certainty,
        "onset": msg.onset,
        "expires": msg.expires,
        "area_desc": msg.area_desc or held.area_desc,
        "ack_minutes": _int(msg.parameters.get(f"{P}ack_minutes", ""), held.ack_minutes),
    }
    if level:
        wanted["level"] = level
    return {k: v for k, v in wanted.items() if getattr(held, k) != v}


def _cancel(*, actor: Any, alert: Alert, msg: CapMessage) -> Alert:
    note = msg.note or msg.headline or _("Cancelled by %(sender)s.") % {"sender": msg.sender}
    if alert.state == State.PUBLISHED:
        return services.cancel(actor=actor, alert_id=alert.pk, note=note)
    return _discard(actor=actor, alert=alert, note=note)


def _discard(*, actor: Any, alert: Alert, note: str) -> Alert:
    """An imported draft that its sender updated or cancelled before we published it."""
    locked = services.locked(alert.pk)
    if not covers(actor, locked.issuer_area.code, Perm.ISSUE_ALERTS):
        raise PermissionDeniedError(
            _("You may not do this for alerts of %(area)s.") % {"area": locked.issuer_area.name}
        )
    target = rules.next_state(State(locked.state), "discard")
    if target is None:
        raise ConflictError(
            _("An alert in state “%(state)s” cannot be discarded.")
            % {"state": locked.get_state_display()},
            state=locked.state,
        )
    now = timezone.now()
    before = locked.state
    locked.state, locked.closed_at, locked.note = target, now, note
    locked.save(update_fields=["state", "closed_at", "note", "updated_at"])
    services.log(
        locked, actor=actor, action="discard", at=now, from_state=before, to_state=target, note=note
    )
    return locked
