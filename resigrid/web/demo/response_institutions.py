# ruff: noqa: E501 - rows of Chinese demo text read best one per line
"""Demo data of the institutions app (issue 6): the street's five procedures (one with three
versions), two inspection schedules with checklists (a past fire-lane round found blocked lanes
and opened a case; the flood-facility check is overdue), and a flood drill about two months ago
with participants, scores and three lessons → improvement items (one done, one open, one
overdue), linked to the street's natural-hazard plan when the plans demo wrote one. Written
through the services; skips itself when already there."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers.models import Category
from resigrid.response.institutions import drills, inspections, procedures
from resigrid.response.institutions.improvements import close_improvement_item
from resigrid.response.institutions.inspections import AnswerSpec, ItemSpec
from resigrid.response.institutions.models import Procedure
from resigrid.response.plans.models import Plan

# (kind, title, versions: (days before today it took effect, approved by, change note, text))
PROCEDURES = (
    ("survey", "风险隐患排查制度", (
        (700, "街道党工委会议", "", "每季度开展一次辖区风险隐患全面排查，汛前、节前各加查一次；排查结果录入风险清单，按“五有”要求建立台账，逐项明确整改责任人和时限。"),
    )),
    ("inspection", "网格日常巡查制度", (
        (900, "街道党工委会议", "", "网格员每日巡查责任网格不少于一次，重点查看消防通道、电动车充电、井盖护栏和独居老人情况，发现问题当场上报。"),
        (420, "街道党工委会议", "汛期加密巡查，明确巡查清单", "网格员每日巡查责任网格不少于一次；汛期（5月—9月）每日两次。巡查按清单逐项勾选，发现问题即时上报并生成案卷。"),
        (60, "街道党工委会议", "巡查结果与案卷闭环挂钩，逾期未巡查自动提醒", "网格员按巡查计划执行巡查，逐项填写清单；每项发现自动生成案卷并跟踪办结；巡查逾期由系统提醒社区和街道。汛期（5月—9月）每日两次。"),
    )),
    ("training", "应急培训和演练制度", (
        (600, "街道党工委会议", "", "每年至少组织一次防汛、一次消防综合演练；网格员、志愿者每半年参加一次应急培训。演练后一周内完成评估，问题形成整改清单，明确责任人和完成时限。"),
    )),
    ("response", "突发事件应急处置制度", (
        (500, "街道党工委会议", "", "突发事件发生后，社区 15 分钟内上报街道；街道按预案启动响应，组建临时指挥部，统一调度人员、物资和装备；党员干部冲在一线，信息统一发布。"),
    )),
    ("risk", "风险分级处置制度", (
        (500, "街道党工委会议", "", "风险按可能性与后果分为红橙黄蓝四级；蓝、黄级由社区处置，橙级报街道统筹，红级由街道报区级部门协同处置，并落实弱势人群保护措施。"),
    )),
)  # fmt: skip

FIRE_LANE = (
    ("消防通道是否畅通，无车辆、杂物占用", ("03.04",)),
    ("消火栓、灭火器是否完好且在有效期内", ("02.03",)),
    ("电动车是否在楼道、门厅内停放或充电", ("04.03",)),
)
FLOOD = (
    ("地下车库挡水板是否到位", ("04.01",)),
    ("雨水井盖、篦子是否完好、无堵塞", ("02.01.02", "02.01")),
    ("排水泵试运行是否正常", ("04.01",)),
    ("防汛沙袋储量是否达到定额", ("04.01",)),
)


def _leaf(codes: tuple[str, ...]) -> str:
    for code in codes:
        if Category.objects.leaves().filter(code=code).exists():
            return code
    return ""


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Write the demo's institutions rows; return counts for the seed summary."""
    street = Area.objects.get(pk=street_id)
    if Procedure.objects.filter(area=street).exists() or not community_ids:
        return {}
    community = Area.objects.get(pk=community_ids[0])
    grids = Area.objects.grids().subtree(community).exclude(boundary=None).order_by("code")
    # The grid worker's own grid (the fire-lane round is theirs), else the first grid.
    grid = grids.filter(role_bindings__user__username="gridworker").first() or grids.first()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["street", "secretary", "staff", "gridworker"])
    }
    actor = users.get("street") or User.objects.filter(is_superuser=True).first()
    if actor is None or grid is None:
        return {}
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        kept = _procedures(actor, street, today)
        found = _schedules(actor, community, grid, users, today, now)
        lessons = _drill(actor, street, community, users, today, now)
    return {
        "institution procedures": kept,
        "inspection schedules": 2,
        "inspection cases": found,
        "drill lessons": lessons,
    }


def _procedures(actor: User, street: Area, today: dt.date) -> int:
    for kind, title, versions in PROCEDURES:
        (days, who, _note, text), *later = versions
        p = procedures.create_procedure(
            actor=actor,
            area=street,
            kind=kind,
            title=title,
            text=text,
            effective_on=today - dt.timedelta(days=days),
            approved_by=who,
        )
        for days, who, note, text in later:
            procedures.add_version(
                actor=actor,
                procedure_id=p.pk,
                text=text,
                effective_on=today - dt.timedelta(days=days),
                approved_by=who,
                change_note=note,
            )
    return len(PROCEDURES)


