"""Demo Party organisations, members, units, commitments, depots, stock and facilities for the
areas and residents already written by seed_demo. Deterministic from the seed; bulk inserts.

`seed_orgs_resources(seed=…, community_ids=[…], grid_ids=[…], volunteer_ids=[…])`: a Party
committee and a branch per community, a Party group per grid; about 5% of adults Party members
(a tenth of them in-service, most of those registered to their community with service records);
15–30 units per community with contacts and commitments; a volunteer team per community (with
the given volunteers who live there); 1–2 depots per community with a 25-item catalogue and stock
movements (some items below their minimum, some batches near expiry — dated from today so that
the warnings show); shelters sized for about 15% of residents, AEDs, hydrants, medical points and
loudspeakers at points inside the grids.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from resigrid.areas.models import Area
from resigrid.core import pii
from resigrid.orgs.choices import CommitmentKind, OrgKind, Specialty, TeamRole, UnitKind
from resigrid.orgs.models import (
    Commitment,
    InServiceRegistration,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    TeamMembership,
    Unit,
    UnitContact,
    UnitSpecialty,
)
from resigrid.orgs.rules import CREDIT_ALPHABET, credit_check_char
from resigrid.people.models import Person, Volunteer
from resigrid.resources.choices import Amenity, FacilityKind, FacilityStatus, MovementKind
from resigrid.resources.models import Batch, Depot, DepotItem, Facility, Item, StockMovement
from resigrid.web.demo.names import ROAD_NAMES, full_name
from resigrid.web.demo.population import REFERENCE_DATE

PARTY_SHARE = 0.05
SHELTER_SHARE = 0.15

# (code, name, category, unit of measure, tracks shelf life, minimum level per depot)
CATALOGUE: tuple[tuple[str, str, str, str, bool, int], ...] = (
    ("W001", "瓶装饮用水(550ml×24)", "water", "箱", True, 60),
    ("W002", "桶装水(18.9L)", "water", "桶", True, 30),
    ("F001", "方便面", "food", "箱", True, 40),
    ("F002", "压缩饼干", "food", "箱", True, 30),
    ("F003", "自热米饭", "food", "箱", True, 20),
    ("M001", "常用药品包", "medicine", "包", True, 20),
    ("M002", "碘伏消毒液", "medicine", "瓶", True, 30),
    ("S101", "急救包", "medical_supplies", "个", True, 20),
    ("S102", "医用外科口罩", "medical_supplies", "盒", True, 50),
    ("S103", "担架", "medical_supplies", "副", False, 4),
    ("T001", "救灾帐篷(12m²)", "shelter", "顶", False, 10),
    ("T002", "折叠床", "shelter", "张", False, 20),
    ("B001", "棉被", "bedding", "床", False, 40),
    ("B002", "睡袋", "bedding", "个", False, 30),
    ("L001", "强光手电筒", "lighting", "个", False, 30),
    ("L002", "应急照明灯", "lighting", "台", False, 10),
    ("P001", "便携式发电机(3kW)", "power", "台", False, 2),
    ("P002", "移动电源", "power", "个", False, 20),
    ("R001", "救生衣", "rescue_tools", "件", False, 30),
    ("R002", "沙袋", "rescue_tools", "个", False, 300),
    ("R003", "铁锹", "rescue_tools", "把", False, 20),
    ("R004", "排水泵", "rescue_tools", "台", False, 2),
    ("E001", "雨衣雨靴套装", "protective", "套", False, 30),
    ("H001", "消毒片", "hygiene", "瓶", True, 20),
    ("O001", "扩音喇叭", "other", "个", False, 5),
)  # fmt: skip

# Unit kinds with weights, name patterns and typical specialties.
UNIT_KINDS: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        UnitKind.SHOP,
        6,
        ("{road}便民超市", "{road}五金店", "{road}药店", "{road}餐馆"),
        (Specialty.CATERING, Specialty.LOGISTICS),
    ),
    (
        UnitKind.ENTERPRISE,
        4,
        ("{cn}科技有限公司", "{cn}建设工程有限公司", "{cn}物流有限公司"),
        (Specialty.TRANSPORT, Specialty.ENGINEERING, Specialty.LOGISTICS),
    ),
    (
        UnitKind.RESIDENT_UNIT,
        3,
        ("{cn}小学", "{cn}中学", "区第{n}人民医院", "{cn}供电所"),
        (Specialty.MEDICAL, Specialty.ACCOMMODATION, Specialty.ELECTRICAL, Specialty.EDUCATION),
    ),
    (
        UnitKind.GOVERNMENT,
        2,
        ("{cn}派出所", "{cn}消防救援站", "{cn}市场监管所"),
        (Specialty.SECURITY, Specialty.FIRE, Specialty.RESCUE),
    ),
    (UnitKind.PROPERTY, 2, ("{cn}物业服务有限公司",), (Specialty.SECURITY, Specialty.ENGINEERING)),
    (
        UnitKind.OWNERS_COMMITTEE,
        2,
        ("{cn}花园业主委员会", "{cn}苑业主委员会"),
        (Specialty.MEDIATION,),
    ),
    (
        UnitKind.SOCIAL_ORG,
        2,
        ("{cn}社工服务中心", "{cn}心理咨询服务社", "{cn}养老服务中心"),
        (Specialty.PSYCHOLOGICAL, Specialty.ELDERLY_CARE, Specialty.LEGAL),
    ),
    (
        UnitKind.SELF_ORG,
        3,
        ("{n}号楼楼道互助小组", "{cn}老年协会", "{cn}巡防队"),
        (Specialty.SECURITY, Specialty.ELDERLY_CARE, Specialty.CULTURE),
    ),
)

COMMITMENTS: dict[str, tuple[tuple[str, str, str, int, int], ...]] = {
    # kind → (commitment kind, description, unit of measure, min, max)
    UnitKind.SHOP: (
        ("goods", "应急食品和饮用水", "箱", 10, 50),
        ("goods", "日用品", "件", 20, 100),
    ),
    UnitKind.ENTERPRISE: (
        ("vehicles", "货车", "辆", 1, 3),
        ("people", "应急突击队员", "人", 5, 20),
    ),
    UnitKind.RESIDENT_UNIT: (
        ("space", "操场/礼堂临时安置", "平方米", 300, 2000),
        ("people", "志愿者", "人", 5, 30),
    ),
    UnitKind.GOVERNMENT: (
        ("people", "专业救援人员", "人", 5, 15),
        ("services", "治安巡逻", "次/周", 2, 7),
    ),
    UnitKind.PROPERTY: (
        ("people", "工程维修人员", "人", 2, 8),
        ("space", "地下车库临时停放", "个车位", 20, 80),
    ),
    UnitKind.OWNERS_COMMITTEE: (("services", "居民动员与通知", "次/月", 1, 4),),
    UnitKind.SOCIAL_ORG: (
        ("services", "心理疏导", "人次/月", 10, 60),
        ("people", "社工", "人", 2, 6),
    ),
    UnitKind.SELF_ORG: (("people", "楼道互助员", "人", 3, 12),),
}

FACILITY_NAMES = {
    FacilityKind.AED: "AED（{place}）",
    FacilityKind.HYDRANT: "消火栓 {code}",
    FacilityKind.MEDICAL_POINT: "{place}医疗点",
    FacilityKind.LOUDSPEAKER: "应急大喇叭 {code}",
}


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))  # noqa: S311 - demo data


def credit_code(rng: random.Random) -> str:
    """A well-formed synthetic GB 32100 code: 9 (工商) 1 (企业), region 330106, 9 random, check."""
    body = "91330106" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return body + credit_check_char(body)


def _phone(rng: random.Random) -> tuple[str, str]:
    value = f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}"
    return pii.encrypt(value), pii.keyed_hash(value)


class _Places:
    """Random points inside a grid's boundary (rejection sampling in its bounding box)."""

    def __init__(self, grids: list[Area]) -> None:
        self.shapes = {g.pk: shape(g.boundary) for g in grids if g.boundary}
        self.fallback = {g.pk: (g.centroid_lon or 120.13, g.centroid_lat or 30.27) for g in grids}

    def point(self, rng: random.Random, grid_id: int) -> tuple[float, float]:
        geom = self.shapes.get(grid_id)
        if geom is None:
            return self.fallback[grid_id]
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(50):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if geom.contains(Point(lon, lat)):
                return round(lon, 6), round(lat, 6)
        c = geom.representative_point()
        return round(c.x, 6), round(c.y, 6)


