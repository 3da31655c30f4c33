"""The outbox worker: claim due deliveries with a lease, send each through its channel adapter,
record the outcome. Idempotent: a sent row is never sent again, and a row leased by another
worker is left alone until its lease runs out — then anyone may take it (a killed worker loses
nothing). Many workers on many hosts: PostgreSQL hands each a disjoint batch (SKIP LOCKED);
SQLite's IMMEDIATE transactions serialise the claims.

Sending happens outside any transaction, so a slow SMTP server never holds a database lock.
Keep NOTIFY_LEASE_SECONDS well above a channel's timeout (EMAIL_TIMEOUT, NOTIFY_WEBHOOK_TIMEOUT,
NOTIFY_SMS_TIMEOUT): a lease that runs out in the middle of a send lets a second worker send it
too (the Message-ID, the SMS client_ref make that recognisable).

A row taken over from a worker whose lease ran out is marked `uncertain`: that worker may have
sent it before dying. The SMS channel then asks its gateway before sending again; robots cannot
ask (see channels/robots.py). A row that gives up hands over to the person's next channel in the
same transaction (services.fall_back). A channel that must wait (a robot's minute is used up)
defers the row: rescheduled, the attempt not counted."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from resigrid.notify import links
from resigrid.notify.channels import ChannelError, Deferred, SendResult, adapter_for
from resigrid.notify.models import Channel, Delivery
from resigrid.notify.rules import backoff_seconds, is_dead
from resigrid.notify.services import fall_back

log = logging.getLogger("resigrid.notify")

OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRY)
ERROR_MAX_CHARS = 2000
# Channels where "sent" is as close to "delivered" as we will know (SMS has receipts).
SENT_IS_DELIVERED = frozenset({Channel.EMAIL, Channel.WECOM, Channel.DINGTALK})


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"
    DEFERRED = "deferred"  # the channel must wait (rate limit): rescheduled, attempt not counted
    SKIPPED = "skipped"  # already sent or given up, leased by someone else, or not due yet


@dataclass
class RunStats:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    dead: int = 0
    deferred: int = 0
    skipped: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def merge(self, other: RunStats) -> None:
        for name in ("claimed", "sent", "retry", "dead", "deferred", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def worker_name() -> str:
    """Unique per process: host, pid and a random suffix (a restarted pid is another worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:80]


