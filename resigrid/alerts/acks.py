"""Receipt on the way down: a recipient's acknowledgement (in the app or by a signed link), read
receipts, a level's acknowledgement, and forwarding to the level below with a local addition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from resigrid.accounts.permissions import holds_globally
from resigrid.accounts.roles import Perm
from resigrid.alerts import rules
from resigrid.alerts.choices import State
from resigrid.alerts.distribution import create_relays, reach
from resigrid.alerts.models import Alert, Recipient, Relay
from resigrid.alerts.services import log
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)

ACK_LABEL = "resigrid.alerts.ack-token"
LIVE = (State.PUBLISHED, State.UPDATED)


def token_key() -> bytes:
    """A key of its own for acknowledgement links, derived from SECRET_KEY with a label."""
    return salted_hmac(ACK_LABEL, "key", secret=settings.SECRET_KEY, algorithm="sha256").digest()


def token_for(recipient: Recipient, *, now: dt.datetime | None = None) -> str:
    """A signed link token for one recipient; valid ALERT_ACK_TOKEN_HOURS (default 72)."""
    hours = int(getattr(settings, "ALERT_ACK_TOKEN_HOURS", 72))
    expires = (now or timezone.now()) + dt.timedelta(hours=hours)
    return rules.ack_token(key=token_key(), recipient_id=recipient.pk, expires=expires)


def _ack(recipient_id: int, *, channel: str, now: dt.datetime) -> Recipient:
    recipient = (
        Recipient.objects.select_for_update(of=("self",))
        .select_related("alert")
        .filter(pk=recipient_id)
        .first()
    )
    if recipient is None:
        raise NotFoundError(_("You did not receive this alert."))
    if recipient.alert.state not in LIVE and recipient.alert.state != State.EXPIRED:
        raise ConflictError(
            _("This alert can no longer be acknowledged."), state=recipient.alert.state
        )
    if recipient.acknowledged_at is None:  # a second acknowledgement keeps the first time
        recipient.acknowledged_at, recipient.ack_channel = now, channel
        if recipient.read_at is None:
            recipient.read_at = now
        recipient.save(update_fields=["acknowledged_at", "ack_channel", "read_at"])
    return recipient


@transaction.atomic
def acknowledge(*, actor: Any, alert_id: int) -> Recipient:
    """The actor's own receipt of the alert, acknowledged in the app."""
    rid = (
        Recipient.objects.filter(alert_id=alert_id, user_id=getattr(actor, "pk", 0) or 0)
        .values_list("pk", flat=True)
        .first()
    )
    if rid is None:
        raise NotFoundError(_("You did not receive this alert."))
    return _ack(rid, channel="app", now=timezone.now())


@transaction.atomic
def acknowledge_by_token(*, token: str) -> Recipient:
    """A signed link from a message; forged or expired: a clear error, nothing written."""
    try:
        rid = rules.check_ack_token(token, key=token_key(), now=timezone.now())
    except rules.BadToken as exc:
        message = (
            _("This acknowledgement link has expired.")
            if str(exc) == "expired"
            else _("This acknowledgement link is not valid.")
        )
        raise ValidationFailed(message, field="token", errors={"token": [message]}) from None
    return _ack(rid, channel="link", now=timezone.now())


BATCH_LIMIT = 1000
BATCH_CHANNELS = ("sms", "app")


@dataclass(frozen=True)
class Outcome:
    """One token's fate in a batch: acknowledged (now), already (with the first time), invalid
    (forged, malformed or no such recipient), expired, or closed (the alert can no longer be
    acknowledged: draft, cancelled, superseded)."""

    outcome: str
    acknowledged_at: dt.datetime | None = None


def _batch_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def check_gateway(actor: Any) -> None:
    """Batches come from an SMS gateway or the app's sync service: a global right of its own."""
    if not holds_globally(actor, Perm.ACK_GATEWAY):
        raise PermissionDeniedError(_("You may not send acknowledgements in bulk."))


@transaction.atomic
def acknowledge_many_by_token(
    *, tokens: Sequence[str], channel: str, now: dt.datetime | None = None
) -> list[Outcome]:
    """Signed link tokens collected by a gateway (SMS replies) or the app (offline queue), up to
    BATCH_LIMIT at once: each verified, then ONE UPDATE for the rows still unacknowledged.
    Outcomes in the order of `tokens`; a recipient named twice is acknowledged once (the later
    mention answers "already"). A bad batch (empty, too long, unknown channel) writes nothing."""
    if channel not in BATCH_CHANNELS:
        raise _batch_error(
            "channel", _("Unknown channel %(channel)s.") % {"channel": str(channel)[:20]}
        )
    if not tokens:
        raise _batch_error("tokens", _("Send at least one token."))
    if len(tokens) > BATCH_LIMIT:
        raise _batch_error(
            "tokens",
            _("At most %(n)d tokens at once; %(got)d were sent.")
            % {"n": BATCH_LIMIT, "got": len(tokens)},
        )
    now = now or timezone.now()
    key = token_key()
    checked: list[int | str] = []  # a recipient id, or the outcome of a bad token
    for token in tokens:
        try:
            checked.append(rules.check_ack_token(str(token), key=key, now=now))
        except rules.BadToken as exc:
            checked.append("expired" if str(exc) == "expired" else "invalid")
    wanted = {c for c in checked if isinstance(c, int)}
    # Lock the rows first so that a concurrent batch cannot make us report its time as ours.
    before = {
        pk: (at, state)
        for pk, at, state in Recipient.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .values_list("pk", "acknowledged_at", "alert__state")
    }
    acknowledgeable = {s.value for s in (*LIVE, State.EXPIRED)}
    fresh = [pk for pk, (at, state) in before.items() if at is None and state in acknowledgeable]
    if fresh:
        Recipient.objects.filter(pk__in=fresh, acknowledged_at__isnull=True).update(
            acknowledged_at=now,
            ack_channel=channel,
            read_at=Coalesce(models.F("read_at"), models.Value(now, models.DateTimeField())),
        )
    outcomes: list[Outcome] = []
    done: set[int] = set()
    for c in checked:
        if isinstance(c, str):
            outcomes.append(Outcome(c))
        elif c not in before:
            outcomes.append(Outcome("invalid"))
        elif c in done:
            outcomes.append(Outcome("already", now))
        elif before[c][0] is not None:
            outcomes.append(Outcome("already", before[c][0]))
        elif before[c][1] not in acknowledgeable:
            outcomes.append(Outcome("closed"))
        else:
            outcomes.append(Outcome("acknowledged", now))
            done.add(c)
    return outcomes