def seed_orgs_resources(
    *,
    seed: int,
    community_ids: list[int],
    grid_ids: list[int],
    volunteer_ids: list[int] | None = None,
) -> dict[str, int]:
    """Write the demo orgs and resources registries; returns counts of what was written."""
    counts: Counter[str] = Counter()
    communities = list(Area.objects.filter(pk__in=community_ids).order_by("code"))
    grids = list(Area.objects.filter(pk__in=grid_ids).order_by("code"))
    by_community: dict[int, list[Area]] = defaultdict(list)
    for g in grids:
        if g.parent_id is not None:
            by_community[g.parent_id].append(g)
    places = _Places(grids)
    today = timezone.localdate()
    with transaction.atomic():
        items = _catalogue(counts)
        for community in communities:
            cgrids = by_community.get(community.pk, [])
            rng = _rng("orgs-resources", seed, community.code)
            units = _units(rng, community, cgrids, counts)
            groups = _party_orgs(community, cgrids, counts)
            _members(rng, community, cgrids, groups, units, counts)
            _team(community, cgrids, volunteer_ids or [], counts)
            _depots(rng, community, cgrids, places, items, today, counts)
            _facilities(rng, community, cgrids, places, today, counts)
    return dict(counts)


def _catalogue(counts: Counter[str]) -> list[Item]:
    existing = set(Item.objects.values_list("code", flat=True))
    new = [
        Item(
            code=code,
            name=name,
            category=category,
            uom=uom,
            tracks_expiry=tracks,
            default_min_level=Decimal(minimum),
        )
        for code, name, category, uom, tracks, minimum in CATALOGUE
        if code not in existing
    ]
    Item.objects.bulk_create(new)
    counts["items"] += len(new)
    codes = [c[0] for c in CATALOGUE]
    return list(Item.objects.filter(code__in=codes).order_by("code"))


