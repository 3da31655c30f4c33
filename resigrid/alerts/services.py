"""The lifecycle of an alert: approve, publish (with distribution), update, cancel, expire, and
the integrity check. Every move locks the alert row, follows rules.LIFECYCLE and is logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.alerts import rules
from resigrid.alerts.choices import Level, MsgType, Severity, State
from resigrid.alerts.distribution import distribute, notify_users
from resigrid.alerts.models import Alert, AlertLog, Relay
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)

DEFAULT_APPROVAL = {"district": True, "street": True, "community": True, "grid": False}


def approval_required(level: str) -> bool:
    table = getattr(settings, "ALERT_APPROVAL_REQUIRED", DEFAULT_APPROVAL)
    return bool(table.get(level, DEFAULT_APPROVAL.get(level, True)))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def locked(alert_id: int) -> Alert:
    alert = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("issuer_area")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFoundError(_("No such alert."))
    return alert


def _move(alert: Alert, action: str) -> State:
    target = rules.next_state(State(alert.state), action)
    if target is None:
        raise ConflictError(
            _("An alert in state “%(state)s” cannot be %(action)s.")
            % {"state": alert.get_state_display(), "action": action},
            state=alert.state,
        )
    return target


def log(
    alert: Alert,
    *,
    actor: Any,
    action: str,
    at: dt.datetime,
    from_state: str = "",
    to_state: str = "",
    area_id: int | None = None,
    note: str = "",
) -> AlertLog:
    return AlertLog.objects.create(
        alert=alert,
        at=at,
        actor=_user(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        area_id=area_id or alert.issuer_area_id,
        note=note,
    )


def _require(actor: Any, alert: Alert, perm: Perm) -> None:
    if not covers(actor, alert.issuer_area.code, perm):
        raise PermissionDeniedError(
            _("You may not do this for alerts of %(area)s.") % {"area": alert.issuer_area.name}
        )


def stored_fields(alert: Alert) -> dict[str, object]:
    return {name: getattr(alert, name) for name in rules.CANONICAL_FIELDS}


@transaction.atomic
def approve(*, actor: Any, alert_id: int) -> Alert:
    alert = locked(alert_id)
    _require(actor, alert, Perm.APPROVE_ALERTS)
    target = _move(alert, "approve")
    if alert.created_by_id is not None and alert.created_by_id == getattr(actor, "pk", None):
        raise PermissionDeniedError(_("Someone other than the drafter must approve the alert."))
    now = timezone.now()
    before = alert.state
    alert.state, alert.approved_by, alert.approved_at = target, _user(actor), now
    alert.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    log(alert, actor=actor, action="approve", at=now, from_state=before, to_state=target)
    return alert


def identifier_for(alert: Alert, sent: dt.datetime) -> str:
    """The GB/T 35965.1 identifier with the next serial of this issuer in this second. The
    issuer's area row is locked (NO KEY: rows pointing at the area are not held up) until the
    transaction ends, so two publications by one issuer in the same second take turns and the
    second sees the first's serial; different issuers do not wait for each other."""
    code = alert.issuer_area.code
    Area.objects.select_for_update(no_key=True).filter(pk=alert.issuer_area_id).values_list(
        "pk", flat=True
    ).first()
    division, body = code[:6], code[6:14].ljust(8, "0")
    prefix = rules.identifier_prefix(division=division, body=body, sent=sent)
    taken = Alert.objects.filter(identifier__startswith=prefix).values_list("identifier", flat=True)
    serial = rules.next_serial(prefix, taken)
    return rules.identifier(division=division, body=body, sent=sent, serial=serial)


def _publish(alert: Alert, *, actor: Any, now: dt.datetime, action: str = "publish") -> None:
    sent = now.replace(microsecond=0)
    alert.identifier = identifier_for(alert, sent)
    alert.sent = sent
    alert.state = State.PUBLISHED
    alert.published_by, alert.published_at = _user(actor), now
    if alert.effective is None:
        alert.effective = sent
    alert.content_sha256 = rules.content_sha256(stored_fields(alert))
    alert.save()
    distribute(alert=alert, now=now)


@transaction.atomic
def publish(*, actor: Any, alert_id: int) -> Alert:
    """Publish: the GB/T 35965.1 identifier, the SHA-256 of the original text, and distribution
    down the tree in the same transaction."""
    alert = locked(alert_id)
    _require(actor, alert, Perm.ISSUE_ALERTS)
    target = _move(alert, "publish")
    if alert.state == State.DRAFT and approval_required(alert.issuer_area.level):
        raise ConflictError(
            _("This alert must be approved before it is published."), state=alert.state
        )
    before = alert.state
    now = timezone.now()
    _publish(alert, actor=actor, now=now)
    log(alert, actor=actor, action="publish", at=now, from_state=before, to_state=target)
    return alert


UPDATABLE = {
    "headline",
    "description",
    "instruction",
    "event",
    "level",
    "urgency",
    "severity",
    "certainty",
    "onset",
    "expires",
    "area_desc",
    "ack_minutes",
}


