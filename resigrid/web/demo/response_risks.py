# ruff: noqa: E501 - rows of Chinese demo text read best one per line
"""Demo data of the risks app (issue 6): the street's risk register (风险清单) — 17 risk
points over the four hazard classes in the communities' grids (points inside them), rated by
the 5×5 matrix or LEC, some with controls and residual ratings, three with overdue reviews and
the gas pipeline escalated to the street as a case. Written through the services (each rating,
review and log row as in real use); skips everything when the street already has risks."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from resigrid.accounts.models import User
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass
from resigrid.response import risk_rules
from resigrid.response.risks import escalation, rating, services
from resigrid.response.risks.models import RiskPoint, RiskReview

NAT, ACC, PH, SOC = (
    HazardClass.NATURAL,
    HazardClass.ACCIDENT,
    HazardClass.PUBLIC_HEALTH,
    HazardClass.SOCIAL_SECURITY,
)

# (name, class, subtype, factors, residual, controls, days overdue or None, person)
# factors: ("m", L, harm, scale, loss) or ("lec", L, E, C); residual: (L, S) for the matrix.
RISKS: tuple[tuple[Any, ...], ...] = (
    ("低洼积水点（下穿通道）", NAT, "低洼积水点", ("m", 4, 3, 3, 3), (2, 3), ("汛前清淤疏通雨水口", "设置水位标尺与警示牌"), None, "王建国（物业经理）"),
    ("地下车库倒灌风险", NAT, "内涝", ("m", 3, 4, 3, 4), (2, 4), ("车库入口挡水板", "备用排水泵"), None, "李强（物业工程部）"),
    ("行道树倒伏隐患", NAT, "台风大风", ("m", 3, 2, 2, 2), None, ("汛前修剪枯枝",), None, "赵敏（网格员）"),
    ("老旧小区电动车充电（楼道飞线）", ACC, "电动车充电", ("m", 4, 5, 3, 3), (2, 5), ("建设集中充电棚", "楼道巡查劝导"), 12, "陈磊（网格员）"),
    ("高空坠物（外墙瓷砖脱落）", ACC, "高空坠物", ("m", 3, 4, 2, 2), None, ("拉设警戒线",), None, "孙丽（楼长）"),
    ("燃气管道老化", ACC, "燃气管道", ("m", 4, 5, 4, 4), None, ("每周巡检燃气立管",), None, "周涛（燃气公司片区负责人）"),
    ("消防通道占用", ACC, "消防通道", ("m", 4, 3, 3, 2), (2, 3), ("划设禁停标线",), None, "吴刚（物业秩序主管）"),
    ("老旧电梯困人风险", ACC, "电梯", ("m", 2, 3, 2, 2), None, (), None, "郑芳（物业）"),
    ("有限空间作业（污水井清淤）", ACC, "有限空间作业", ("lec", "3", "2", "15"), None, ("作业前气体检测",), None, "冯军（作业班长）"),
    ("配电房检修作业", ACC, "老旧电线", ("lec", "1", "6", "7"), None, (), None, "蒋伟（电工）"),
    ("农贸市场人员密集", SOC, "人员密集场所", ("m", 3, 3, 3, 2), None, ("高峰时段限流",), None, "韩梅（市场管理办）"),
    ("节假日广场活动人员聚集", SOC, "人员密集场所", ("m", 2, 3, 3, 1), None, (), None, "杨帆（社区文体干事）"),
    ("邻里矛盾纠纷积累", SOC, "矛盾纠纷", ("m", 2, 2, 2, 1), None, ("人民调解员包片",), 30, "朱红（调解员）"),
    ("养老机构传染病聚集风险", PH, "传染病聚集", ("m", 3, 4, 3, 1), None, ("晨午检与访客登记",), 5, "秦医生（卫生服务中心）"),
    ("学校食堂食品安全", PH, "食品安全", ("m", 2, 4, 3, 1), None, ("食材索证索票检查",), None, "许校长"),
    ("二次供水水箱卫生", PH, "饮用水", ("m", 1, 3, 3, 1), None, ("水箱半年清洗",), None, "何工（物业）"),
    ("健身器材老化", ACC, "设施老化", ("m", 1, 2, 1, 1), None, (), None, "吕师傅（物业维修）"),
)  # fmt: skip

ESCALATE = "燃气管道老化"


def _factors(spec: tuple[Any, ...], residual: tuple[int, int] | None) -> rating.Factors:
    if spec[0] == "lec":
        return rating.Factors(method="lec", lec_l=spec[1], lec_e=spec[2], lec_c=spec[3])
    extra: dict[str, Any] = {}
    if residual is not None:
        extra = {"residual_likelihood": residual[0], "residual_severity": residual[1]}
    return rating.Factors(
        method="matrix",
        likelihood=spec[1],
        harm=spec[2],
        scale=spec[3],
        property_loss=spec[4],
        **extra,
    )


def _point_in(grid: Area, rng: random.Random) -> tuple[float, float] | None:
    if not grid.boundary:
        return None
    from shapely.geometry import Point, shape

    polygon = shape(grid.boundary)
    west, south, east, north = polygon.bounds
    for _ in range(50):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if polygon.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)
    p = polygon.representative_point()
    return float(p.x), float(p.y)


def _backdate(risk: RiskPoint, days_overdue: int) -> None:
    """Move the last review back so that the next one fell due `days_overdue` days ago."""
    today = services.today()
    months = rating.cadence().months(risk_rules.Band(risk.band))
    due = today - dt.timedelta(days=days_overdue)
    last = risk_rules.add_months(due, -months)
    RiskPoint.objects.filter(pk=risk.pk).update(last_reviewed_on=last, next_review_due=due)
    RiskReview.objects.filter(risk=risk).update(reviewed_on=last, next_due=due)


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's risk register; return counts for the seed summary."""
    street = Area.objects.get(pk=street_id)
    if RiskPoint.objects.filter(area__code__startswith=street.scope_prefix).exists():
        return {}
    actor = User.objects.filter(username="street").first()
    if actor is None:
        return {}
    rng = random.Random(f"{seed}-risks")  # noqa: S311 - demo data, not security
    grids: list[Area] = []
    for community in Area.objects.filter(pk__in=community_ids).order_by("code"):
        grids += [
            g
            for g in Area.objects.filter(
                code__startswith=community.scope_prefix, level=Level.GRID
            ).order_by("code")
            if g.boundary
        ]
    if not grids:
        return {}
    counts = {"risk_points": 0, "risk_controls": 0, "risk_escalations": 0}
    with transaction.atomic():
        for i, (name, hazard, subtype, spec, residual, controls, overdue, person) in enumerate(
            RISKS
        ):
            grid = grids[i % len(grids)]
            where = _point_in(grid, rng)
            unit = Unit.objects.filter(area__code__startswith=grid.scope_prefix[:12]).first()
            risk = services.create_risk(
                actor=actor,
                area=grid,
                details=services.Details(
                    name=name,
                    hazard_class=hazard,
                    subtype=subtype,
                    location=f"{grid.name}",
                    lon=where[0] if where else None,
                    lat=where[1] if where else None,
                    responsible_unit=unit,
                    responsible_person=person,
                    description=f"{grid.name}排查发现：{name}。",
                ),
                factors=_factors(spec, residual),
                note="2026年度风险排查",
            )
            counts["risk_points"] += 1
            for measure in controls:
                services.add_control(
                    actor=actor,
                    risk_id=risk.pk,
                    measure=measure,
                    owner=person,
                    state="in_place" if residual else "planned",
                )
                counts["risk_controls"] += 1
            if overdue:
                _backdate(risk, overdue)
            if name == ESCALATE:
                try:
                    with transaction.atomic():
                        escalation.escalate(
                            actor=actor,
                            risk_id=risk.pk,
                            note="管道更换需燃气公司与街道统筹资金，社区无法自行解决。",
                        )
                    counts["risk_escalations"] += 1
                except DomainError:
                    pass  # no case category in this database: the risk stays open
    return counts