def _short(community: Area) -> str:
    return community.name.removesuffix("社区")


def _party_orgs(community: Area, grids: list[Area], counts: Counter[str]) -> dict[int, PartyOrg]:
    """Committee → branch → one group per grid; returns the group of each grid id."""
    committee = PartyOrg.objects.create(
        kind=OrgKind.COMMITTEE, name=f"{community.name}党委", area=community
    )
    branch = PartyOrg.objects.create(
        kind=OrgKind.BRANCH, name=f"{community.name}第一党支部", area=community, parent=committee
    )
    groups = PartyOrg.objects.bulk_create(
        PartyOrg(kind=OrgKind.GROUP, name=f"{g.name}党小组", area=g, parent=branch) for g in grids
    )
    counts["party_orgs"] += 2 + len(groups)
    return {g.pk: group for g, group in zip(grids, groups, strict=True)} | {0: branch}


def _members(
    rng: random.Random,
    community: Area,
    grids: list[Area],
    groups: dict[int, PartyOrg],
    units: list[Unit],
    counts: Counter[str],
) -> None:
    adult_born_before = dt.date(REFERENCE_DATE.year - 18, 1, 1)
    people = (
        Person.objects.filter(grid__in=grids, birth_date__lt=adult_born_before)
        .exclude(party_member__isnull=False)
        .order_by("pk")
        .values_list("pk", "grid_id", "birth_date")
    )
    employers = [u for u in units if u.kind in (UnitKind.ENTERPRISE, UnitKind.RESIDENT_UNIT)]
    members: list[PartyMember] = []
    for pk, grid_id, birth in people.iterator(chunk_size=5000):
        if rng.random() >= PARTY_SHARE:
            continue
        joined = birth.replace(day=1) + dt.timedelta(days=365 * rng.randint(20, 35))
        in_service = (
            bool(employers) and rng.random() < 0.1 and birth.year > REFERENCE_DATE.year - 60
        )
        members.append(
            PartyMember(
                person_id=pk,
                org=groups.get(grid_id, groups[0]),
                joined=min(joined, REFERENCE_DATE),
                status="probationary" if rng.random() < 0.03 else "regular",
                in_service=in_service,
                employer=rng.choice(employers) if in_service else None,
            )
        )
    PartyMember.objects.bulk_create(members, batch_size=2000)
    counts["party_members"] += len(members)
    regs, records = [], []
    for m in members:
        if not m.in_service or rng.random() >= 0.7:
            continue
        registered = REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 700))
        regs.append(InServiceRegistration(member=m, community=community, registered=registered))
        for k in range(rng.randint(1, 4)):
            records.append(
                ServiceRecord(
                    member=m,
                    date=registered + dt.timedelta(days=20 * (k + 1)),
                    hours=Decimal(rng.choice(["1.5", "2.0", "3.0", "4.0"])),
                    activity=rng.choice(
                        ["楼道清扫", "防汛巡查", "敬老探访", "文明劝导", "垃圾分类宣传"]
                    ),
                )
            )
    InServiceRegistration.objects.bulk_create(regs)
    ServiceRecord.objects.bulk_create(records)
    counts["in_service_registrations"] += len(regs)
    counts["service_records"] += len(records)
    # The first members found lead the committee and the branch.
    branch = groups[0]
    if members and branch.parent_id is not None:
        PartyOrg.objects.filter(pk=branch.parent_id).update(secretary_id=members[0].person_id)
        PartyOrg.objects.filter(pk=branch.pk).update(secretary_id=members[-1].person_id)


