# ruff: noqa: E501 - rows of Chinese demo text read best one per line
"""Demo data of the plans app (issue 6): the hazard-class part of the street's responsibility
list (who leads and supports in the prevent / respond / recover phases), a complete flood plan
(防汛应急预案) for the street — levels I–IV tied to the rainstorm warning colours, the
temporary command post, task templates with owners, needs per 1,000 residents, two bulletin
templates — and a smaller public-health plan. Bulk writes; skips what is already there."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db import transaction

from resigrid.areas.models import Area
from resigrid.orgs.choices import Specialty, UnitKind
from resigrid.orgs.models import Unit, UnitSpecialty
from resigrid.registers.choices import HazardClass, Phase
from resigrid.registers.models import Duty
from resigrid.resources.models import Item
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from resigrid.web.demo.registers import DemoUnits, seed_units

NAT, PH = HazardClass.NATURAL, HazardClass.PUBLIC_HEALTH
PREVENT, RESPOND, RECOVER = Phase.PREVENT, Phase.RESPOND, Phase.RECOVER
L1, L2, L3, L4 = "1", "2", "3", "4"  # ResponseLevel I (red) … IV (blue)

# Street units this part needs besides those of the registers demo: (key, name, kind, specialty).
EXTRA_UNITS = (
    ("office", "应急管理办公室", UnitKind.GOVERNMENT, Specialty.RESCUE),
    ("health", "社区卫生服务中心", UnitKind.RESIDENT_UNIT, Specialty.MEDICAL),
)

# Street rules for hazard classes: (hazard, phase, lead, supports, what each must do).
# "volunteers" stands for every community's volunteer team.
HAZARD_DUTIES: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    (NAT, PREVENT, "office", ("water", "city", "safety"),
     "应急办：汛前隐患排查、物资储备检查、预案演练；水务局：河道与泵站检查；城管局：排水管网清疏。"),
    (NAT, RESPOND, "office", ("emergency", "fire", "enforcement", "safety", "volunteers"),
     "应急办：启动响应、组建临时指挥部、信息报送；消防：抢险救援；执法队：易涝点管控；"
     "平安办：人员转移；志愿者队：协助转移与物资发放。"),
    (NAT, RECOVER, "housing", ("civil", "city", "office"),
     "住建局：房屋安全鉴定；民政局：受灾群众救助；城管局：环境清理；应急办：灾损统计与复盘。"),
    (PH, PREVENT, "health", ("office", "market"),
     "卫生服务中心：健康监测与宣教、重点人群台账；应急办：防护物资储备；市场监管局：农贸市场巡查。"),
    (PH, RESPOND, "health", ("office", "safety", "volunteers"),
     "卫生服务中心：流调配合、转运与巡诊；应急办：指挥协调；平安办：管控点设置；志愿者队：生活物资代购。"),
    (PH, RECOVER, "health", ("civil", "office"),
     "卫生服务中心：终末消杀与随访；民政局：困难群众救助；应急办：总结评估。"),
)  # fmt: skip

# Each community's own rules: the 物业 leads the flood checks of its estates.
COMMUNITY_DUTIES = ((NAT, PREVENT, "地下车库、配电房挡水板与排水泵检查；低洼楼栋住户台账更新。"),)

FLOOD_LEVELS = (
    (L1, "red", Decimal("100"), "发布暴雨红色预警（3小时降雨量将达100毫米以上），或辖区出现大面积内涝、人员被困、房屋倒塌。"),
    (L2, "orange", Decimal("50"), "发布暴雨橙色预警（3小时降雨量将达50毫米以上），或多处道路积水超过30厘米、地下空间进水。"),
    (L3, "yellow", Decimal("50"), "发布暴雨黄色预警（6小时降雨量将达50毫米以上），或局部出现积水、低洼住户受影响。"),
    (L4, "blue", Decimal("50"), "发布暴雨蓝色预警（12小时降雨量将达50毫米以上），或气象部门预报将有强降雨过程。"),
)  # fmt: skip
FLOOD_TRIGGER_UNIT = {L1: "毫米/3小时", L2: "毫米/3小时", L3: "毫米/6小时", L4: "毫米/12小时"}

# (code, name, duties, unit key or None)
FLOOD_ROLES = (
    ("chief", "总指挥", "街道办事处主任担任；决定启动、调整和终止响应，统一指挥。", None),
    ("deputy", "副总指挥", "分管副主任担任；协助总指挥，负责现场调度。", None),
    ("coordination", "综合协调组", "值班值守、信息汇总与报送、会商组织。", "office"),
    ("rescue", "抢险救援组", "易涝点抢排、被困人员救援、危险区域管控。", "enforcement"),
    ("relocation", "转移安置组", "低洼区域和危旧房人员转移，避难场所开放与管理。", "safety"),
    ("supplies", "物资保障组", "应急物资调拨、发放与登记。", "office"),
    ("medical", "医疗救护组", "伤员救治、转运与巡诊，卫生防疫。", "health"),
    ("publicity", "宣传报道组", "发布通告，回应关切，引导居民避险。", None),
)

# (title, detail, phase, owner: "unit:<key>" / "duty" (street duty of the phase) / "" (the
# nearest duty, looked up on activation), due minutes, level or "")
FLOOD_TASKS = (
    ("通知各社区进入应急状态", "电话、短信、广播通知各社区书记和网格员，明确值守要求。", RESPOND, "duty", 15, ""),
    ("巡查易涝点和地下空间", "下穿通道、地下车库、低洼路段设置警戒，必要时封闭。", RESPOND, "unit:enforcement", 30, ""),
    ("发布避险通告", "通过广播、微信群和户外屏发布通告，提醒居民避险。", RESPOND, "", 30, ""),
    ("调拨沙袋和排水泵", "按需求清单从储备库调拨到易涝点。", RESPOND, "unit:office", 45, ""),
    ("抢排积水、疏通管网", "组织排水泵抢排，疏通雨水口。", RESPOND, "unit:municipal", 60, ""),
    ("转移低洼区域和危旧房住户", "按网格台账逐户转移，优先老人、残疾人、孕妇和儿童。", RESPOND, "unit:safety", 60, ""),
    ("开放应急避难场所", "开放并登记入住人员，保障饮水、食品和被褥。", RESPOND, "unit:safety", 90, ""),
    ("医疗巡诊", "避难场所和转移点巡诊，伤员转运。", RESPOND, "unit:health", 120, ""),
    ("加密隐患巡查", "加密巡查河道、泵站和在建工地，提前转移易受影响物资。", PREVENT, "", 120, L4),
    ("受灾群众生活救助", "核实受灾情况，发放救助物资。", RECOVER, "unit:civil", 720, ""),
    ("房屋安全鉴定和水毁设施排查", "对进水房屋和受损设施进行安全鉴定，登记灾损。", RECOVER, "", 1440, ""),
    ("环境清理和消杀", "清淤、垃圾清运、积水点消毒。", RECOVER, "unit:city", 2880, ""),
)  # fmt: skip

# (item code, per 1,000 affected residents, factors by level, note)
Need = tuple[str, str, dict[str, str], str]
FLOOD_NEEDS: tuple[Need, ...] = (
    ("W001", "150", {L1: "1.5"}, "每人每天约2升"),
    ("F001", "60", {}, ""),
    ("F002", "40", {}, "转移途中和避难场所备用"),
    ("T001", "25", {L1: "2", L3: "0.5", L4: "0"}, "按一成人员需安置、每顶4人"),
    ("B001", "100", {L4: "0"}, ""),
    ("M001", "20", {}, ""),
    ("S101", "10", {}, ""),
    ("R001", "20", {}, ""),
    ("R002", "500", {L1: "2", L2: "1.5", L4: "0.5"}, "易涝点挡水"),
    ("E001", "30", {}, "抢险人员使用"),
)

FLOOD_BULLETINS = (
    ("防汛应急响应启动通告",
     "{area}于{time}启动防汛{level}应急响应。请居民减少外出，远离低洼地带、地下空间和河道，"
     "服从社区转移安排。如遇险情请拨打110、119或120，或联系所在网格员。"),
    ("人员转移安置通知",
     "{area}低洼区域和危旧房住户请于{time}前，在网格员和志愿者引导下转移至就近应急避难场所，"
     "随身携带身份证件、常用药品和贵重物品。行动不便者请联系所在网格员上门协助。"),
)  # fmt: skip

HEALTH_LEVELS = (
    (L1, "", "辖区发生肺鼠疫、肺炭疽等，或传染病疫情波及多个社区并呈扩散态势。"),
    (L2, "", "辖区发生聚集性传染病疫情，或出现输入性重大传染病病例。"),
    (L3, "", "单个社区发生聚集性传染病疫情或群体性不明原因疾病。"),
    (L4, "", "辖区出现传染病散发病例，需开展健康监测和排查。"),
)
HEALTH_ROLES = (
    ("chief", "总指挥", "街道办事处主任担任。", None),
    ("coordination", "综合协调组", "信息报送、会商、协调驻区单位。", "office"),
    ("medical", "医疗防控组", "流调配合、健康监测、转运和消杀。", "health"),
    ("supplies", "物资保障组", "防护与消杀物资调配，隔离人员生活保障。", "office"),
)
HEALTH_TASKS = (
    ("配合流行病学调查", "配合疾控部门开展流调，排查密切接触者。", RESPOND, "", 60, ""),
    (
        "重点人群健康监测",
        "对密接和重点人群每日两次体温和症状监测。",
        RESPOND,
        "unit:health",
        240,
        "",
    ),
    ("公共区域消杀", "楼道、电梯、垃圾点每日消杀。", RESPOND, "unit:city", 180, ""),
    ("终末消毒与随访", "疫情结束后终末消毒，随访出院人员。", RECOVER, "", 2880, ""),
)
HEALTH_NEEDS: tuple[Need, ...] = (
    ("S102", "100", {L1: "3", L2: "2"}, "每盒50只"),
    ("H001", "30", {}, ""),
    ("M002", "20", {}, ""),
)
HEALTH_BULLETINS = (
    ("疫情防控通告",
     "{area}于{time}启动突发公共卫生事件{level}应急响应。请居民做好个人防护，出现发热等症状及时就医，"
     "配合社区开展健康监测。"),
)  # fmt: skip


def _extra_units(street: Area, counts: Counter[str]) -> dict[str, Unit]:
    short = street.name.removesuffix("街道")
    out: dict[str, Unit] = {}
    for key, name, kind, specialty in EXTRA_UNITS:
        unit, created = Unit.objects.get_or_create(
            area=street,
            name=f"{short}街道{name}",
            defaults={"kind": kind, "co_building": True, "has_party_org": True},
        )
        if created:
            UnitSpecialty.objects.create(unit=unit, specialty=specialty)
            counts["units"] += 1
        out[key] = unit
    return out


def _duties(
    street: Area, communities: list[Area], units: dict[str, Unit], counts: Counter[str]
) -> None:
    taken = set(Duty.objects.active().for_hazards().values_list("hazard_class", "area_id", "phase"))
    volunteers = list(
        Unit.objects.filter(area__in=communities, kind=UnitKind.VOLUNTEER_TEAM).order_by("pk")
    )
    rows: list[tuple[Duty, list[Unit]]] = []
    for hazard, phase, lead, supports, tasks in HAZARD_DUTIES:
        if (hazard, street.pk, phase) in taken:
            continue
        support: list[Unit] = []
        for key in supports:
            support.extend(volunteers if key == "volunteers" else [units[key]])
        duty = Duty(
            hazard_class=hazard, area=street, phase=phase, lead_unit=units[lead], tasks=tasks
        )
        rows.append((duty, [u for u in support if u.pk != units[lead].pk]))
    for community in communities:
        local = list(Unit.objects.filter(area=community).order_by("pk"))
        lead_unit = next((u for u in local if u.kind == UnitKind.PROPERTY), None)
        team = [u for u in local if u.kind == UnitKind.VOLUNTEER_TEAM]
        if lead_unit is None:
            continue
        for hazard, phase, tasks in COMMUNITY_DUTIES:
            if (hazard, community.pk, phase) in taken:
                continue
            duty = Duty(
                hazard_class=hazard, area=community, phase=phase, lead_unit=lead_unit, tasks=tasks
            )
            rows.append((duty, team))
    Duty.objects.bulk_create([d for d, _s in rows])
    through = Duty.support_units.through
    through.objects.bulk_create(
        through(duty_id=d.pk, unit_id=u.pk) for d, support in rows for u in support
    )
    if rows:
        counts["hazard_duties"] += len(rows)


def _plan(
    *,
    street: Area,
    title: str,
    hazard: str,
    subtype: str,
    summary: str,
    levels: list[PlanLevel],
    roles: tuple[tuple[str, str, str, str | None], ...],
    tasks: tuple[tuple[str, str, str, str, int, str], ...],
    needs: tuple[Need, ...],
    bulletins: tuple[tuple[str, str], ...],
    units: dict[str, Unit],
    counts: Counter[str],
) -> None:
    if Plan.objects.filter(area=street, hazard_class=hazard, title=title).exists():
        return
    plan = Plan.objects.create(
        title=title, hazard_class=hazard, hazard_subtype=subtype, area=street, summary=summary
    )
    for row in levels:
        row.plan = plan
    PlanLevel.objects.bulk_create(levels)
    CommandRole.objects.bulk_create(
        CommandRole(
            plan=plan, code=code, name=name, duties=duties, unit=units[u] if u else None, sort=i
        )
        for i, (code, name, duties, u) in enumerate(roles, start=1)
    )
    street_duty = {
        d.phase: d for d in Duty.objects.active().filter(hazard_class=hazard, area=street)
    }
    templates = []
    for i, (task, detail, phase, owner, due, level) in enumerate(tasks, start=1):
        unit = units[owner.removeprefix("unit:")] if owner.startswith("unit:") else None
        duty = street_duty.get(phase) if owner == "duty" else None
        templates.append(
            TaskTemplate(
                plan=plan,
                level=level,
                title=task,
                detail=detail,
                phase=phase,
                duty=duty,
                owner_unit=unit,
                due_offset_minutes=due,
                sort=i,
            )
        )
    TaskTemplate.objects.bulk_create(templates)
    items = {i.code: i for i in Item.objects.filter(code__in=[n[0] for n in needs])}
    ResourceNeed.objects.bulk_create(
        ResourceNeed(
            plan=plan, item=items[code], per_thousand=Decimal(per), level_factors=factors, note=note
        )
        for code, per, factors, note in needs
        if code in items
    )
    BulletinTemplate.objects.bulk_create(
        BulletinTemplate(plan=plan, title=t, body=body, sort=i)
        for i, (t, body) in enumerate(bulletins, start=1)
    )
    counts["plans"] += 1
    counts["plan_tasks"] += len(templates)


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's plans rows; return counts for the seed summary."""
    counts: Counter[str] = Counter()
    street = Area.objects.select_related("parent").get(pk=street_id)
    communities = list(Area.objects.filter(pk__in=community_ids).order_by("code"))
    with transaction.atomic():
        district = street.parent if street.parent is not None else street
        demo: DemoUnits = seed_units(district=district, street=street, counts=counts)
        units = {**demo.by_key, **_extra_units(street, counts)}
        _duties(street, communities, units, counts)
        _plan(
            street=street,
            title="防汛应急预案",
            hazard=NAT,
            subtype="暴雨内涝",
            summary="适用于本街道范围内暴雨、内涝等汛情的预防、应对和恢复。按暴雨预警颜色分级响应，"
            "街道成立临时指挥部统一指挥。",
            levels=[
                PlanLevel(
                    level=lvl,
                    criteria=text,
                    alert_level=colour,
                    trigger_value=value,
                    trigger_unit=FLOOD_TRIGGER_UNIT[lvl],
                )
                for lvl, colour, value, text in FLOOD_LEVELS
            ],
            roles=FLOOD_ROLES,
            tasks=FLOOD_TASKS,
            needs=FLOOD_NEEDS,
            bulletins=FLOOD_BULLETINS,
            units=units,
            counts=counts,
        )
        _plan(
            street=street,
            title="突发公共卫生事件应急预案",
            hazard=PH,
            subtype="传染病疫情",
            summary="适用于本街道范围内传染病疫情等突发公共卫生事件的社区防控。",
            levels=[PlanLevel(level=lvl, criteria=text) for lvl, _c, text in HEALTH_LEVELS],
            roles=HEALTH_ROLES,
            tasks=HEALTH_TASKS,
            needs=HEALTH_NEEDS,
            bulletins=HEALTH_BULLETINS,
            units=units,
            counts=counts,
        )
    return dict(counts)