def _lease_end(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def claim(*, worker: str, limit: int, now: dt.datetime) -> list[Delivery]:
    """Lease up to `limit` due deliveries (oldest due first) to `worker`; each claim counts as an
    attempt. Rows leased by a live lease elsewhere are skipped, never waited for."""
    if limit < 1:
        return []
    with transaction.atomic():
        due = Delivery.objects.due(now).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # A lease left behind by a worker that died: that worker may have sent the row.
        Delivery.objects.filter(id__in=ids).exclude(leased_by="").update(uncertain=True)
        Delivery.objects.filter(id__in=ids).update(
            lease_until=_lease_end(now), leased_by=worker, attempts=F("attempts") + 1
        )
        rows = Delivery.objects.filter(id__in=ids).select_related("message", "user", "robot")
        return sorted(rows, key=lambda d: (d.next_attempt_at, d.pk))


def _take(delivery_id: int, worker: str, now: dt.datetime) -> Delivery | None:
    """The row, leased to `worker`, if it should be sent now; None if not."""
    # Fast path: a row this worker has just claimed and still holds needs no lock (nobody else
    # may touch it while the lease lives), so one plain read.
    row = Delivery.objects.select_related("message", "user", "robot").filter(pk=delivery_id).first()
    if row is None or row.status not in OPEN:
        return None
    if row.leased_by == worker and row.lease_until is not None and row.lease_until >= now:
        return row
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("message", "user", "robot")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None or row.status not in OPEN:
            return None
        live = row.lease_until is not None and row.lease_until >= now
        if row.leased_by == worker:
            # Ours (claimed). If the lease ran out meanwhile nobody took it: renew it.
            if not live:
                row.lease_until = _lease_end(now)
                row.save(update_fields=["lease_until"])
            return row
        if live or row.next_attempt_at > now:
            return None
        # Free, or abandoned by a worker whose lease ran out: take it over as a new attempt.
        if row.leased_by:
            row.uncertain = True  # the worker that held it may have sent it
        row.attempts += 1
        row.lease_until = _lease_end(now)
        row.leased_by = worker
        row.save(update_fields=["attempts", "lease_until", "leased_by", "uncertain"])
        return row


def _mark_sent(row: Delivery, result: SendResult) -> Outcome:
    # Whoever holds the lease now, it was sent: record that (unless someone already did), and
    # where sending is reaching the person (email, robots; not SMS, which waits for its receipt)
    # tell the delivered hooks in the same transaction.
    now = timezone.now()
    with transaction.atomic():
        done = (
            Delivery.objects.filter(pk=row.pk)
            .exclude(status=Delivery.Status.SENT)
            .update(
                status=Delivery.Status.SENT,
                external_id=result.external_id[:120],
                sent_at=now,
                lease_until=None,
                leased_by="",
                last_error="",
                uncertain=False,
            )
        )
        if done and row.channel in SENT_IS_DELIVERED:
            links.delivered(row, at=now)
    return Outcome.SENT if done else Outcome.SKIPPED


def _mark_failed(row: Delivery, worker: str, exc: ChannelError | Exception) -> Outcome:
    """A failed attempt: retry after the backoff (or later when the other side asked so), or give
    up — and then hand over to the person's next channel in the same transaction."""
    now = timezone.now()
    if isinstance(exc, ChannelError):
        error, permanent, retry_at, uncertain = str(exc), exc.permanent, exc.retry_at, exc.uncertain
    else:  # a bug in an adapter
        error, permanent, retry_at, uncertain = f"{type(exc).__name__}: {exc}", False, None, False
    dead = is_dead(row.attempts, max_attempts=settings.NOTIFY_MAX_ATTEMPTS, permanent=permanent)
    wait = backoff_seconds(
        row.attempts,
        base=settings.NOTIFY_BACKOFF_SECONDS,
        cap=getattr(settings, "NOTIFY_BACKOFF_MAX_SECONDS", 3600),
    )
    later = now + dt.timedelta(seconds=wait)
    if retry_at is not None and retry_at > later:
        later = retry_at
    with transaction.atomic():
        # Only while it is still ours: a worker that took over after our lease ran out decides.
        done = Delivery.objects.filter(pk=row.pk, leased_by=worker, status__in=OPEN).update(
            status=Delivery.Status.DEAD if dead else Delivery.Status.RETRY,
            next_attempt_at=now if dead else later,
            last_error=error[:ERROR_MAX_CHARS],
            lease_until=None,
            leased_by="",
            uncertain=uncertain or row.uncertain,
        )
        if done and dead:
            fall_back(row)
    if not done:
        return Outcome.SKIPPED
    return Outcome.DEAD if dead else Outcome.RETRY


def _mark_deferred(row: Delivery, worker: str, exc: Deferred) -> Outcome:
    """Not sent and not failed: back to the queue at `exc.until`, the claim's attempt undone."""
    with transaction.atomic():
        done = Delivery.objects.filter(pk=row.pk, leased_by=worker, status__in=OPEN).update(
            next_attempt_at=exc.until,
            attempts=F("attempts") - 1 if row.attempts > 0 else 0,
            last_error=str(exc)[:ERROR_MAX_CHARS],
            lease_until=None,
            leased_by="",
        )
    return Outcome.DEFERRED if done else Outcome.SKIPPED


def deliver(delivery_id: int, worker: str) -> Outcome:
    """Send one delivery through its channel and record the outcome. Safe to call more than
    once, from any worker: a row already sent (or given up), leased by another worker whose lease
    has not run out, or not due yet is skipped."""
    row = _take(delivery_id, worker, timezone.now())
    if row is None:
        return Outcome.SKIPPED
    try:
        result = adapter_for(row.channel).send(row)
    except Deferred as exc:
        return _mark_deferred(row, worker, exc)
    except ChannelError as exc:
        log.warning("delivery %s (%s) failed: %s", row.pk, row.channel, exc)
        return _mark_failed(row, worker, exc)
    except Exception as exc:  # a bug in an adapter must not leave the row leased forever
        log.exception("delivery %s (%s) crashed", row.pk, row.channel)
        return _mark_failed(row, worker, exc)
    return _mark_sent(row, result)


def run_once(*, worker: str, limit: int, now: dt.datetime | None = None) -> RunStats:
    """Claim one batch and deliver it."""
    stats = RunStats()
    batch = claim(worker=worker, limit=limit, now=now or timezone.now())
    stats.claimed = len(batch)
    for row in batch:
        stats.add(deliver(row.pk, worker))
    return stats


def run_forever(
    *,
    worker: str,
    limit: int,
    interval: float,
    should_stop: Callable[[], bool],
    sleep: Callable[[float], None] = time.sleep,
) -> RunStats:
    """Batches until `should_stop()`; waits `interval` seconds whenever a batch was not full."""
    total = RunStats()
    while not should_stop():
        close_old_connections()
        stats = run_once(worker=worker, limit=limit)
        total.merge(stats)
        if stats.claimed:
            log.info(
                "%s: %d claimed, %d sent, %d retry, %d dead, %d deferred, %d skipped",
                worker,
                stats.claimed,
                stats.sent,
                stats.retry,
                stats.dead,
                stats.deferred,
                stats.skipped,
            )
        # Idle: wait in short steps so a stop request is honoured promptly.
        waited = 0.0
        while stats.claimed < limit and waited < interval and not should_stop():
            step = min(0.5, interval - waited)
            sleep(step)
            waited += step
    close_old_connections()
    return total