def _units(
    rng: random.Random, community: Area, grids: list[Area], counts: Counter[str]
) -> list[Unit]:
    weights = [w for _k, w, _n, _s in UNIT_KINDS]
    names: set[str] = set()
    units: list[Unit] = []
    specs: list[tuple[int, list[str]]] = []
    short = _short(community)
    for i in range(rng.randint(15, 30)):
        kind, _w, patterns, specialties = rng.choices(UNIT_KINDS, weights)[0]
        pattern = rng.choice(patterns)
        name = pattern.format(road=rng.choice(ROAD_NAMES), cn=short, n=i + 1)
        while name in names:
            name = f"{name}（{len(names)}）"
        names.add(name)
        area = (
            rng.choice(grids) if grids and kind in (UnitKind.SHOP, UnitKind.SELF_ORG) else community
        )
        co_building = kind not in (UnitKind.SHOP, UnitKind.SELF_ORG) or rng.random() < 0.3
        units.append(
            Unit(
                kind=kind,
                name=name,
                area=area,
                credit_code=credit_code(rng)
                if kind in (UnitKind.ENTERPRISE, UnitKind.SHOP, UnitKind.PROPERTY)
                else None,
                scale=rng.randint(3, 30) if kind == UnitKind.SHOP else rng.randint(8, 400),
                has_party_org=kind in (UnitKind.GOVERNMENT, UnitKind.RESIDENT_UNIT)
                or rng.random() < 0.25,
                co_building=co_building,
                co_building_since=REFERENCE_DATE - dt.timedelta(days=rng.randint(60, 1500))
                if co_building
                else None,
                address=f"{rng.choice(ROAD_NAMES)}{rng.randint(1, 300)}号",
            )
        )
        specs.append((i, rng.sample(list(specialties), k=min(len(specialties), rng.randint(1, 2)))))
    # A volunteer team per community (members added in _team).
    units.append(Unit(kind=UnitKind.VOLUNTEER_TEAM, name=f"{community.name}志愿服务队",
                      area=community, co_building=False, scale=0))  # fmt: skip
    Unit.objects.bulk_create(units)
    UnitSpecialty.objects.bulk_create(
        UnitSpecialty(unit=units[i], specialty=s) for i, chosen in specs for s in chosen
    )
    contacts: list[UnitContact] = []
    for u in units:
        for role in ["负责人", "联络员"][: rng.randint(1, 2)]:
            enc, digest = _phone(rng)
            contacts.append(UnitContact(unit=u, name=full_name(rng, rng.choice("MF")), role=role,
                                        phone_enc=enc, phone_hash=digest))  # fmt: skip
    UnitContact.objects.bulk_create(contacts)
    first_contact = {c.unit_id: c for c in reversed(contacts)}
    commitments: list[Commitment] = []
    for u in units:
        for ckind, desc, uom, low, high in COMMITMENTS.get(u.kind, ()):
            if rng.random() < 0.25:
                continue
            commitments.append(
                Commitment(
                    unit=u,
                    kind=CommitmentKind(ckind),
                    description=desc,
                    quantity=Decimal(rng.randint(low, high)),
                    uom=uom,
                    conditions=rng.choice(
                        ["", "提前2小时电话通知", "工作日白天", "需社区书记签批"]
                    ),
                    for_emergency=True,
                    for_daily=rng.random() < 0.4,
                    valid_from=dt.date(REFERENCE_DATE.year, 1, 1),
                    valid_to=dt.date(REFERENCE_DATE.year + 1, 12, 31),
                    contact=first_contact.get(u.pk),
                )
            )
    Commitment.objects.bulk_create(commitments)
    counts["units"] += len(units)
    counts["unit_contacts"] += len(contacts)
    counts["commitments"] += len(commitments)
    return units