def _schedules(
    actor: User,
    community: Area,
    grid: Area,
    users: dict[str, User],
    today: dt.date,
    now: dt.datetime,
) -> int:
    routine = Procedure.objects.filter(kind="inspection", title="网格日常巡查制度").first()
    worker = users.get("gridworker") or actor
    fire = inspections.create_schedule(
        actor=actor,
        area=grid,
        procedure=routine,
        title="消防通道巡查",
        place=f"{grid.name}各楼栋消防通道",
        cadence="weekly",
        next_due=today - dt.timedelta(days=3),
        items=[ItemSpec(q, _leaf(c)) for q, c in FIRE_LANE],
        responsible_user=worker,
    )
    property_co = Unit.objects.filter(area=community, kind=UnitKind.PROPERTY).order_by("pk").first()
    inspections.create_schedule(
        actor=actor,
        area=community,
        procedure=routine,
        title="防汛设施检查",
        place=f"{community.name}地下车库与低洼地段",
        cadence="monthly",
        next_due=today - dt.timedelta(days=5),
        items=[ItemSpec(q, _leaf(c)) for q, c in FLOOD],
        responsible_user=users.get("secretary") or actor,
        responsible_unit=property_co,
    )
    a, b, c = list(fire.items.all())
    answers = {
        a.pk: AnswerSpec(
            "finding", "3号楼东侧消防通道被 4 辆电动车和废旧家具占用，已当场劝离部分车辆。"
        ),
        b.pk: AnswerSpec("ok"),
        c.pk: AnswerSpec("ok", "本周未发现楼道充电。"),
    }
    if not a.category_id:
        answers[a.pk] = AnswerSpec("ok")
    inspection, _new = inspections.record_inspection(
        actor=worker,
        schedule_id=fire.pk,
        answers=answers,
        note="夜间巡查，重点查看电动车停放。",
        key="demo-fire-lane-1",
        at=now - dt.timedelta(days=3, hours=2),
    )
    return inspection.answers.exclude(case=None).count()


def _drill(
    actor: User,
    street: Area,
    community: Area,
    users: dict[str, User],
    today: dt.date,
    now: dt.datetime,
) -> int:
    plan = (
        Plan.objects.filter(hazard_class="natural", active=True, area=street).order_by("pk").first()
    )
    units = list(
        Unit.objects.filter(
            area=community, kind__in=[UnitKind.PROPERTY, UnitKind.VOLUNTEER_TEAM]
        ).order_by("kind", "pk")[:3]
    )
    participants = [u for k, u in users.items() if k in ("secretary", "staff", "gridworker")]
    starts = timezone.localtime(now - dt.timedelta(days=61)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    drill = drills.create_drill(
        actor=actor,
        kind="drill",
        area=community,
        title=f"{community.name}防汛应急综合演练",
        plan=plan,
        scenario="模拟短时强降雨（1 小时降雨 60 毫米），地下车库进水、低洼楼栋积水，需转移独居老人并启用临时安置点。",
        place=f"{community.name}中心广场及地下车库",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        head_count=86,
        participant_users=participants,
        participant_units=units,
    )
    drills.evaluate_drill(
        actor=actor,
        drill_id=drill.pk,
        scores=[
            drills.ScoreSpec("预警与集结", 4, "15 分钟内集结完毕"),
            drills.ScoreSpec("转移与救援", 3, "独居老人名单有 3 人信息过期"),
            drills.ScoreSpec("物资与装备", 3, "挡水板数量不足"),
            drills.ScoreSpec("指挥与协同", 4),
        ],
        evaluation="演练总体达到预期，响应迅速、分工清楚；转移名单和挡水物资暴露短板，需在汛前整改到位。",
    )
    drill_day = timezone.localdate(starts)
    owner_unit = units[0] if units else None
    secretary = users.get("secretary") or actor
    worker = users.get("gridworker") or actor
    done, _open, _late = drills.add_lessons(
        actor=actor,
        drill_id=drill.pk,
        lessons=[
            drills.LessonSpec(
                "地下车库补齐挡水板（每个出入口 2 块）",
                drill_day + dt.timedelta(days=21),
                owner_unit=owner_unit,
                owner_user=None if owner_unit else secretary,
            ),
            drills.LessonSpec(
                "更新低洼楼栋独居老人名单并逐户核实联系方式",
                today + dt.timedelta(days=20),
                owner_user=worker,
            ),
            drills.LessonSpec(
                "增配应急广播与手摇报警器",
                today - dt.timedelta(days=10),
                owner_user=secretary,
                detail="演练中部分楼栋未听到集结通知。",
            ),
        ],
    )
    close_improvement_item(actor=actor, item=done)
    return 3
