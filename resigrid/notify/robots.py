"""Group robots: adding one (validated, credentials encrypted), switching it on and off, and its
send slots — the rate limit every worker on every host shares through the database.

Slots: a robot has NOTIFY_ROBOT_RATE_LIMIT rows; a send takes the one used longest ago, but only
when that was at least NOTIFY_ROBOT_RATE_WINDOW_SECONDS ago. Hence never more than the limit in
any window. A slot is taken in its own short transaction (row lock, SKIP LOCKED on PostgreSQL so
two workers take two different slots at once) before the request leaves."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from resigrid.core.pii import encrypt
from resigrid.notify.models import Robot, RobotSlot
from resigrid.notify.permissions import can_manage_robots

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DEFAULT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")
# The query parameter that carries the robot's credential in its webhook URL.
KEY_PARAM: dict[str, str] = {Robot.Kind.WECOM: "key", Robot.Kind.DINGTALK: "access_token"}


def rate_limit() -> int:
    return int(getattr(settings, "NOTIFY_ROBOT_RATE_LIMIT", 20))


def rate_window() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFY_ROBOT_RATE_WINDOW_SECONDS", 60)))


def allowed_hosts() -> tuple[str, ...]:
    return tuple(getattr(settings, "NOTIFY_ROBOT_HOSTS", DEFAULT_HOSTS))


def webhook_hint(url: str, kind: str) -> str:
    """What pages show of a webhook: host, path and the last four characters of its key."""
    parts = urlsplit(url)
    key = (parse_qs(parts.query).get(KEY_PARAM.get(kind, "key")) or [""])[0]
    return f"{parts.scheme}://{parts.netloc}{parts.path}?…{key[-4:]}"[:120]


def check_webhook(url: str, kind: str) -> str:
    """The URL, stripped, if it is a robot webhook of `kind` on an allowed host; else a
    ValidationFailed naming the field."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValidationFailed(
            _("Give the full webhook address, starting with https://."), field="webhook_url"
        )
    if parts.hostname not in allowed_hosts():
        raise ValidationFailed(
            _("Robots may only post to %(hosts)s.") % {"hosts": ", ".join(allowed_hosts())},
            field="webhook_url",
        )
    param = KEY_PARAM[kind]
    if not (parse_qs(parts.query).get(param) or [""])[0]:
        raise ValidationFailed(
            _(
                "The webhook address has no %(param)s: copy it whole from the group's robot "
                "settings."
            )
            % {"param": param},
            field="webhook_url",
        )
    return url


