"""API of the institution list: parse → visible_to → service → schema. Rows outside the caller's
scope answer 404; writes without `MANAGE_INSTITUTIONS` answer 403; bad input 422 naming the
field. Recording an inspection takes an `Idempotency-Key` header: a retry returns the first
inspection (200) and opens no case twice. Mounted at /api/response/institutions/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Router, Status

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions import drills, inspections, procedures, reads
from resigrid.response.institutions.improvements import close_improvement_item
from resigrid.response.institutions.models import (
    Drill,
    ImprovementItem,
    Inspection,
    InspectionSchedule,
    Procedure,
)
from resigrid.response.institutions.schemas import (
    ActiveIn,
    CloseIn,
    DrillIn,
    DrillOut,
    ErrorOut,
    EvaluationIn,
    ImprovementOut,
    InspectionIn,
    InspectionOut,
    LessonsIn,
    ProcedureDetailOut,
    ProcedureIn,
    ProcedureOut,
    ScheduleDetailOut,
    ScheduleIn,
    ScheduleOut,
    VersionIn,
    VersionOut,
)
from resigrid.response.plans.models import Plan

router = Router()
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
KEY = Header(  # type: ignore[type-arg]
    None,
    alias="Idempotency-Key",
    description="A unique string per submission (up to 64 characters); a retry with the same "
    "key returns the first inspection and opens no case twice.",
)


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _area(request: HttpRequest, pk: int) -> Area:
    area = Area.objects.visible_to(_user(request), Perm.VIEW_RESPONSE).filter(pk=pk).first()
    if area is None:
        raise NotFoundError(_("No such area."))
    return area


def _one(qs: Any, pk: int, message: str) -> Any:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(message)
    return found


def _ref(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(_("No such record."), field=field)
    return found


def procedure_body(p: Procedure, *, history: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": p.pk,
        "area_id": p.area_id,
        "kind": p.kind,
        "title": p.title,
        "current": p.current,
    }
    if history:
        body["versions"] = list(p.versions.all())
    return body


def schedule_body(s: InspectionSchedule, *, items: bool = False) -> dict[str, Any]:
    body = {
        f: getattr(s, f)
        for f in (
            "area_id",
            "procedure_id",
            "title",
            "place",
            "cadence",
            "every_days",
            "next_due",
            "active",
            "responsible_unit_id",
            "responsible_user_id",
        )
    }
    body.update(id=s.pk, overdue=s.is_overdue(timezone.localdate()))
    if items:
        body["items"] = list(s.items.select_related("category"))
    return body


def inspection_body(i: Inspection) -> dict[str, Any]:
    answers = [
        {
            "item_id": a.item_id,
            "question": a.item.question,
            "result": a.result,
            "note": a.note,
            "case_id": a.case_id,
            "case_number": a.case.number if a.case else None,
        }
        for a in i.answers.select_related("item", "case")
    ]
    return {
        "id": i.pk,
        "schedule_id": i.schedule_id,
        "inspector_id": i.inspector_id,
        "at": i.at,
        "note": i.note,
        "answers": answers,
    }


def item_body(i: ImprovementItem) -> dict[str, Any]:
    body = {
        f: getattr(i, f)
        for f in (
            "area_id",
            "source",
            "source_id",
            "title",
            "detail",
            "owner_unit_id",
            "owner_user_id",
            "due_date",
            "state",
            "done_at",
            "plan_id",
        )
    }
    body.update(id=i.pk, overdue=i.is_overdue(timezone.localdate()))
    return body


def drill_body(d: Drill) -> dict[str, Any]:
    body = {
        f: getattr(d, f)
        for f in (
            "kind",
            "area_id",
            "title",
            "plan_id",
            "scenario",
            "starts_at",
            "ends_at",
            "place",
            "head_count",
            "evaluation",
            "evaluated_at",
        )
    }
    body.update(
        id=d.pk,
        participant_user_ids=sorted(d.participant_users.values_list("pk", flat=True)),
        participant_unit_ids=sorted(d.participant_units.values_list("pk", flat=True)),
        scores=list(d.scores.all()),
        lessons=[item_body(i) for i in reads.lessons_of(d)],
    )
    return body


# Procedures ------------------------------------------------------------------------------


@router.get("/procedures", response=list[ProcedureOut], summary="Procedures in my scope")
def list_procedures(request: HttpRequest, kind: str = "") -> Any:
    qs = Procedure.objects.visible_to(_user(request)).select_related("current")
    if kind:
        qs = qs.filter(kind=kind)
    return [procedure_body(p) for p in qs[:500]]


@router.post("/procedures", response={201: ProcedureDetailOut, **ERRORS})
def create_procedure(request: HttpRequest, payload: ProcedureIn) -> Any:
    data = payload.dict()
    area = _area(request, data.pop("area_id"))
    p = procedures.create_procedure(actor=_user(request), area=area, **data)
    return Status(201, procedure_body(p, history=True))


@router.get("/procedures/{pk}", response={200: ProcedureDetailOut, **ERRORS})
def procedure_detail(request: HttpRequest, pk: int) -> Any:
    p = _one(Procedure.objects.visible_to(_user(request)), pk, _("No such procedure."))
    return procedure_body(p, history=True)


@router.post("/procedures/{pk}/versions", response={201: VersionOut, **ERRORS})
def add_version(request: HttpRequest, pk: int, payload: VersionIn) -> Any:
    p = _one(Procedure.objects.visible_to(_user(request)), pk, _("No such procedure."))
    version = procedures.add_version(actor=_user(request), procedure_id=p.pk, **payload.dict())
    return Status(201, version)


# Inspection schedules and inspections ------------------------------------------------------


@router.get("/schedules", response=list[ScheduleOut], summary="Inspection schedules")
def list_schedules(request: HttpRequest, overdue: bool = False) -> Any:
    qs = InspectionSchedule.objects.visible_to(_user(request))
    if overdue:
        qs = qs.overdue(timezone.localdate())
    return [schedule_body(s) for s in qs[:500]]


@router.post("/schedules", response={201: ScheduleDetailOut, **ERRORS})
def create_schedule(request: HttpRequest, payload: ScheduleIn) -> Any:
    data = payload.dict()
    area = _area(request, data.pop("area_id"))
    procedure = data.pop("procedure_id")
    unit = data.pop("responsible_unit_id")
    user = data.pop("responsible_user_id")
    items = [inspections.ItemSpec(**i) for i in data.pop("items")]
    s = inspections.create_schedule(
        actor=_user(request),
        area=area,
        items=items,
        procedure=_ref(Procedure, procedure, "procedure_id"),
        responsible_unit=_ref(Unit, unit, "responsible_unit_id"),
        responsible_user=_ref(User, user, "responsible_user_id"),
        **data,
    )
    return Status(201, schedule_body(s, items=True))


@router.get("/schedules/{pk}", response={200: ScheduleDetailOut, **ERRORS})
def schedule_detail(request: HttpRequest, pk: int) -> Any:
    s = _one(InspectionSchedule.objects.visible_to(_user(request)), pk, _("No such schedule."))
    return schedule_body(s, items=True)


@router.post("/schedules/{pk}/active", response={200: ScheduleOut, **ERRORS})
def set_active(request: HttpRequest, pk: int, payload: ActiveIn) -> Any:
    s = _one(InspectionSchedule.objects.visible_to(_user(request)), pk, _("No such schedule."))
    s = inspections.set_active(actor=_user(request), schedule_id=s.pk, active=payload.active)
    return schedule_body(s)


@router.post(
    "/schedules/{pk}/inspections",
    response={200: InspectionOut, 201: InspectionOut, **ERRORS},
    summary="Record an inspection (findings open cases)",
)
def record(
    request: HttpRequest, pk: int, payload: InspectionIn, idempotency_key: str | None = KEY
) -> Any:
    s = _one(InspectionSchedule.objects.visible_to(_user(request)), pk, _("No such schedule."))
    answers: dict[int, inspections.AnswerSpec] = {}
    for a in payload.answers:
        if a.item_id in answers:
            raise ValidationFailed(
                _("Item %(id)s is answered twice.") % {"id": a.item_id}, field="answers"
            )
        answers[a.item_id] = inspections.AnswerSpec(a.result, a.note, a.category)
    inspection, new = inspections.record_inspection(
        actor=_user(request),
        schedule_id=s.pk,
        answers=answers,
        note=payload.note,
        at=payload.at,
        key=idempotency_key or "",
    )
    return Status(201 if new else 200, inspection_body(inspection))


@router.get("/inspections/{pk}", response={200: InspectionOut, **ERRORS})
def inspection_detail(request: HttpRequest, pk: int) -> Any:
    i = _one(Inspection.objects.visible_to(_user(request)), pk, _("No such inspection."))
    return inspection_body(i)


# Drills and improvement items -------------------------------------------------------------


@router.get("/drills", response=list[DrillOut], summary="Drills and trainings")
def list_drills(request: HttpRequest, kind: str = "") -> Any:
    qs = Drill.objects.visible_to(_user(request))
    if kind:
        qs = qs.filter(kind=kind)
    return [drill_body(d) for d in qs[:200]]


@router.post("/drills", response={201: DrillOut, **ERRORS})
def create_drill(request: HttpRequest, payload: DrillIn) -> Any:
    data = payload.dict()
    area = _area(request, data.pop("area_id"))
    user_ids = set(data.pop("participant_user_ids"))
    unit_ids = set(data.pop("participant_unit_ids"))
    users = list(User.objects.filter(pk__in=user_ids))
    units = list(Unit.objects.filter(pk__in=unit_ids))
    if len(users) != len(user_ids):
        raise ValidationFailed(_("No such account."), field="participant_user_ids")
    if len(units) != len(unit_ids):
        raise ValidationFailed(_("No such unit."), field="participant_unit_ids")
    plan_id = data.pop("plan_id")
    plan = None
    if plan_id is not None:
        plan = Plan.objects.visible_to(_user(request)).filter(pk=plan_id).first()
        if plan is None:
            raise ValidationFailed(_("No such plan."), field="plan_id")
    d = drills.create_drill(
        actor=_user(request),
        area=area,
        plan=plan,
        participant_users=users,
        participant_units=units,
        **data,
    )
    return Status(201, drill_body(d))


@router.get("/drills/{pk}", response={200: DrillOut, **ERRORS})
def drill_detail(request: HttpRequest, pk: int) -> Any:
    return drill_body(_one(Drill.objects.visible_to(_user(request)), pk, _("No such drill.")))


@router.post("/drills/{pk}/evaluation", response={200: DrillOut, **ERRORS})
def evaluate(request: HttpRequest, pk: int, payload: EvaluationIn) -> Any:
    d = _one(Drill.objects.visible_to(_user(request)), pk, _("No such drill."))
    d = drills.evaluate_drill(
        actor=_user(request),
        drill_id=d.pk,
        scores=[drills.ScoreSpec(s.aspect, s.score, s.comment) for s in payload.scores],
        evaluation=payload.evaluation,
    )
    return drill_body(d)


@router.post("/drills/{pk}/lessons", response={201: list[ImprovementOut], **ERRORS})
def add_lessons(request: HttpRequest, pk: int, payload: LessonsIn) -> Any:
    d = _one(Drill.objects.visible_to(_user(request)), pk, _("No such drill."))
    lessons = [
        drills.LessonSpec(
            title=x.title,
            due_date=x.due_date,
            owner_user=_ref(User, x.owner_user_id, f"lessons.{i}.owner_user_id"),
            owner_unit=_ref(Unit, x.owner_unit_id, f"lessons.{i}.owner_unit_id"),
            detail=x.detail,
        )
        for i, x in enumerate(payload.lessons)
    ]
    items = drills.add_lessons(actor=_user(request), drill_id=d.pk, lessons=lessons)
    return Status(201, [item_body(i) for i in items])


@router.get("/improvements", response={200: list[ImprovementOut], **ERRORS})
def list_improvements(request: HttpRequest, status: str = "") -> Any:
    qs = reads.improvements(_user(request), status)
    return [item_body(i) for i in qs[:500]]


@router.post("/improvements/{pk}/close", response={200: ImprovementOut, **ERRORS})
def close(request: HttpRequest, pk: int, payload: CloseIn) -> Any:
    item = _one(ImprovementItem.objects.visible_to(_user(request)), pk, _("No such item."))
    return item_body(close_improvement_item(actor=_user(request), item=item, done=payload.done))