@transaction.atomic
def mark_read(*, actor: Any, alert_id: int) -> Recipient | None:
    """Read receipt: the actor opened the alert (inbox message or page). None if not a
    recipient; the first time is kept."""
    now = timezone.now()
    Recipient.objects.filter(
        alert_id=alert_id, user_id=getattr(actor, "pk", 0) or 0, read_at__isnull=True
    ).update(read_at=now)
    return Recipient.objects.filter(alert_id=alert_id, user_id=getattr(actor, "pk", 0) or 0).first()


@transaction.atomic
def mark_read_message(*, actor: Any, message_id: int) -> Recipient | None:
    """Read receipt from the notify inbox: the actor opened message `message_id`; None when it
    is not an alert message of theirs."""
    alert_id = (
        Recipient.objects.filter(message_id=message_id, user_id=getattr(actor, "pk", 0) or 0)
        .values_list("alert_id", flat=True)
        .first()
    )
    return None if alert_id is None else mark_read(actor=actor, alert_id=alert_id)


def _relay(relay_id: int) -> Relay:
    relay = (
        Relay.objects.select_for_update(of=("self",))
        .select_related("alert", "area")
        .filter(pk=relay_id)
        .first()
    )
    if relay is None:
        raise NotFoundError(_("No such relay."))
    return relay


def _staff(actor: Any, relay: Relay) -> None:
    if not covers(actor, relay.area.code, Perm.RELAY_ALERTS):
        raise PermissionDeniedError(
            _("You may not receive alerts for %(area)s.") % {"area": relay.area.name}
        )


@transaction.atomic
def acknowledge_relay(*, actor: Any, relay_id: int) -> Relay:
    """This level confirms it has the alert (staff of the area); the first time is kept."""
    relay = _relay(relay_id)
    _staff(actor, relay)
    if relay.alert.state not in LIVE:
        raise ConflictError(_("This alert is not live."), state=relay.alert.state)
    if relay.acknowledged_at is None:
        now = timezone.now()
        relay.acknowledged_at, relay.acknowledged_by = now, actor
        relay.save(update_fields=["acknowledged_at", "acknowledged_by"])
        log(relay.alert, actor=actor, action="relay_ack", at=now, area_id=relay.area_id)
    return relay


@transaction.atomic
def forward(*, actor: Any, relay_id: int, local_addition: str = "") -> list[Relay]:
    """Send the alert on to the areas directly below this level: their relays (same original
    SHA-256), their recipients and one message with the original text verbatim and the local
    addition after it. Once per relay; acknowledges the relay if it was not yet."""
    relay = _relay(relay_id)
    _staff(actor, relay)
    alert: Alert = relay.alert
    if alert.state != State.PUBLISHED:
        raise ConflictError(_("Only a published alert can be forwarded."), state=alert.state)
    if relay.forwarded_at is not None:
        raise ConflictError(_("This level has already forwarded the alert."), state=alert.state)
    addition = local_addition.strip()
    if len(addition) > 2000:
        raise ValidationFailed(
            _("At most %(n)d characters.") % {"n": 2000},
            field="local_addition",
            errors={"local_addition": [_("At most %(n)d characters.") % {"n": 2000}]},
        )
    now = timezone.now()
    children = list(Area.objects.filter(parent=relay.area).exclude(alert_relays__alert=alert))
    created = create_relays(alert=alert, areas=children, now=now, parent_of={relay.area_id: relay})
    reach(alert=alert, relays=created, now=now, addition=addition)
    relay.forwarded_at, relay.forwarded_by, relay.local_addition = now, actor, addition
    if relay.acknowledged_at is None:
        relay.acknowledged_at, relay.acknowledged_by = now, actor
    relay.save(
        update_fields=[
            "forwarded_at",
            "forwarded_by",
            "local_addition",
            "acknowledged_at",
            "acknowledged_by",
        ]
    )
    log(alert, actor=actor, action="forward", at=now, area_id=relay.area_id, note=addition)
    return created
