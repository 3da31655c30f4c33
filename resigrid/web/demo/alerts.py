"""Demo alerts with their delivery history, issued by the street through the real services
(draft → approve → publish with the distribution, acknowledgements, cancel, report back,
sweeper), then moved back in time as a whole:

- 7 days ago, a red rainstorm warning for the whole street: acknowledged by most people with a
  channel within minutes, a few late, the rest escalated by the sweeper (door-knocks for their
  carers or grid workers); expired a day later;
- 5 days ago, a yellow high-wind warning, cancelled after an hour;
- 3 days ago, a directive to check every basement garage: each community acknowledges and
  reports back (the first one in time, another late, the last not at all).

Moving back in time keeps the data consistent: every timestamp of the alert, its relays,
recipients, visits, log and notify messages is shifted by the same amount, and the identifier
and SHA-256 are computed again for the new sent time (so the integrity check passes). The SMS of
those days are recorded as sent and delivered."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import F
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.alerts import directives, rules, services
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert, AlertLog, Recipient, Relay, Visit
from resigrid.alerts.sweeper import sweep
from resigrid.areas.models import Area
from resigrid.notify.models import Channel, Delivery, Message

MIN = dt.timedelta(minutes=1)


def _publish(street: Area, targets: list[int], **fields: Any) -> Alert:
    drafter = User.objects.get(username="street")
    approver = User.objects.get(username="district")
    now = timezone.now()
    draft = Draft(
        issuer_area_id=street.pk,
        target_area_ids=targets,
        expires=now + dt.timedelta(days=1),
        **fields,
    )
    alert = draft_alert(actor=drafter, draft=draft)
    services.approve(actor=approver, alert_id=alert.pk)
    return services.publish(actor=drafter, alert_id=alert.pk)


def _shift(alert: Alert, delta: dt.timedelta) -> Alert:
    """Every time of the alert and what it caused, `delta` earlier; identifier and SHA-256
    again for the new sent time."""
    Alert.objects.filter(pk=alert.pk).update(
        **{
            name: F(name) - delta
            for name in (
                "sent",
                "effective",
                "expires",
                "approved_at",
                "published_at",
                "closed_at",
                "created_at",
                "updated_at",
            )
        }
    )
    Relay.objects.filter(alert=alert).update(
        received_at=F("received_at") - delta,
        acknowledged_at=F("acknowledged_at") - delta,
        forwarded_at=F("forwarded_at") - delta,
        reported_at=F("reported_at") - delta,
    )
    Recipient.objects.filter(alert=alert).update(
        created_at=F("created_at") - delta,
        delivered_at=F("delivered_at") - delta,
        read_at=F("read_at") - delta,
        acknowledged_at=F("acknowledged_at") - delta,
        escalated_at=F("escalated_at") - delta,
    )
    Visit.objects.filter(alert=alert).update(created_at=F("created_at") - delta)
    AlertLog.objects.filter(alert=alert).update(at=F("at") - delta)
    messages = Message.objects.filter(source=f"alert:{alert.pk}")
    messages.update(created_at=F("created_at") - delta)
    Delivery.objects.filter(message__in=messages).update(
        created_at=F("created_at") - delta,
        next_attempt_at=F("next_attempt_at") - delta,
        sent_at=F("sent_at") - delta,
        read_at=F("read_at") - delta,
    )
    alert.refresh_from_db()
    assert alert.sent is not None  # noqa: S101 - published above
    alert.identifier = services.identifier_for(alert, alert.sent)
    alert.content_sha256 = rules.content_sha256(services.stored_fields(alert))
    alert.save(update_fields=["identifier", "content_sha256"])
    Relay.objects.filter(alert=alert).update(received_sha256=alert.content_sha256)
    return alert


def _history(alert: Alert) -> None:
    """The outbox of those days: SMS sent a few seconds after publication and delivered."""
    published = alert.published_at or timezone.now()
    messages = Message.objects.filter(source=f"alert:{alert.pk}")
    Delivery.objects.filter(message__in=messages).exclude(channel=Channel.INBOX).update(
        status=Delivery.Status.SENT,
        attempts=1,
        sent_at=published + dt.timedelta(seconds=4),
        delivered_at=published + dt.timedelta(seconds=9),
    )
    Recipient.objects.filter(
        alert=alert, person__isnull=False, person__phone_hash__isnull=False
    ).update(delivered_at=published + dt.timedelta(seconds=9))


def _acknowledge(
    rng: random.Random, alert: Alert, *, on_time: float, late: float, cap: int = 20_000
) -> int:
    """Of the recipients with a channel: `on_time` acknowledge within the time (1–25 minutes),
    `late` after it (40–180 minutes), the rest not at all."""
    published = alert.published_at or timezone.now()
    reachable = list(
        Recipient.objects.filter(alert=alert)
        .exclude(user__isnull=True, person__phone_hash__isnull=True)
        .order_by("pk")[:cap]
    )
    done: list[Recipient] = []
    for r in reachable:
        draw = rng.random()
        if draw < on_time:
            minutes = rng.uniform(1, 25)
        elif draw < on_time + late:
            minutes = rng.uniform(40, 180)
        else:
            continue
        r.acknowledged_at = published + dt.timedelta(minutes=minutes)
        r.read_at = r.read_at or r.acknowledged_at
        r.ack_channel = "app" if r.user_id else "link"
        done.append(r)
    Recipient.objects.bulk_update(
        done, ["acknowledged_at", "read_at", "ack_channel"], batch_size=2000
    )
    return len(done)


def _relays_acknowledged(rng: random.Random, alert: Alert, late_area: int | None = None) -> None:
    """Each level acknowledges within 2–20 minutes; `late_area` after 50–90."""
    published = alert.published_at or timezone.now()
    relays = list(Relay.objects.filter(alert=alert).order_by("pk"))
    for relay in relays:
        minutes = rng.uniform(50, 90) if relay.area_id == late_area else rng.uniform(2, 20)
        relay.acknowledged_at = published + dt.timedelta(minutes=minutes)
    Relay.objects.bulk_update(relays, ["acknowledged_at"])


def seed_alerts(*, seed: int, street_id: int) -> dict[str, int]:
    """The three past alerts (see the module docstring). Returns rows written, by kind."""
    rng = random.Random(f"{seed}-alerts")  # noqa: S311 - demo data, not security
    street = Area.objects.get(pk=street_id)
    communities = list(Area.objects.filter(parent=street).order_by("code"))
    now = timezone.now()

    # 1. Red rainstorm warning, 7 days ago: most acknowledge, some late, the rest escalated.
    storm = _publish(
        street,
        [street.pk],
        kind="warning",
        level="red",
        category="Met",
        event="暴雨",
        urgency="Immediate",
        certainty="Likely",
        headline=f"{street.name}暴雨红色预警",
        description="预计未来3小时内本街道降雨量将达100毫米以上，低洼地带和地下空间有严重内涝风险。",
        instruction="停止户外活动；低洼地区和地下室人员立即转移到社区避难场所；网格员逐户告知。",
        ack_minutes=30,
    )
    storm = _shift(storm, dt.timedelta(days=7))
    _history(storm)
    acknowledged = _acknowledge(rng, storm, on_time=0.82, late=0.06)
    _relays_acknowledged(rng, storm, late_area=communities[-1].pk if communities else None)
    published = storm.published_at or now
    report = sweep(now=published + 40 * MIN)
    services.expire_due(now=now)

    # 2. Yellow wind warning, 5 days ago, cancelled an hour later.
    wind = _publish(
        street,
        [c.pk for c in communities],
        kind="warning",
        level="yellow",
        category="Met",
        event="大风",
        headline=f"{street.name}大风黄色预警",
        description="预计今天下午阵风可达9级，请注意高空坠物。",
        instruction="收好阳台物品，远离广告牌和临时搭建物。",
        ack_minutes=60,
    )
    _acknowledge(rng, wind, on_time=0.4, late=0.0)
    services.cancel(
        actor=User.objects.get(username="street"),
        alert_id=wind.pk,
        note="气象台已解除大风预警。",
    )
    wind = _shift(wind, dt.timedelta(days=5) - 60 * MIN)
    # Cancelled an hour after publication (the shift moved cancel and publish together).
    Alert.objects.filter(pk=wind.pk).update(closed_at=F("published_at") + 60 * MIN)
    AlertLog.objects.filter(alert=wind, action="cancel").update(
        at=(wind.published_at or now) + 60 * MIN
    )
    _history(wind)

    # 3. Directive, 3 days ago: the communities acknowledge and report back.
    order = _publish(
        street,
        [c.pk for c in communities],
        kind="directive",
        category="Safety",
        event="隐患排查",
        headline="立即排查地下车库和低洼地带",
        description="各社区立即排查辖区地下车库、地下室和低洼地带的积水隐患，落实挡水和抽排措施。",
        instruction="排查结果在2小时内报街道应急办。",
        ack_minutes=120,
        cascade="relay",  # to the communities, which answer for their grids
    )
    reports = 0
    relays = {r.area_id: r for r in Relay.objects.filter(alert=order)}
    if communities:
        first = relays[communities[0].pk]
        directives.report_back(
            actor=User.objects.get(username="secretary"),
            relay_id=first.pk,
            report="已排查地下车库6处、低洼点3处，2处已布设挡水板，抽水泵就位。",
        )
        directives.report_back(
            actor=User.objects.get(username="staff"),
            relay_id=first.pk,
            report="补充：3号车库积水已抽排完毕，无人员被困。",
        )
        reports += 2
    order = _shift(order, dt.timedelta(days=3))
    published = order.published_at or now
    # The first community reported within 40 minutes (and updated later); the others: one late,
    # one in time, the last not at all (no staff accounts there: written as the level's record).
    AlertLog.objects.filter(alert=order, action="report").update(at=published + 40 * MIN)
    AlertLog.objects.filter(alert=order, action="report_update").update(at=published + 95 * MIN)
    Relay.objects.filter(alert=order, area=communities[0] if communities else None).update(
        reported_at=published + 40 * MIN, acknowledged_at=published + 40 * MIN
    )
    for i, community in enumerate(communities[1:-1] if len(communities) > 2 else communities[1:]):
        minutes = 150 if i == 0 else rng.uniform(30, 110)
        at = published + dt.timedelta(minutes=minutes)
        text = f"{community.name}已完成排查，发现隐患{rng.randint(1, 5)}处，均已处置。"
        Relay.objects.filter(alert=order, area=community).update(
            acknowledged_at=published + dt.timedelta(minutes=minutes / 3),
            reported_at=at,
            report=text,
        )
        AlertLog.objects.create(
            alert=order, at=at, actor=None, action="report", area=community, note=text
        )
        reports += 1
    _history(order)
    return {
        "alerts": 3,
        "alert_recipients": Recipient.objects.filter(alert__in=[storm, wind, order]).count(),
        "alert_acknowledged": acknowledged,
        "alert_escalated": report.escalated,
        "alert_visits": Visit.objects.filter(alert__in=[storm, wind, order]).count(),
        "alert_reports": reports,
    }