@transaction.atomic
def update(*, actor: Any, alert_id: int, changes: Mapping[str, Any]) -> Alert:
    """A CAP Update: a new, published alert that references and supersedes this one (which
    becomes `updated`); it is distributed like the first."""
    alert = locked(alert_id)
    _require(actor, alert, Perm.ISSUE_ALERTS)
    target = _move(alert, "update")
    unknown = sorted(set(changes) - UPDATABLE)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be updated: %(names)s.") % {"names": ", ".join(unknown)},
            field=unknown[0],
            errors={name: [_("Cannot be updated.")] for name in unknown},
        )
    for name in ("headline", "description", "event"):
        if name in changes and not str(changes[name] or "").strip():
            raise ValidationFailed(
                _("This field is required."),
                field=name,
                errors={name: [_("This field is required.")]},
            )
    if "level" in changes and changes["level"] not in Level.values:
        raise ValidationFailed(
            _("Unknown level."), field="level", errors={"level": [_("Unknown level.")]}
        )
    now = timezone.now()
    targets = list(alert.target_areas.all())
    new = Alert.objects.get(pk=alert.pk)
    new.pk = None
    new.id = None
    for name, value in changes.items():
        setattr(new, name, value.strip() if isinstance(value, str) else value)
    if "level" in changes and "severity" not in changes:
        new.severity = rules.SEVERITY_OF_LEVEL.get(Level(new.level), Severity.UNKNOWN)
    new.msg_type = MsgType.UPDATE
    new.references = (
        f"{alert.sender},{alert.identifier},{alert.sent.isoformat() if alert.sent else ''}"
    )
    new.supersedes = alert
    new.state = State.DRAFT
    new.identifier = f"update-{now:%Y%m%d%H%M%S%f}-{alert.pk}"
    new.effective = None
    new.created_by = _user(actor)
    new.approved_by, new.approved_at, new.closed_at = None, None, None
    new.content_sha256 = ""
    new.save()
    new.target_areas.set(targets)
    before = alert.state
    alert.state, alert.closed_at = target, now
    alert.save(update_fields=["state", "closed_at", "updated_at"])
    log(
        alert,
        actor=actor,
        action="update",
        at=now,
        from_state=before,
        to_state=target,
        note=f"→ {new.pk}",
    )
    new.issuer_area = alert.issuer_area
    _publish(new, actor=actor, now=now)
    log(
        new,
        actor=actor,
        action="publish",
        at=now,
        from_state=State.DRAFT,
        to_state=State.PUBLISHED,
        note=f"updates {alert.identifier}",
    )
    return new


@transaction.atomic
def cancel(*, actor: Any, alert_id: int, note: str) -> Alert:
    """A CAP Cancel: the alert stops; everyone who got it is told."""
    alert = locked(alert_id)
    _require(actor, alert, Perm.ISSUE_ALERTS)
    target = _move(alert, "cancel")
    if not note.strip():
        raise ValidationFailed(
            _("Say why the alert is cancelled."),
            field="note",
            errors={"note": [_("Say why the alert is cancelled.")]},
        )
    now = timezone.now()
    before = alert.state
    alert.state, alert.closed_at, alert.note = target, now, note.strip()
    alert.save(update_fields=["state", "closed_at", "note", "updated_at"])
    log(
        alert,
        actor=actor,
        action="cancel",
        at=now,
        from_state=before,
        to_state=target,
        note=note.strip(),
    )
    notify_users(
        alert=alert,
        user_ids=alert.recipients.filter(user__isnull=False).values_list("user_id", flat=True),
        subject=_("Cancelled: %(headline)s") % {"headline": alert.headline},
        body=note.strip(),
    )
    return alert


def expire_due(*, now: dt.datetime | None = None) -> int:
    """Published alerts past `expires` become expired (one by one, locked, logged)."""
    now = now or timezone.now()
    done = 0
    ids = list(
        Alert.objects.filter(state=State.PUBLISHED, expires__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            alert = locked(pk)
            target = rules.next_state(State(alert.state), "expire")
            if target is None or alert.expires is None or alert.expires > now:
                continue
            alert.state, alert.closed_at = target, now
            alert.save(update_fields=["state", "closed_at", "updated_at"])
            log(
                alert,
                actor=None,
                action="expire",
                at=now,
                from_state=State.PUBLISHED,
                to_state=target,
            )
            done += 1
    return done


# --- integrity ---


@dataclass(frozen=True)
class RelayCheck:
    relay_id: int
    area_id: int
    area_name: str
    received_sha256: str
    intact: bool


@dataclass(frozen=True)
class Verification:
    alert_id: int
    expected: str  # content_sha256 fixed at publication
    actual: str  # recomputed now from the stored fields
    intact: bool
    relays: list[RelayCheck]


def verify(alert: Alert) -> Verification:
    """Recompute the SHA-256 of the stored text; compare with the publication hash and what
    each level received. A difference marks the relays not intact and is logged once."""
    fresh = Alert.objects.get(pk=alert.pk)
    actual = rules.content_sha256(stored_fields(fresh))
    checks = [
        RelayCheck(
            relay_id=r.pk,
            area_id=r.area_id,
            area_name=r.area.name,
            received_sha256=r.received_sha256,
            intact=r.received_sha256 == actual == fresh.content_sha256,
        )
        for r in Relay.objects.filter(alert=fresh).select_related("area").order_by("area__code")
    ]
    intact = actual == fresh.content_sha256 and all(c.intact for c in checks)
    if not intact:
        with transaction.atomic():
            broken = [c.relay_id for c in checks if not c.intact]
            Relay.objects.filter(pk__in=broken, intact=True).update(intact=False)
            if not AlertLog.objects.filter(alert=fresh, action="integrity").exists():
                log(
                    fresh,
                    actor=None,
                    action="integrity",
                    at=timezone.now(),
                    note=_("Stored text differs: %(expected)s ≠ %(actual)s")
                    % {"expected": fresh.content_sha256, "actual": actual},
                )
    return Verification(
        alert_id=fresh.pk,
        expected=fresh.content_sha256,
        actual=actual,
        intact=intact,
        relays=checks,
    )
