"""Writes to the outbox. `enqueue` is called inside the caller's transaction, so a message
exists exactly when the change that caused it was committed."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.core.pii import encrypt, normalise_phone
from resigrid.notify.models import (
    PERSONAL_CHANNELS,
    Channel,
    ChannelPreference,
    Delivery,
    Message,
    Robot,
)
from resigrid.notify.rules import clean_order, next_channel

BATCH = 2000


def default_order() -> list[str]:
    """Channels tried for a person who set no preference, in order."""
    configured = getattr(settings, "NOTIFY_DEFAULT_CHANNELS", [Channel.EMAIL, Channel.SMS])
    return clean_order(list(configured), tuple(PERSONAL_CHANNELS))


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _preferences(user_ids: list[int]) -> dict[int, tuple[list[str], bool]]:
    """user id → (channel order, has an SMS phone), for the users who set a preference. One
    query with an array parameter on PostgreSQL (a street is 100,000 ids), chunks elsewhere."""
    found: dict[int, tuple[list[str], bool]] = {}
    if not user_ids:
        return found
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ChannelPreference._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT user_id, channels, phone_enc <> '' FROM {table} "  # noqa: S608
                "WHERE user_id = ANY(%s)",
                [user_ids],
            )
            rows: list[tuple[int, Any, bool]] = cursor.fetchall()
    else:
        rows = []
        for chunk in _chunks(user_ids, 900):
            rows.extend(
                (pk, channels, bool(phone))
                for pk, channels, phone in ChannelPreference.objects.filter(
                    user_id__in=chunk
                ).values_list("user_id", "channels", "phone_enc")
            )
    for user_id, channels, has_phone in rows:
        if isinstance(channels, str):  # a raw JSON column comes back as text on some drivers
            channels = json.loads(channels)
        found[user_id] = (clean_order(list(channels or []), PERSONAL_CHANNELS), bool(has_phone))
    return found


# The columns enqueue fills, in order (the others keep their defaults: no lease, no error).
_COLUMNS = (
    "message_id",
    "channel",
    "user_id",
    "address",
    "address_enc",
    "robot_id",
    "status",
    "attempts",
    "next_attempt_at",
    "leased_by",
    "last_error",
    "external_id",
    "uncertain",
    "sent_at",
    "created_at",
)
_Row = tuple[
    int, str, int | None, str, str, int | None, str, int, Any, str, str, str, bool, Any, Any
]


_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_lines(rows: list[_Row]) -> str:
    """The rows in COPY's text format (\\N for NULL; strings escaped; timestamps formatted once
    each, since a fan-out's rows share them)."""
    stamps: dict[Any, str] = {None: "\\N"}

    def ts(value: Any) -> str:
        text = stamps.get(value)
        if text is None:
            text = stamps[value] = value.isoformat()
        return text

    def opt(value: int | None) -> str:
        return "\\N" if value is None else str(value)

    return "".join(
        f"{r[0]}\t{r[1].translate(_ESCAPE)}\t{opt(r[2])}\t{r[3].translate(_ESCAPE)}\t"
        f"{r[4].translate(_ESCAPE)}\t{opt(r[5])}\t{r[6].translate(_ESCAPE)}\t{r[7]}\t"
        f"{ts(r[8])}\t{r[9].translate(_ESCAPE)}\t{r[10].translate(_ESCAPE)}\t"
        f"{r[11].translate(_ESCAPE)}\t{'t' if r[12] else 'f'}\t{ts(r[13])}\t{ts(r[14])}\n"
        for r in rows
    )


