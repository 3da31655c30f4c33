"""Demo data of the bulletins app (issue 6): one past official release and one past rumour
rebuttal (辟谣) of community 1, drafted by the community staff account and approved and
published by the secretary, as they would have been a few weeks ago (no messages are sent
for them now)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.response.bulletins.models import Bulletin, BulletinLog, BulletinState, Kind

PAST = (
    (
        Kind.OFFICIAL,
        "汛期防汛安全提示",
        "进入主汛期，请居民关注天气预报和社区预警信息，不要在河道、低洼地带逗留；"
        "地下车库车辆请及时转移。如遇险情请拨打社区值班电话或110。",
        "",
        dt.timedelta(days=21),
    ),
    (
        Kind.REBUTTAL,
        "“水库要泄洪，全村要撤离”不实",
        "经与水库管理处核实：目前水库水位低于汛限水位，没有泄洪计划，社区也未发布撤离通知。"
        "请以社区和街道发布的正式信息为准，不信谣、不传谣。",
        "水库要泄洪，全村要撤离",
        dt.timedelta(days=20),
    ),
)


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's bulletins rows; return counts for the seed summary."""
    if not community_ids:
        return {}
    community = Area.objects.get(pk=community_ids[0])
    drafter = User.objects.filter(username="staff").first()
    approver = User.objects.filter(username="secretary").first()
    if drafter is None or approver is None:
        return {}
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for kind, title, body, rumour, ago in PAST:
            at = now - ago
            b = Bulletin.objects.create(
                area=community,
                kind=kind,
                title=title,
                body=body,
                rumour=rumour,
                state=BulletinState.PUBLISHED,
                drafted_by=drafter,
                approved_by=approver,
                approved_at=at - dt.timedelta(minutes=20),
                published_at=at,
            )
            Bulletin.objects.filter(pk=b.pk).update(drafted_at=at - dt.timedelta(hours=1))
            steps = (
                ("drafted", drafter, "", BulletinState.DRAFT, dt.timedelta(hours=1)),
                ("approved", approver, "draft", BulletinState.APPROVED, dt.timedelta(minutes=20)),
                ("published", approver, "approved", BulletinState.PUBLISHED, dt.timedelta(0)),
            )
            for action, actor, before, after, back in steps:
                row = BulletinLog.objects.create(
                    bulletin=b, actor=actor, action=action, from_state=before, to_state=after
                )
                BulletinLog.objects.filter(pk=row.pk).update(at=at - back)
            made += 1
    return {"bulletins": made}
