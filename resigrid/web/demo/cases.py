"""Demo cases: a year of reports in every state, so that queues, maps and the metrics page are
alive on first run.

`seed_cases(rng=…, now=…, grid_ids=[…])` writes about CASES_PER_100_RESIDENTS cases per 100
residents of the grids (at most MAX_CASES), reported over the 365 days before `now` (and a few
in the last hours). Each case is played through the workflow table by `case_story.Story`, which
mirrors what the services write: the clocks (stage, stage_due, handle_due, postponement,
suspension and resumption), the sweeper's escalations (one `escalate` row per level, a minute
after the level is reached), the log rows with the same actions, states and public flags, the
requests, whistles and merges. A case stops where its next step would lie after `now`, so recent
cases are still open and some are late. The cases, merged duplicates, requests and whistles go
in with bulk_create; the log (most of the rows) with executemany of plain tuples.

Needs the categories and the responsibility list (web/demo/registers.py) and the demo
accounts: the managers of each grid are the users whose role binding covers it most closely,
its verifier the closest one who did not handle the case; run it after the demo's unit accounts
are linked. A department account (`dept`) becomes the account of the district's and the
street's units that have none, so that their cases have a handler. Tracking codes are random
(they are secrets); everything else follows `rng`. No notifications and no photos are written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.cases.choices import Rating, RequestKind, Resolution, Source
from resigrid.cases.intake import new_tracking_code
from resigrid.cases.models import Case, CaseLog, CaseRequest, Whistle
from resigrid.cases.workflow import OPEN_STATES, Action, Stage, State
from resigrid.core import pii
from resigrid.orgs.models import Unit, UnitAccount
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category
from resigrid.registers.reads import StageMinutes, deadlines_for
from resigrid.web.demo.case_story import (
    Router,
    Staff,
    Story,
    in_minutes,
    point_inside,
    staff_for,
)
from resigrid.web.demo.names import full_name

CASES_PER_100_RESIDENTS = 15
MAX_CASES = 3000
DAYS = 365
FRESH_HOURS = 6
BATCH = 2000
# Shares of the categories' top levels (the rest of the tree is uniform below them).
TOP_WEIGHTS = {"01": 30, "02": 20, "03": 18, "04": 5, "05": 17, "06": 10}
SOURCES = (
    (Source.RESIDENT, 45), (Source.PATROL, 25), (Source.HOTLINE, 18), (Source.OPEN311, 3),
    (Source.SENSOR, 3), (Source.ASSIGNED, 3), (Source.INSPECTION, 3),
)  # fmt: skip
PLACES = ("小区东门", "小区西门", "楼下", "路口", "公交站旁", "菜场门口", "停车场", "河道边")
RESULTS = ("已到场处置完毕。", "已安排人员清理，现场恢复。", "已维修，恢复正常使用。",
           "已联系责任单位整改到位。", "已现场劝离并宣传教育。")  # fmt: skip
REJECTS = (
    "不属于受理范围，已告知向相关部门反映。",
    "重复上报，已在处理中。",
    "信息不全，无法核实。",
)
FAILS = ("现场仍有残留，需重新处置。", "整改不到位。", "与反映问题不符，请重新处理。")
WHY_LATE = ("需协调产权单位。", "等待配件到货。", "涉及多个部门，需会商。", "天气原因无法施工。")
STUCK_SHARE = 0.02
STUCK_STATES = (
    State.REPORTED, State.ACCEPTED, State.REGISTERED, State.DISPATCHED, State.IN_PROGRESS,
    State.HANDLED, State.VERIFIED,
)  # fmt: skip
WHISTLE_WHY = ("多次处置未果，需部门到场会商。", "涉及执法权限，请求支援。")


def case_count(residents: int) -> int:
    return min(MAX_CASES, round(residents * CASES_PER_100_RESIDENTS / 100))


# The reporter's "was it solved?" answer, by rating (resolved, partly, not resolved).
RESOLUTIONS = [Resolution.RESOLVED, Resolution.PARTLY, Resolution.UNRESOLVED]
RESOLUTION_WEIGHTS = {
    Rating.SATISFIED: [95, 5, 0],
    Rating.BASICALLY: [60, 35, 5],
    Rating.UNSATISFIED: [0, 30, 70],
}


class _Writer:
    """Plays and collects the stories of one demo."""

    def __init__(self, rng: random.Random, now: dt.datetime, grids: list[Area]) -> None:
        self.rng, self.now = rng, now
        # The resolution answers draw from their own stream, so that adding them left every
        # other draw of the demo (and so its cases) as it was.
        self.answers = random.Random(f"resolution {now.isoformat()}")  # noqa: S311 - demo data
        self.staff = staff_for(grids)
        self.router = Router(grids)
        self.limits: dict[tuple[int, str], StageMinutes] = {}
        self.leaves = list(Category.objects.leaves().order_by("code"))
        self.top_weight = [TOP_WEIGHTS.get(c.code[:2], 5) for c in self.leaves]
        self.handlers: dict[int, User | None] = {}
        self.fallback_units = list(
            Unit.objects.filter(area__level__in=[Level.DISTRICT, Level.STREET]).order_by("pk")
        )
        self.places: dict[int, list[tuple[str, float, float]]] = {}
        for gid, address, lon, lat in Building.objects.filter(grid__in=grids).values_list(
            "grid_id", "address", "lon", "lat"
        ):
            self.places.setdefault(gid, []).append((address, lon, lat))
        self.grid_by_pk = {g.pk: g for g in grids}
        self.hotline_seq = 0

    def limits_for(self, category: Category, priority: str) -> StageMinutes:
        key = (category.pk, priority)
        if key not in self.limits:
            self.limits[key] = deadlines_for(category, priority)
        return self.limits[key]

    def delay(self, limit: int, late: float) -> float:
        """Minutes a step takes: mostly inside the limit, a share `late` beyond it."""
        if self.rng.random() < late:
            return limit * self.rng.uniform(1.05, 3.0)
        return max(2.0, limit * self.rng.uniform(0.03, 0.85))

    def new_case(self, grid: Area, reported: dt.datetime) -> Case:
        rng = self.rng
        category = rng.choices(self.leaves, self.top_weight)[0]
        urgent_share = 0.5 if category.code.startswith("04") else 0.04
        draw = rng.random()
        priority = (
            Priority.URGENT
            if draw < urgent_share
            else Priority.HIGH
            if draw < urgent_share + 0.15
            else Priority.NORMAL
        )
        source = rng.choices([s for s, _w in SOURCES], [w for _s, w in SOURCES])[0]
        staff = self.staff[grid.pk]
        address, lon, lat = rng.choice(self.places.get(grid.pk) or [point_inside(grid)])
        place = rng.choice(PLACES)
        case = Case(
            source=source, category=category, priority=priority, grid=grid,
            title=f"{place}{category.name}"[:120],
            description=f"{address}{place}发现{category.name}问题，请尽快处理。",
            address=address, lon=round(lon + rng.uniform(-2e-4, 2e-4), 6),
            lat=round(lat + rng.uniform(-2e-4, 2e-4), 6),
            tracking_code=new_tracking_code(), reported_at=reported,
        )  # fmt: skip
        if source == Source.RESIDENT and staff.residents and rng.random() < 0.4:
            case.reporter = rng.choice(staff.residents)
        elif source in (Source.RESIDENT, Source.OPEN311, Source.HOTLINE):
            case.contact_name = full_name(rng, rng.choice("MF"))
            phone = f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}"
            case.contact_phone_enc = pii.encrypt(phone)
            if source == Source.HOTLINE:
                self.hotline_seq += 1
                case.external_id = f"12345-{reported:%Y%m%d}{self.hotline_seq:06d}"
        elif staff.reporters:
            case.reporter = rng.choice(staff.reporters)
        return case

    def handler(self, unit: Unit) -> User | None:
        if unit.pk not in self.handlers:
            account = UnitAccount.objects.filter(unit=unit).order_by("pk").first()
            self.handlers[unit.pk] = account.user if account else None
        return self.handlers[unit.pk]

    def play(self, case: Case) -> Story:
        rng, now = self.rng, self.now
        limits = self.limits_for(case.category, case.priority)
        s = Story(case, limits, now, case.reported_at, rng)
        staff = self.staff[case.grid_id]
        manager = rng.choice(staff.managers) if staff.managers else None
        s.start_stage(Stage.ACCEPT)
        s.log("report", case.reporter, public=True, to_state=State.REPORTED)
        # Left lying in some state: the old overdue cases (and every open state on the map).
        stuck = rng.choice(STUCK_STATES) if rng.random() < STUCK_SHARE else None
        if stuck == State.REPORTED or not s.wait(self.delay(limits.accept, 0.06)):
            return s
        if rng.random() < 0.05:
            reason = rng.choice(REJECTS)
            s.move(Action.REJECT, manager, reason, public=True)
            case.rejection_reason = reason
            return s
        s.move(Action.ACCEPT, manager, public=True)
        case.accepted_at = s.t
        if stuck == State.ACCEPTED or (
            rng.random() < 0.2 and not s.wait(self.delay(limits.dispatch, 0.02) / 4)
        ):
            return s
        s.move(Action.REGISTER, manager, public=False)
        case.registered_at = s.t
        if stuck != State.REGISTERED:
            self.dispatch_and_handle(s, manager, staff, stuck)
        return s

    def dispatch(self, s: Story, manager: Any, avoid: Unit | None = None) -> Unit | None:
        case = s.case
        route = self.router.route(case.category_id, case.grid_id)
        units = [u for u in self.fallback_units if avoid is None or u.pk != avoid.pk]
        if route is not None and (avoid is None or route.lead.pk != avoid.pk):
            lead, support = route.lead, route.support
            text = _("Dispatched to %(unit)s.") % {"unit": lead.name}
        elif units:
            lead, support = self.rng.choice(units), []
            text = _("Dispatched to %(unit)s.") % {"unit": lead.name}
            if route is not None:
                text += " " + _("Responsibility list overridden (list says %(unit)s): %(why)s") % {
                    "unit": route.lead.name,
                    "why": "原承办单位退回，改派。",
                }
        else:
            return None
        s.move(Action.DISPATCH, manager, text, public=True)
        case.lead_unit, case.dispatched_at = lead, s.t
        s.support = list(support)
        return lead

    def dispatch_and_handle(
        self, s: Story, manager: Any, staff: Staff, stuck: State | None
    ) -> None:
        rng, case, limits = self.rng, s.case, s.limits
        if not s.wait(self.delay(limits.dispatch, 0.05)):
            return
        lead = self.dispatch(s, manager)
        if lead is None or stuck == State.DISPATCHED:
            return
        if rng.random() < 0.03 and s.wait(rng.uniform(30, 300)):  # 回退: not ours
            s.move(Action.RETURN, self.handler(lead), "不属于本单位职责，申请退回。", public=False)
            case.lead_unit, s.support = None, []
            case.return_count += 1
            if not s.wait(rng.uniform(20, 120)):
                return
            lead = self.dispatch(s, manager, avoid=lead)
            if lead is None:
                return
        worker = self.handler(lead)
        if rng.random() < 0.03:
            self.whistle(s, manager, lead)
        if rng.random() < 0.7 and s.wait(limits.handle * rng.uniform(0.02, 0.2)):
            s.move(Action.START, worker, public=False)
        if s.stopped or stuck == State.IN_PROGRESS:
            return
        if not self.extend(s, worker, manager):
            return
        for attempt in range(4):
            if not s.wait(self.delay(limits.handle, 0.1) / (3 if attempt else 1)):
                return
            result = rng.choice(RESULTS)
            s.move(Action.HANDLE, worker, result, public=True)
            case.result, case.handled_by, case.handled_at = result, worker, s.t
            s.first_handled = s.first_handled or s.t
            verifier = staff.verifier(rng, worker)  # None: nobody may verify, it waits
            if verifier is None or stuck == State.HANDLED:
                return
            if not s.wait(self.delay(limits.verify, 0.05)):
                return
            case.verified_by = verifier
            if rng.random() >= (0.08 if attempt == 0 else 0.3):
                s.move(Action.VERIFY_PASS, verifier, public=False)
                case.verified_at = s.t
                break
            handle_due = case.handle_due
            s.move(Action.VERIFY_FAIL, verifier, rng.choice(FAILS), public=False)
            case.rework_count += 1
            case.stage_due = case.handle_due = handle_due
        else:
            return
        if stuck != State.VERIFIED:
            self.close_and_rate(s, manager)

    def extend(self, s: Story, worker: Any, manager: Any) -> bool:
        """Sometimes a postponement (延期) or a suspension (缓办); False when the story ends."""
        rng, case = self.rng, s.case
        draw = rng.random()
        if draw < 0.05 and s.wait(rng.uniform(60, 600)):
            extra = rng.choice([1, 2, 3, 7]) * 24 * 60
            if not s.request(RequestKind.POSTPONE, worker, manager, rng.choice(WHY_LATE),
                             extra_minutes=extra):  # fmt: skip
                return False
            case.handle_due = (case.handle_due or s.t) + in_minutes(extra)
            if case.stage == Stage.HANDLE:
                case.stage_due = case.handle_due
                if case.stage_due > s.t:
                    case.overdue_since, case.escalation_level = None, 0
                    s.since = s.t
            case.was_postponed = True
            s.log("approve_postpone", manager, public=False)
        elif draw < 0.08 and s.wait(rng.uniform(60, 600)):
            if not s.request(RequestKind.SUSPEND, worker, manager, rng.choice(WHY_LATE)):
                return False
            case.suspended_at, case.was_suspended = s.t, True
            s.log("approve_suspend", manager, public=False)
            if not s.wait(rng.uniform(1, 12) * 24 * 60):
                return False
            stood = s.t - case.suspended_at
            if case.stage_due is not None:
                case.stage_due += stood
            if case.handle_due is not None:
                case.handle_due += stood
            case.suspended_at = None
            s.log("resume", manager, public=False)
        return not s.stopped

    def whistle(self, s: Story, manager: Any, lead: Unit) -> None:
        rng = self.rng
        others = [u for u in self.fallback_units if u.pk != lead.pk]
        if not others or not s.wait(rng.uniform(60, 24 * 60)):
            return
        unit, reason = rng.choice(others), rng.choice(WHISTLE_WHY)
        due = s.t + in_minutes(30)
        row = Whistle(case=s.case, unit=unit, reason=reason, summoned_by=manager,
                      summoned_at=s.t, due_at=due)  # fmt: skip
        s.whistles.append(row)
        s.log("whistle", manager, f"{unit.name}: {reason}")
        answer_at = s.t + in_minutes(
            rng.uniform(5, 25) if rng.random() < 0.8 else rng.uniform(35, 240)
        )
        # The sweeper marks it late a minute after the deadline if nobody answered by then.
        noticed = min(due + in_minutes(1), self.now)
        if due < noticed < answer_at:
            row.late_notified_at = noticed
            s.add(noticed, "whistle_late", None, unit.name)
        if answer_at <= self.now:
            row.answered_at, row.answered_by = answer_at, self.handler(unit)
            row.answer = "已收到，立即安排人员到场。"
            s.add(answer_at, "answer", row.answered_by, f"{unit.name}: {row.answer}")

    def close_and_rate(self, s: Story, manager: Any) -> None:
        rng, case = self.rng, s.case
        if not s.wait(rng.uniform(10, 600)):
            return
        s.move(Action.CLOSE, manager, public=True)
        case.closed_at = s.t
        case.closed_on_time = bool(
            case.handled_at and case.handle_due and case.handled_at <= case.handle_due
        )
        public = (Source.RESIDENT, Source.HOTLINE, Source.OPEN311)
        if case.source not in public or rng.random() > 0.8:
            return
        if not s.wait(rng.uniform(0.5, 4) * 24 * 60):
            return
        rating = rng.choices([Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED], [80, 14, 6])[
            0
        ]
        comment = "问题没有真正解决。" if rating == Rating.UNSATISFIED else ""
        s.move(Action.RATE, case.reporter, comment, public=True)
        case.rating, case.rating_comment, case.rated_at = rating, comment, s.t
        case.resolution = self.answers.choices(RESOLUTIONS, RESOLUTION_WEIGHTS[rating])[0]
        if rating != Rating.UNSATISFIED:
            return
        row = CaseRequest(case=case, kind=RequestKind.REOPEN, reason=comment,
                          requested_by=case.reporter, requested_at=s.t)  # fmt: skip
        s.requests.append(row)
        s.log("request_reopen", case.reporter, comment)
        if not s.wait(rng.uniform(2, 48) * 60):
            return
        row.decided_by, row.decided_at = manager, s.t
        if rng.random() < 0.5:
            row.approved, row.decision_note = False, "已核实处置到位，予以解释。"
            s.log("deny_reopen", manager, row.decision_note, public=True)
            return
        row.approved = True
        s.move(Action.REOPEN, manager, public=True)
        case.reopen_count += 1
        case.rating, case.resolution, case.closed_at, case.closed_on_time = "", "", None, None
        s.log("approve_reopen", manager, public=True)

    def duplicate(self, target: Story) -> Story | None:
        """A second report of the same problem, merged into `target` while it is open."""
        rng, t = self.rng, target.case
        if t.accepted_at is None or t.state == State.MERGED:
            return None
        end = min(target.first_handled or self.now, self.now)
        reported = t.accepted_at + in_minutes(rng.uniform(5, 120))
        if reported + in_minutes(70) > end:
            return None
        dup = self.new_case(self.grid_by_pk[t.grid_id], reported)
        dup.category, dup.priority, dup.lon, dup.lat = t.category, t.priority, t.lon, t.lat
        s = Story(dup, self.limits_for(dup.category, dup.priority), self.now, reported, rng)
        s.start_stage(Stage.ACCEPT)
        s.log("report", dup.reporter, public=True, to_state=State.REPORTED)
        s.wait(rng.uniform(5, 60))
        staff = self.staff[t.grid_id]
        s.move(Action.MERGE, staff.managers[0] if staff.managers else None,
               _("Merged into %(number)s.") % {"number": t.number}, public=True)  # fmt: skip
        dup.merged_into = t
        return s


def seed_cases(
    *, rng: random.Random, now: dt.datetime, grid_ids: list[int], count: int | None = None
) -> dict[str, int]:
    """Write the demo cases of the grids; returns counts of the rows written."""
    grids = list(Area.objects.filter(pk__in=grid_ids, level=Level.GRID).order_by("code"))
    if not grids or not Category.objects.leaves().exists():
        return {}
    population = sum(g.population for g in grids)
    n = case_count(population) if count is None else count
    counts: Counter[str] = Counter()
    with transaction.atomic():
        _unit_accounts()
        w = _Writer(rng, now, grids)
        weights = [max(g.population, 1) for g in grids]
        # Spread over the year, and a few from the last hours so the queues have fresh work.
        fresh = min(n, max(3, n // 200))
        spans = [DAYS * 24 * 60] * (n - fresh) + [FRESH_HOURS * 60] * fresh
        reported = sorted(now - in_minutes(rng.uniform(0, span)) for span in spans)
        stories = [w.play(w.new_case(rng.choices(grids, weights)[0], t)) for t in reported]
        for s in stories:
            s.sweep(now)  # the sweeper has run up to now
        Case.objects.bulk_create([s.case for s in stories], batch_size=BATCH)
        dups = [d for s in stories if rng.random() < 0.015 for d in [w.duplicate(s)] if d]
        Case.objects.bulk_create([d.case for d in dups], batch_size=BATCH)
        by_pk = {s.case.pk: s for s in stories}
        for d in dups:
            target = by_pk[d.case.merged_into_id or 0]
            merge = d.logs[-1]
            target.add(merge.at, "merged_in", None, d.case.number)
            target.logs[-1] = target.logs[-1]._replace(actor_id=merge.actor_id)
        everything = stories + dups
        _write(everything, counts)
    counts["cases"] = len(everything)
    return dict(counts)


def _write(stories: list[Story], counts: Counter[str]) -> None:
    # The log is by far the most rows: plain tuples and executemany, not model instances.
    adapt = connection.ops.adapt_datetimefield_value
    # Time order; a case's own rows at the same moment keep the order they were played in.
    logs = sorted((r.at, s.case.pk, i, r) for s in stories for i, r in enumerate(s.logs))
    table = connection.ops.quote_name(CaseLog._meta.db_table)
    sql = (
        f"INSERT INTO {table} (case_id, at, actor_id, action, from_state, to_state, note, "  # noqa: S608
        "public) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(logs), BATCH):
            cursor.executemany(
                sql,
                [
                    (pk, adapt(r.at), r.actor_id, r.action, r.from_state, r.to_state, r.note,
                     r.public)
                    for _at, pk, _i, r in logs[i : i + BATCH]
                ],
            )  # fmt: skip
    CaseRequest.objects.bulk_create([r for s in stories for r in s.requests], batch_size=BATCH)
    Whistle.objects.bulk_create([r for s in stories for r in s.whistles], batch_size=BATCH)
    through = Case.support_units.through
    through.objects.bulk_create(
        [through(case_id=s.case.pk, unit_id=u.pk) for s in stories for u in s.support],
        batch_size=BATCH,
    )
    counts["case_logs"] = len(logs)
    counts["case_requests"] = sum(len(s.requests) for s in stories)
    counts["whistles"] = sum(len(s.whistles) for s in stories)
    counts["open_cases"] = sum(s.case.state in OPEN_STATES for s in stories)


def _unit_accounts() -> None:
    """Department accounts act for the district's and the street's units (the demo `dept`)."""
    users = list(
        User.objects.filter(role_bindings__role=Role.DEPARTMENT_STAFF, is_active=True).order_by(
            "pk"
        )[:1]
    )
    if not users:
        return
    units = Unit.objects.filter(
        area__level__in=[Level.DISTRICT, Level.STREET], accounts__isnull=True
    )
    UnitAccount.objects.bulk_create([UnitAccount(unit=u, user=users[0]) for u in units])