def create_robot(
    *,
    actor: Any,
    area: Area,
    name: str,
    kind: str,
    webhook_url: str,
    secret: str = "",
    message_format: str = Robot.Format.TEXT,
) -> Robot:
    """A new active robot for a community or grid in the actor's scope, with its send slots."""
    if not can_manage_robots(actor, area):
        raise PermissionDeniedError(_("You cannot add robots for this area."), field="area")
    if area.level not in {Level.COMMUNITY, Level.GRID}:
        raise ValidationFailed(_("A robot serves a community or a grid."), field="area")
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the robot a name."), field="name")
    if kind not in Robot.Kind.values:
        raise ValidationFailed(_("Choose WeCom or DingTalk."), field="kind")
    if message_format not in Robot.Format.values:
        raise ValidationFailed(_("Choose plain text or Markdown."), field="message_format")
    url = check_webhook(webhook_url, kind)
    secret = secret.strip()
    if kind == Robot.Kind.DINGTALK and not secret:
        raise ValidationFailed(
            _("A DingTalk robot needs its signing secret (加签, starts with SEC)."), field="secret"
        )
    with transaction.atomic():
        if Robot.objects.filter(area=area, name=name).exists():
            raise ValidationFailed(_("This area already has a robot of that name."), field="name")
        robot = Robot.objects.create(
            area=area,
            name=name,
            kind=kind,
            webhook_enc=encrypt(url),
            webhook_hint=webhook_hint(url, kind),
            secret_enc=encrypt(secret) if secret else "",
            message_format=message_format,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        ensure_slots(robot.pk)
    return robot


def set_active(*, actor: Any, robot_id: int, active: bool) -> Robot:
    """Switch a robot on or off (an inactive robot's waiting deliveries are given up)."""
    with transaction.atomic():
        robot = Robot.objects.visible_to(actor).select_for_update().filter(pk=robot_id).first()
        if robot is None:
            raise NotFoundError(_("No such robot."))
        if robot.active != active:
            robot.active = active
            robot.save(update_fields=["active"])
    return robot


def ensure_slots(robot_id: int) -> None:
    """The robot has a slot row for each send the limit allows (more if it was raised)."""
    RobotSlot.objects.bulk_create(
        [RobotSlot(robot_id=robot_id, number=n, used_at=EPOCH) for n in range(rate_limit())],
        ignore_conflicts=True,
    )


def _take_slot_postgresql(
    robot_id: int, now: dt.datetime, window: dt.timedelta, limit: int
) -> tuple[bool, dt.datetime | None, int]:
    """One statement takes the free slot used longest ago (SKIP LOCKED: concurrent workers take
    different ones); when none is free, (False, oldest use, slot count)."""
    table = connection.ops.quote_name(RobotSlot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET used_at = %s WHERE id = ("  # noqa: S608 (names are ours)
            f"SELECT id FROM {table} WHERE robot_id = %s AND number < %s AND used_at <= %s "
            "ORDER BY used_at, number LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
            [now, robot_id, limit, now - window],
        )
        if cursor.fetchone() is not None:
            return True, None, limit
        cursor.execute(
            f"SELECT min(used_at), count(*) FROM {table} "  # noqa: S608
            "WHERE robot_id = %s AND number < %s",
            [robot_id, limit],
        )
        oldest, count = cursor.fetchone()
    return False, oldest, int(count)


def _take_slot_locked(
    robot_id: int, now: dt.datetime, window: dt.timedelta, limit: int
) -> tuple[bool, dt.datetime | None, int]:
    """The same with the ORM (SQLite: the IMMEDIATE transaction serialises the takers)."""
    with transaction.atomic():
        slots = RobotSlot.objects.filter(robot_id=robot_id, number__lt=limit)
        oldest = slots.order_by("used_at", "number")
        if connection.features.has_select_for_update_skip_locked:
            oldest = oldest.select_for_update(skip_locked=True)
        slot = oldest.first()
        if slot is not None and slot.used_at <= now - window:
            RobotSlot.objects.filter(pk=slot.pk).update(used_at=now)
            return True, None, limit
        return False, slot.used_at if slot is not None else None, slots.count()


def acquire_slot(*, robot_id: int, now: dt.datetime | None = None) -> dt.datetime | None:
    """Take a send slot: None when one was free (send now), else the moment one frees up."""
    now = now or timezone.now()
    window, limit = rate_window(), rate_limit()
    take = _take_slot_postgresql if connection.vendor == "postgresql" else _take_slot_locked
    wait = now + dt.timedelta(seconds=1)
    for _round in range(2):
        taken, oldest, count = take(robot_id, now, window, limit)
        if taken:
            return None
        # All used within the window (or locked by workers taking them this very moment).
        wait = max(oldest + window, now + dt.timedelta(seconds=1)) if oldest else wait
        if count >= limit:
            return wait
        ensure_slots(robot_id)  # a robot made before its slots, or the limit was raised
    return wait


def cool_down(*, robot_id: int, until: dt.datetime) -> None:
    """The robot's service said "too many": no slot frees before `until`."""
    mark = until - rate_window()
    with transaction.atomic():
        RobotSlot.objects.filter(robot_id=robot_id, used_at__lt=mark).update(used_at=mark)