def _write(rows: list[_Row]) -> None:
    """Insert delivery rows in the current transaction: COPY on PostgreSQL (a fan-out to a
    whole street is hundreds of thousands of rows), bulk INSERT elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Delivery._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the driver's cursor (psycopg 3)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(_copy_lines(rows))
        return
    Delivery.objects.bulk_create(
        [Delivery(**dict(zip(_COLUMNS, row, strict=True))) for row in rows], batch_size=BATCH
    )


def _row(
    mid: int,
    channel: str,
    now: Any,
    *,
    user_id: int | None = None,
    address: str = "",
    address_enc: str = "",
    robot_id: int | None = None,
    sent: bool = False,
) -> _Row:
    """One delivery row in `_COLUMNS` order: pending for a worker, or (the inbox) sent at once."""
    status = Delivery.Status.SENT.value if sent else Delivery.Status.PENDING.value
    return (mid, channel, user_id, address, address_enc, robot_id, status, 0, now, "", "", "",
            False, now if sent else None, now)  # fmt: skip


def _active_people(users: Iterable[Any]) -> list[tuple[int, str]]:
    """(id, lower-case email) of each distinct active user, in the order given."""
    seen: set[int] = set()
    people: list[tuple[int, str]] = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        people.append((user.pk, (user.email or "").lower()))
    return people


def _account_rows(
    mid: int,
    people: Iterable[tuple[int, str]],
    prefs: dict[int, tuple[list[str], bool]],
    order: list[str],
    now: Any,
    seen_addresses: set[str],
) -> Iterator[_Row]:
    """For each account: the inbox row, then one row on the first usable channel of its order
    (the later channels are fallbacks); an email address shared by several gets one copy."""
    for user_id, email in people:
        yield _row(mid, Channel.INBOX.value, now, user_id=user_id, sent=True)
        chosen, has_phone = prefs.get(user_id, (order, False))
        for channel in chosen:
            if channel == Channel.EMAIL and email:
                if email not in seen_addresses:
                    seen_addresses.add(email)
                    yield _row(mid, Channel.EMAIL.value, now, user_id=user_id)
                break
            if channel == Channel.SMS and has_phone:
                yield _row(mid, Channel.SMS.value, now, user_id=user_id)
                break


@dataclass
class _Pending:
    message: Message
    users: list[Any]
    emails: list[str]
    phones: list[str]  # normalised
    robots: list[Robot]


# Open `collected()` blocks of this thread (or task): enqueue appends here instead of writing.
_collecting: contextvars.ContextVar[list[_Pending] | None] = contextvars.ContextVar(
    "notify_collecting", default=None
)


@contextmanager
def collected() -> Iterator[None]:
    """Inside the block, `enqueue` keeps its messages and writes them all when the block ends:
    one INSERT of the messages, one preference query, one COPY of the deliveries (a step that
    tells several groups pays for one write, not one per group). Use it inside the step's
    transaction; the returned messages get their ids when the block ends. Nothing is written
    when the block raises."""
    if _collecting.get() is not None:  # already collecting: the outer block writes
        yield
        return
    pending: list[_Pending] = []
    token = _collecting.set(pending)
    try:
        yield
    finally:
        _collecting.reset(token)
    _write_pending(pending)


def _normalised_phones(phones: Iterable[str]) -> list[str]:
    """Each distinct phone number, normalised (raises ValidationFailed before anything is
    written)."""
    seen: list[str] = []
    for raw in phones:
        if raw:
            phone = normalise_phone(raw, field="phones")
            if phone not in seen:
                seen.append(phone)
    return seen


def _extra_rows(
    mid: int,
    now: Any,
    emails: Iterable[str],
    phones: Iterable[str],
    robots: Iterable[Robot],
    seen_addresses: set[str],
) -> Iterator[_Row]:
    """Rows for extra email addresses, (normalised) phone numbers and robots."""
    for address in emails:
        if address and address.lower() not in seen_addresses:
            seen_addresses.add(address.lower())
            yield _row(mid, Channel.EMAIL.value, now, address=address)
    for phone in phones:
        yield _row(mid, Channel.SMS.value, now, address_enc=encrypt(phone))
    seen_robots: set[int] = set()
    for robot in robots:
        if robot.pk in seen_robots or not robot.active:
            continue
        seen_robots.add(robot.pk)
        yield _row(mid, robot.kind, now, robot_id=robot.pk)


def _write_pending(pending: list[_Pending]) -> None:
    if not pending:
        return
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        Message.objects.bulk_create([p.message for p in pending])
        people = [_active_people(p.users) for p in pending]
        prefs = _preferences(sorted({pk for group in people for pk, _email in group}))
        order = default_order()
        rows: list[_Row] = []
        for item, group in zip(pending, people, strict=True):
            mid, seen_addresses = item.message.pk, set[str]()
            rows.extend(_account_rows(mid, group, prefs, order, now, seen_addresses))
            rows.extend(
                _extra_rows(mid, now, item.emails, item.phones, item.robots, seen_addresses)
            )
        _write(rows)


def enqueue(
    *,
    topic: str,
    subject: str,
    body: str = "",
    url: str = "",
    source: str = "",
    users: Iterable[Any] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    robots: Iterable[Robot] = (),
) -> Message:
    """One message and its deliveries:
    - each distinct active user: an inbox row (delivered at once) and one row on the first
      usable channel of their order (their ChannelPreference, else NOTIFY_DEFAULT_CHANNELS:
      email when they have an address, SMS when they gave a phone); the later channels are
      fallbacks, used when that row gives up (`fall_back`);
    - each extra email address: an email row; each extra phone number: an SMS row (the number
      encrypted); each active robot: a row on its channel (the group sees it).
    Rows other than the inbox wait for a worker (`notify_worker`). Inside `collected()` the
    writes wait for the end of the block."""
    normalised = _normalised_phones(phones)  # a bad number fails before anything is written
    message = Message(topic=topic, source=source, subject=subject[:200], body=body, url=url)
    pending = _collecting.get()
    if pending is not None:
        pending.append(_Pending(message, list(users), list(emails), normalised, list(robots)))
        return message
    now = timezone.now()
    # No savepoint: nothing below is expected to fail but the database itself.
    with transaction.atomic(savepoint=False):
        message.save()
        mid = message.pk
        people = _active_people(users)
        prefs = _preferences([pk for pk, _email in people])
        order = default_order()
        seen_addresses: set[str] = set()
        rows: list[_Row] = []
        for chunk in _chunks(people, 5 * BATCH):  # bounded memory for 100,000 recipients
            rows.extend(_account_rows(mid, chunk, prefs, order, now, seen_addresses))
            _write(rows)
            rows.clear()
        rows.extend(_extra_rows(mid, now, emails, normalised, robots, seen_addresses))
        _write(rows)
    return message


@dataclass(frozen=True)
class Notice:
    """One message for `enqueue_many` (the arguments of `enqueue`, users and emails only)."""

    topic: str
    subject: str
    body: str = ""
    url: str = ""
    source: str = ""
    users: Sequence[Any] = ()
    emails: Sequence[str] = ()


def enqueue_many(notices: Sequence[Notice]) -> list[Message]:
    """`enqueue` for many messages at once (the sweeper escalates hundreds in one chunk): one
    INSERT of the messages, one preference query, one COPY of every delivery."""
    notices = [n for n in notices if n.users or n.emails]
    if not notices:
        return []
    pending = [
        _Pending(
            Message(
                topic=n.topic, source=n.source, subject=n.subject[:200], body=n.body, url=n.url
            ),
            list(n.users),
            list(n.emails),
            [],
            [],
        )
        for n in notices
    ]
    _write_pending(pending)
    return [p.message for p in pending]


def usable_channels(user: Any) -> set[str]:
    """The personal channels for which an address of `user` is known now."""
    usable: set[str] = set()
    if user.email:
        usable.add(Channel.EMAIL)
    if ChannelPreference.objects.filter(user=user).exclude(phone_enc="").exists():
        usable.add(Channel.SMS)
    return usable


def fall_back(dead: Delivery) -> Delivery | None:
    """Called in the transaction that gives `dead` up: a new row on the next channel of the
    person's order that this message has not tried yet, so nobody is silently lost. None when
    the row has no person (an address, a robot) or no channel is left (the inbox row stays)."""
    if dead.user_id is None or dead.channel not in PERSONAL_CHANNELS:
        return None
    user = dead.user
    if user is None or not user.is_active:
        return None
    pref = ChannelPreference.objects.filter(user=user).first()
    order = clean_order(pref.channels, PERSONAL_CHANNELS) if pref else default_order()
    tried = set(
        Delivery.objects.filter(message_id=dead.message_id, user=user).values_list(
            "channel", flat=True
        )
    )
    channel = next_channel(order, tried, usable_channels(user))
    if channel is None:
        return None
    return Delivery.objects.create(
        message_id=dead.message_id, channel=channel, user=user, next_attempt_at=timezone.now()
    )


def set_preferences(
    *, user: Any, channels: list[str], phone: str | None = None, clear_phone: bool = False
) -> ChannelPreference:
    """The user's own channel order (personal channels only, each once) and SMS phone: `phone`
    None keeps the stored one, `clear_phone` removes it. SMS in the order needs a phone; email
    without an address on the account is simply skipped when messages go out."""
    if any(channel not in PERSONAL_CHANNELS for channel in channels):
        raise ValidationFailed(_("Choose among email and SMS."), field="channels")
    order = clean_order(channels, PERSONAL_CHANNELS)
    if len(order) != len(channels):
        raise ValidationFailed(_("Choose each channel at most once."), field="channels")
    with transaction.atomic():
        pref, _created = ChannelPreference.objects.select_for_update().get_or_create(user=user)
        if clear_phone:
            pref.phone_enc = ""
        elif phone:
            pref.phone_enc = encrypt(normalise_phone(phone, field="phone"))
        if Channel.SMS in order and not pref.phone_enc:
            raise ValidationFailed(_("Give a phone number to receive SMS."), field="phone")
        pref.channels = order
        pref.save()
    return pref


def mark_read(*, user: Any, delivery_id: int) -> Delivery:
    """Mark one of the user's own inbox messages read (again is a no-op). Another user's row is
    "not found", exactly like a row that does not exist."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Delivery.objects.inbox_of(user).select_related("message").filter(pk=delivery_id).first()
        )
        if row is None:
            raise NotFoundError(_("No such message."))
        if row.read_at is None:
            Delivery.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now)
            row.read_at = now
    return row


def mark_all_read(*, user: Any) -> int:
    """Mark every unread inbox message of the user read; returns how many."""
    with transaction.atomic():
        return Delivery.objects.inbox_of(user).unread().update(read_at=timezone.now())


def requeue(*, delivery_ids: Iterable[int]) -> int:
    """Give deliveries that were given up (or are waiting to retry) a fresh start now, e.g. after
    the SMTP server was fixed. Sent rows are never touched; returns how many were requeued."""
    with transaction.atomic():
        return Delivery.objects.filter(
            pk__in=list(delivery_ids),
            status__in=[Delivery.Status.DEAD, Delivery.Status.RETRY],
        ).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            lease_until=None,
            leased_by="",
        )