def _team(
    community: Area, grids: list[Area], volunteer_ids: list[int], counts: Counter[str]
) -> None:
    team = Unit.objects.get(area=community, kind=UnitKind.VOLUNTEER_TEAM)
    volunteers = list(
        Volunteer.objects.filter(pk__in=volunteer_ids, person__grid__in=grids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    TeamMembership.objects.bulk_create(
        TeamMembership(
            team=team,
            volunteer_id=v,
            role=TeamRole.LEADER if i == 0 else TeamRole.MEMBER,
            joined=REFERENCE_DATE - dt.timedelta(days=30 + i),
        )
        for i, v in enumerate(volunteers)
    )
    Unit.objects.filter(pk=team.pk).update(scale=len(volunteers))
    counts["team_members"] += len(volunteers)


def _depots(
    rng: random.Random,
    community: Area,
    grids: list[Area],
    places: _Places,
    items: list[Item],
    today: dt.date,
    counts: Counter[str],
) -> None:
    depots = []
    for k in range(rng.randint(1, 2)):
        grid = rng.choice(grids) if grids else None
        lon, lat = places.point(rng, grid.pk) if grid else (120.13, 30.27)
        enc, digest = _phone(rng)
        depots.append(
            Depot(
                name=f"{community.name}应急物资储备{'库' if k == 0 else '点'}",
                area=community if k == 0 or grid is None else grid,
                address=f"{rng.choice(ROAD_NAMES)}{rng.randint(1, 300)}号",
                lon=lon,
                lat=lat,
                contact_name=full_name(rng, rng.choice("MF")),
                contact_phone_enc=enc,
                contact_phone_hash=digest,
            )
        )
    Depot.objects.bulk_create(depots)
    policies, batches, moves = [], [], []
    for depot in depots:
        for item in items:
            minimum = item.default_min_level
            policies.append(DepotItem(depot=depot, item=item, min_level=minimum))
            # About one item in six is kept below its minimum; the rest well above it.
            low = rng.random() < 1 / 6
            total = int(minimum * Decimal(rng.uniform(0.2, 0.8) if low else rng.uniform(1.3, 3)))
            total = max(total, 1)
            if item.tracks_expiry:
                # A batch near expiry for about one tracked item in four.
                soon = rng.random() < 0.25
                first = Batch(depot=depot, item=item, number=f"{item.code}-{today:%y}01",
                              expiry=today + dt.timedelta(days=rng.randint(5, 25) if soon
                                                          else rng.randint(120, 500)))  # fmt: skip
                second = Batch(depot=depot, item=item, number=f"{item.code}-{today:%y}02",
                               expiry=today + dt.timedelta(days=rng.randint(400, 700)))  # fmt: skip
                batches += [first, second]
                half = max(1, total // 2)
                moves.append(_move(depot, item, first, MovementKind.IN, half, "年度采购"))
                if total - half > 0:
                    moves.append(
                        _move(depot, item, second, MovementKind.IN, total - half, "补充采购")
                    )
            else:
                moves.append(_move(depot, item, None, MovementKind.IN, total, "年度采购"))
    Batch.objects.bulk_create(batches)
    # Movements reference the batch objects, which now have primary keys.
    StockMovement.objects.bulk_create(moves, batch_size=2000)
    counts["depots"] += len(depots)
    counts["batches"] += len(batches)
    counts["stock_movements"] += len(moves)
    DepotItem.objects.bulk_create(policies)


def _move(
    depot: Depot, item: Item, batch: Batch | None, kind: str, qty: int, reason: str
) -> StockMovement:
    return StockMovement(
        depot=depot, item=item, batch=batch, kind=kind, quantity=Decimal(qty), reason=reason
    )


def _facilities(
    rng: random.Random,
    community: Area,
    grids: list[Area],
    places: _Places,
    today: dt.date,
    counts: Counter[str],
) -> None:
    if not grids:
        return
    residents = Person.objects.filter(grid__in=grids).count() or sum(g.population for g in grids)
    rows: list[Facility] = []
    n_shelters = max(1, min(3, round(residents / 2500)))
    need = max(50, round(residents * SHELTER_SHARE))
    shares = [rng.uniform(0.7, 1.3) for _ in range(n_shelters)]
    for i, share in enumerate(shares):
        grid = rng.choice(grids)
        lon, lat = places.point(rng, grid.pk)
        capacity = round(need * share / sum(shares))
        rows.append(
            Facility(
                kind=FacilityKind.SHELTER,
                name=f"{_short(community)}{['小学操场', '公园', '体育馆'][i % 3]}应急避难场所",
                area=grid,
                lon=lon,
                lat=lat,
                capacity=capacity,
                floor_area_m2=float(capacity * 2),  # GB 21734: at least about 1.5–2 m² a person
                amenities=sorted(rng.sample(Amenity.values, k=rng.randint(3, 7))),
                last_inspected=today - dt.timedelta(days=rng.randint(10, 200)),
            )
        )
    per_grid = (
        (FacilityKind.AED, 1, 2),
        (FacilityKind.HYDRANT, 3, 6),
        (FacilityKind.LOUDSPEAKER, 1, 2),
    )
    for grid in grids:
        for kind, low, high in per_grid:
            for _ in range(rng.randint(low, high)):
                rows.append(_facility(rng, kind, grid, places, today))
    rows.append(_facility(rng, FacilityKind.MEDICAL_POINT, rng.choice(grids), places, today))
    Facility.objects.bulk_create(rows)
    counts["facilities"] += len(rows)
    counts["shelter_capacity"] += sum(f.capacity or 0 for f in rows)


def _facility(
    rng: random.Random, kind: str, grid: Area, places: _Places, today: dt.date
) -> Facility:
    lon, lat = places.point(rng, grid.pk)
    code = f"{grid.code[-6:]}-{rng.randint(100, 999)}"
    place = rng.choice(["社区服务中心", "菜场", "地铁口", "小区门岗", "卫生服务站"])
    status = rng.choices(
        [FacilityStatus.IN_SERVICE, FacilityStatus.MAINTENANCE, FacilityStatus.OUT_OF_SERVICE],
        [90, 7, 3],
    )[0]
    return Facility(
        kind=kind,
        name=FACILITY_NAMES[FacilityKind(kind)].format(place=place, code=code),
        area=grid,
        lon=lon,
        lat=lat,
        status=status,
        last_inspected=today - dt.timedelta(days=rng.randint(5, 365)),
    )
