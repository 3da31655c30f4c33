"""Demo case categories (GB/T 30428 flavour: 事件 events and 部件 facilities), their time limits,
the district departments and street teams that handle cases, and the responsibility list
(权责清单) that routes every category in the demo street.

`seed_registers(seed=…, district_id=…, street_id=…, community_ids=[…])` runs the three steps:
`seed_categories()` (34 leaf categories under six top categories, limits for a few of them),
`seed_units(district=…, street=…)` (government departments on the district, two teams on the
street) and `seed_duties(rng=…, street=…, communities=…, units=…)` (a street rule for every top
category, a few more specific street rules, 物业 rules in each community for property matters,
and prevent / recover rules for emergencies). Idempotent: what exists is left as it is.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from resigrid.areas.models import Area
from resigrid.orgs.choices import Specialty, UnitKind
from resigrid.orgs.models import Unit, UnitSpecialty
from resigrid.registers.choices import CategoryKind, Phase
from resigrid.registers.models import Category, Deadline, Duty

E, F = CategoryKind.EVENT, CategoryKind.FACILITY

# (code, name, kind, keywords); parents come before their children.
CATEGORIES: tuple[tuple[str, str, str, str], ...] = (
    ("01", "市容环境", E, "市容 环境 卫生"),
    ("01.01", "暴露垃圾", E, "垃圾 垃圾桶 满溢 清运"),
    ("01.02", "乱堆物料", E, "堆物 建筑垃圾 渣土"),
    ("01.03", "道路不洁", E, "路面 脏 油污 清扫"),
    ("01.04", "非法小广告", E, "小广告 牛皮癣 喷涂"),
    ("01.05", "乱涂写乱张贴", E, "涂鸦 张贴"),
    ("01.06", "绿地脏乱", E, "绿地 草坪 枯枝"),
    ("02", "设施管理", F, "公共设施 部件"),
    ("02.01", "井盖", F, "井盖 窨井"),
    ("02.01.01", "污水井盖缺失破损", F, "污水 井盖 缺失 破损"),
    ("02.01.02", "雨水井盖缺失破损", F, "雨水 井盖 篦子"),
    ("02.02", "路灯损坏", F, "路灯 不亮 灯杆"),
    ("02.03", "消防设施损坏", F, "消火栓 灭火器 损坏"),
    ("02.04", "道路破损", F, "坑洼 路面 破损"),
    ("02.05", "护栏损坏", F, "护栏 隔离栏"),
    ("02.06", "健身器材损坏", F, "健身器材 游乐设施"),
    ("03", "街面秩序", E, "秩序 执法"),
    ("03.01", "占道经营", E, "占道 出店经营"),
    ("03.02", "违章停车", E, "停车 占用 车位"),
    ("03.03", "流动摊贩", E, "摊贩 游商"),
    ("03.04", "共享单车乱停放", E, "共享单车 电动车 乱停"),
    ("03.05", "违法建设", E, "违建 搭建 加层"),
    ("04", "突发事件", E, "突发 应急"),
    ("04.01", "积水内涝", E, "积水 内涝 暴雨 排水"),
    ("04.02", "燃气泄漏", E, "燃气 煤气 泄漏 气味"),
    ("04.03", "火情", E, "火灾 冒烟 起火"),
    ("04.04", "树木倒伏", E, "大风 倒树 断枝"),
    ("04.05", "路面塌陷", E, "塌陷 空洞"),
    ("05", "民生服务", E, "民生 诉求"),
    ("05.01", "供水", E, "停水 水压 水质"),
    ("05.02", "供暖", E, "暖气 不热 供暖"),
    ("05.03", "噪音扰民", E, "噪音 施工 广场舞"),
    ("05.04", "物业纠纷", E, "物业 服务 收费"),
    ("05.05", "电梯故障", E, "电梯 困人 停运"),
    ("05.06", "邻里纠纷", E, "邻里 漏水 矛盾"),
    ("06", "安全隐患", E, "隐患 排查"),
    ("06.01", "楼道堆物", E, "楼道 杂物 堆放"),
    ("06.02", "电动车违规充电", E, "电动车 飞线 充电 入户"),
    ("06.03", "高空坠物隐患", E, "高空 坠物 外墙 空调外机"),
    ("06.04", "危房险情", E, "危房 裂缝 倾斜"),
    ("06.05", "消防通道堵塞", E, "消防通道 占用"),
)  # fmt: skip

# (code, priority, accept, dispatch, handle, verify) in minutes; the rest inherits or defaults.
DEADLINES: tuple[tuple[str, str, int, int, int, int], ...] = (
    ("01", "urgent", 30, 60, 4 * 60, 4 * 60),
    ("01", "high", 60, 120, 12 * 60, 12 * 60),
    ("01", "normal", 120, 240, 24 * 60, 24 * 60),
    ("02", "normal", 240, 480, 3 * 24 * 60, 24 * 60),
    ("04", "urgent", 10, 10, 2 * 60, 60),
    ("04", "high", 15, 30, 4 * 60, 2 * 60),
    ("04", "normal", 30, 60, 12 * 60, 4 * 60),
    ("04.03", "urgent", 5, 5, 60, 30),
    ("05", "high", 60, 120, 24 * 60, 12 * 60),
    ("05", "normal", 120, 240, 3 * 24 * 60, 24 * 60),
    ("06", "urgent", 15, 30, 4 * 60, 2 * 60),
)  # fmt: skip

# key → (name, kind, specialty); district departments, then the street's own teams.
DISTRICT_UNITS = {
    "city": ("区城市管理局", UnitKind.GOVERNMENT, Specialty.ENVIRONMENT),
    "municipal": ("区市政设施管理中心", UnitKind.GOVERNMENT, Specialty.ENGINEERING),
    "housing": ("区住房和城乡建设局", UnitKind.GOVERNMENT, Specialty.ENGINEERING),
    "water": ("区水务局", UnitKind.GOVERNMENT, Specialty.ENGINEERING),
    "emergency": ("区应急管理局", UnitKind.GOVERNMENT, Specialty.RESCUE),
    "fire": ("区消防救援大队", UnitKind.GOVERNMENT, Specialty.FIRE),
    "traffic": ("区公安分局交通警察大队", UnitKind.GOVERNMENT, Specialty.SECURITY),
    "market": ("区市场监督管理局", UnitKind.GOVERNMENT, Specialty.OTHER),
    "ecology": ("区生态环境分局", UnitKind.GOVERNMENT, Specialty.ENVIRONMENT),
    "civil": ("区民政局", UnitKind.GOVERNMENT, Specialty.ELDERLY_CARE),
    "justice": ("区司法局", UnitKind.GOVERNMENT, Specialty.MEDIATION),
    "gas": ("区燃气有限公司", UnitKind.ENTERPRISE, Specialty.ENGINEERING),
}
STREET_UNITS = {
    "enforcement": ("综合行政执法队", UnitKind.GOVERNMENT, Specialty.SECURITY),
    "safety": ("平安建设办公室", UnitKind.GOVERNMENT, Specialty.SECURITY),
}

# Street rules: (category, phase, lead, supports); what each must do is in STREET_TASKS.
STREET_DUTIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("01", Phase.RESPOND, "enforcement", ("city",)),
    ("02", Phase.RESPOND, "municipal", ("housing",)),
    ("02.03", Phase.RESPOND, "fire", ("municipal",)),
    ("03", Phase.RESPOND, "enforcement", ("city",)),
    ("03.02", Phase.RESPOND, "traffic", ("enforcement",)),
    ("04", Phase.RESPOND, "emergency", ("fire", "safety")),
    ("04.01", Phase.RESPOND, "water", ("emergency", "municipal")),
    ("04.02", Phase.RESPOND, "gas", ("fire", "emergency")),
    ("04.03", Phase.RESPOND, "fire", ("emergency", "safety")),
    ("04", Phase.PREVENT, "emergency", ("safety",)),
    ("04", Phase.RECOVER, "civil", ("housing",)),
    ("05", Phase.RESPOND, "housing", ("market",)),
    ("05.01", Phase.RESPOND, "water", ()),
    ("05.03", Phase.RESPOND, "ecology", ("enforcement",)),
    ("05.06", Phase.RESPOND, "justice", ("safety",)),
    ("06", Phase.RESPOND, "safety", ("fire",)),
    ("06.04", Phase.RESPOND, "housing", ("safety", "emergency")),
)
STREET_TASKS: dict[tuple[str, str], str] = {
    ("01", Phase.RESPOND): "主办：2小时内到场，督促责任单位清理；协办：调派环卫力量。",
    ("02", Phase.RESPOND): "主办：设置警示，限时修复；协办：确认产权单位。",
    ("02.03", Phase.RESPOND): "主办：检查并修复消防设施；协办：配合断水、围挡。",
    ("03", Phase.RESPOND): "主办：现场劝导、依法查处；协办：联合执法。",
    ("03.02", Phase.RESPOND): "主办：现场处置违停；协办：劝导疏导。",
    ("04", Phase.RESPOND): "主办：启动预案、统一指挥；协办：人员疏散与现场警戒。",
    ("04.01", Phase.RESPOND): "主办：调泵排水、疏通管网；协办：设置警示、转移群众。",
    ("04.02", Phase.RESPOND): "主办：关阀堵漏、检测浓度；协办：警戒疏散、禁止明火。",
    ("04.03", Phase.RESPOND): "主办：灭火救援；协办：疏散群众、维护秩序。",
    ("04", Phase.PREVENT): "汛前排查易涝点、燃气管线和消防隐患；每季度组织一次演练。",
    ("04", Phase.RECOVER): "受灾群众临时安置、生活救助、心理疏导；房屋安全鉴定。",
    ("05", Phase.RESPOND): "主办：联系责任单位限期解决并回访；协办：行业监管。",
    ("05.01", Phase.RESPOND): "主办：排查管网、恢复供水，停水超过4小时设临时供水点。",
    ("05.03", Phase.RESPOND): "主办：监测噪声、责令整改；协办：夜间施工执法。",
    ("05.06", Phase.RESPOND): "主办：组织人民调解；协办：矛盾排查与稳控。",
    ("06", Phase.RESPOND): "主办：隐患登记、限期整改、复查销号；协办：专业指导。",
    ("06.04", Phase.RESPOND): "主办：房屋安全鉴定、撤离危险区；协办：人员转移安置。",
}

# Community rules for property matters: (category, supports, tasks); the lead is the 物业.
PROPERTY_DUTIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("05.04", ("owners_committee",), "物业：3日内答复并整改；业委会：监督与协调。"),
    ("05.05", ("market",), "物业：30分钟内到场救援困人、通知维保单位；市场监管：特种设备监督。"),
    ("06.01", ("safety",), "物业：清理楼道堆物、张贴告知；街道平安办：督查复查。"),
    ("06.05", ("fire",), "物业：清理占用消防通道车辆杂物；消防：抽查与执法。"),
)  # fmt: skip


@dataclass
class DemoUnits:
    by_key: dict[str, Unit]

    def __getitem__(self, key: str) -> Unit:
        return self.by_key[key]


def seed_categories() -> dict[str, int]:
    """The category tree and the time limits; leaves existing codes as they are."""
    counts: Counter[str] = Counter()
    with transaction.atomic():
        existing = {c.code: c for c in Category.objects.all()}
        for sort, (code, name, kind, keywords) in enumerate(CATEGORIES):
            if code in existing:
                continue
            parent_code = code.rpartition(".")[0] or None
            existing[code] = Category.objects.create(
                code=code,
                name=name,
                kind=kind,
                keywords=keywords,
                parent=existing[parent_code] if parent_code else None,
                sort=sort,
            )
            counts["categories"] += 1
        have = set(Deadline.objects.values_list("category__code", "priority"))
        rows = [
            Deadline(
                category=existing[code],
                priority=priority,
                accept_minutes=a,
                dispatch_minutes=d,
                handle_minutes=h,
                verify_minutes=v,
            )
            for code, priority, a, d, h, v in DEADLINES
            if (code, priority) not in have
        ]
        Deadline.objects.bulk_create(rows)
        counts["deadlines"] += len(rows)
    return dict(counts)


def _unit(area: Area, name: str, kind: str, specialty: str, counts: Counter[str]) -> Unit:
    unit, created = Unit.objects.get_or_create(
        area=area, name=name, defaults={"kind": kind, "co_building": True, "has_party_org": True}
    )
    if created:
        UnitSpecialty.objects.create(unit=unit, specialty=specialty)
        counts["units"] += 1
    return unit


def seed_units(*, district: Area, street: Area, counts: Counter[str] | None = None) -> DemoUnits:
    """The district's departments and the street's own teams (created when missing)."""
    counts = counts if counts is not None else Counter()
    by_key = {
        key: _unit(district, name, kind, specialty, counts)
        for key, (name, kind, specialty) in DISTRICT_UNITS.items()
    }
    short = street.name.removesuffix("街道")
    for key, (name, kind, specialty) in STREET_UNITS.items():
        by_key[key] = _unit(street, f"{short}街道{name}", kind, specialty, counts)
    return DemoUnits(by_key)


def seed_duties(
    *, rng: random.Random, street: Area, communities: list[Area], units: DemoUnits
) -> dict[str, int]:
    """The responsibility list of the street and its communities (skips rules already set)."""
    codes = {c.code: c for c in Category.objects.all()}
    taken = set(Duty.objects.active().values_list("category__code", "area_id", "phase"))
    duties: list[tuple[Duty, list[Unit]]] = []

    def add(code: str, area: Area, phase: str, lead: Unit, support: list[Unit], tasks: str) -> None:
        if (code, area.pk, phase) in taken:
            return
        taken.add((code, area.pk, phase))
        duty = Duty(category=codes[code], area=area, phase=phase, lead_unit=lead, tasks=tasks)
        duties.append((duty, [u for u in support if u.pk != lead.pk]))

    for code, phase, lead, supports in STREET_DUTIES:
        tasks = STREET_TASKS[(code, phase)]
        add(code, street, phase, units[lead], [units[s] for s in supports], tasks)
    for community in communities:
        local = list(Unit.objects.filter(area=community).order_by("pk"))
        properties = [u for u in local if u.kind == UnitKind.PROPERTY]
        if not properties:
            continue
        manager = rng.choice(properties)
        committees = [u for u in local if u.kind == UnitKind.OWNERS_COMMITTEE]
        for code, supports, tasks in PROPERTY_DUTIES:
            support = [
                (rng.choice(committees) if committees else None)
                if key == "owners_committee"
                else units[key]
                for key in supports
            ]
            add(code, community, Phase.RESPOND, manager, [u for u in support if u], tasks)
    with transaction.atomic():
        Duty.objects.bulk_create([d for d, _s in duties])
        through = Duty.support_units.through
        through.objects.bulk_create(
            through(duty_id=d.pk, unit_id=u.pk) for d, support in duties for u in support
        )
    return {"duties": len(duties)}


def seed_registers(
    *, seed: int, district_id: int, street_id: int, community_ids: list[int]
) -> dict[str, int]:
    """Categories, limits, handling units and the responsibility list of the demo street."""
    counts: Counter[str] = Counter()
    with transaction.atomic():
        counts.update(seed_categories())
        district = Area.objects.get(pk=district_id)
        street = Area.objects.get(pk=street_id)
        communities = list(Area.objects.filter(pk__in=community_ids).order_by("code"))
        units = seed_units(district=district, street=street, counts=counts)
        rng = random.Random(f"registers:{seed}")  # noqa: S311 - demo data, not secrets
        counts.update(seed_duties(rng=rng, street=street, communities=communities, units=units))
    return {f"register_{k}": v for k, v in counts.items()}
