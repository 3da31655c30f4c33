"""API of emergency plans (预案): parse → visible_to → service → schema.

Plans outside the caller's scope (VIEW_RESPONSE) answer 404; writes without MANAGE_PLANS on the
plan's area 403; bad input 422 naming the field; a change to an inactive version or to a
version an incident activated 409 with `state` (revise the plan instead). Mounted at
/api/response/plans/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError
from resigrid.registers.audit import fail
from resigrid.registers.choices import HazardClass
from resigrid.response.plans import parts, reads, services
from resigrid.response.plans.activation import activation_for
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from resigrid.response.plans.permissions import can_view_plans, plan_manager
from resigrid.response.plans.schemas import (
    ActivationOut,
    BulletinIn,
    BulletinOut,
    BulletinPatchIn,
    ConflictOut,
    ErrorOut,
    LevelIn,
    LevelOut,
    LevelPatchIn,
    NeedIn,
    NeedOut,
    NeedPatchIn,
    PlanDetailOut,
    PlanIn,
    PlanOut,
    PlanPatchIn,
    RoleIn,
    RoleOut,
    RolePatchIn,
    TaskIn,
    TaskOut,
    TaskPatchIn,
)

router = Router()
_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}
RENAME = {"duty_id": "duty", "owner_unit_id": "owner_unit", "unit_id": "unit", "item_id": "item"}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _plans(request: HttpRequest) -> Any:
    used = Exists(Plan.objects.filter(pk=OuterRef("pk"), incidents__isnull=False))
    return (
        Plan.objects.visible_to(_user(request))
        .select_related("area")
        .annotate(used=used)
        .prefetch_related("levels")
    )


def _plan(request: HttpRequest, pk: int) -> Plan:
    plan = _plans(request).filter(pk=pk).first()
    if plan is None:
        raise NotFoundError(_("No such plan."))
    assert isinstance(plan, Plan)  # noqa: S101 - for the type checker
    return plan


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def _plan_out(plan: Any, editable: Callable[[Area], bool]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "hazard_class": plan.hazard_class,
        "hazard_class_label": plan.get_hazard_class_display(),
        "hazard_subtype": plan.hazard_subtype,
        "area_code": plan.area.code,
        "area_name": plan.area.name,
        "version": plan.version,
        "active": plan.active,
        "revised_from_id": plan.revised_from_id,
        "summary": plan.summary,
        "levels": sorted(r.level for r in plan.levels.all()),
        "in_use": bool(getattr(plan, "used", False)),
        "can_edit": editable(plan.area),
    }


def level_out(r: PlanLevel) -> dict[str, Any]:
    return {
        "id": r.pk,
        "level": r.level,
        "level_label": r.get_level_display(),
        "criteria": r.criteria,
        "alert_level": r.alert_level,
        "trigger_value": r.trigger_value,
        "trigger_unit": r.trigger_unit,
    }


def role_out(r: CommandRole) -> dict[str, Any]:
    return {
        "id": r.pk,
        "level": r.level,
        "code": r.code,
        "name": r.name,
        "duties": r.duties,
        "unit": _ref(r.unit),
        "sort": r.sort,
    }


def task_out(row: reads.TaskRow) -> dict[str, Any]:
    t = row.task
    return {
        "id": t.pk,
        "level": t.level,
        "title": t.title,
        "detail": t.detail,
        "phase": t.phase,
        "duty_id": t.duty_id,
        "owner_unit_id": t.owner_unit_id,
        "due_offset_minutes": t.due_offset_minutes,
        "sort": t.sort,
        "owner": _ref(row.owner),
        "owner_source": row.source,
    }


def need_out(n: ResourceNeed) -> dict[str, Any]:
    return {
        "id": n.pk,
        "item": _ref(n.item),
        "uom": n.item.uom,
        "per_thousand": n.per_thousand,
        "level_factors": n.level_factors or {},
        "note": n.note,
    }


def bulletin_out(b: BulletinTemplate) -> dict[str, Any]:
    return {"id": b.pk, "level": b.level, "title": b.title, "body": b.body, "sort": b.sort}


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    plan = _plan(request, pk)
    got = reads.plan_parts(plan)
    return {
        **_plan_out(plan, plan_manager(_user(request))),
        "level_rows": [level_out(r) for r in got.levels],
        "roles": [role_out(r) for r in got.roles],
        "tasks": [task_out(r) for r in got.tasks],
        "needs": [need_out(n) for n in got.needs],
        "bulletins": [bulletin_out(b) for b in got.bulletins],
    }


def _data(payload: Any, *, unset: bool) -> dict[str, Any]:
    given: Mapping[str, Any] = payload.model_dump(exclude_unset=unset)
    return {RENAME.get(k, k): v for k, v in given.items()}


# Plans --------------------------------------------------------------------------------------


@router.get("", response={200: list[PlanOut], 422: ErrorOut}, summary="Plans in my scope")
def list_plans(
    request: HttpRequest,
    hazard_class: HazardClass | None = None,
    area: str | None = None,
    include_inactive: bool = False,
) -> list[dict[str, Any]]:
    qs = _plans(request)
    if hazard_class:
        qs = qs.filter(hazard_class=hazard_class)
    if area:
        qs = qs.filter(area__code=area)
    if not include_inactive:
        qs = qs.filter(active=True)
    editable = plan_manager(_user(request))
    return [_plan_out(p, editable) for p in qs.order_by("hazard_class", "area__code", "title")]


@router.post("", response={201: PlanDetailOut, **_ERRORS}, summary="Write a new plan")
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    user = _user(request)
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None or not can_view_plans(user, area):
        raise fail(
            "area_code",
            _("No area has the code %(code)s in your scope.") % {"code": payload.area_code},
        )
    plan = services.create_plan(
        actor=user,
        title=payload.title,
        hazard_class=payload.hazard_class,
        area=area,
        hazard_subtype=payload.hazard_subtype,
        summary=payload.summary,
    )
    return Status(201, _detail(request, plan.pk))


@router.get("/{pk}", response={200: PlanDetailOut, 404: ErrorOut}, summary="A plan, all parts")
def get_plan(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(request, pk)


@router.patch("/{pk}", response={200: PlanDetailOut, **_ERRORS})
def patch_plan(request: HttpRequest, pk: int, payload: PlanPatchIn) -> dict[str, Any]:
    plan = _plan(request, pk)
    given = payload.model_dump(exclude_unset=True)
    active = given.pop("active", None)
    if active is True:
        raise fail("active", _("An inactive version cannot be reactivated; revise the plan."))
    if given:
        services.update_plan(actor=_user(request), plan=plan, changes=given)
    if active is False:
        services.deactivate_plan(actor=_user(request), plan=plan)
    return _detail(request, pk)


@router.post(
    "/{pk}/revise",
    response={201: PlanDetailOut, **_ERRORS},
    summary="Copy the plan to a new version (the old one is deactivated)",
)
def revise_plan(request: HttpRequest, pk: int) -> Status[dict[str, Any]]:
    new = services.revise_plan(actor=_user(request), plan=_plan(request, pk))
    return Status(201, _detail(request, new.pk))


@router.get(
    "/{pk}/activation",
    response={200: ActivationOut, 404: ErrorOut, 422: ErrorOut},
    summary="What activating the plan at a level gives",
)
def activation(request: HttpRequest, pk: int, level: str) -> dict[str, Any]:
    plan = _plan(request, pk)
    got = activation_for(plan, level)
    view = reads.preview(plan, got.level)
    return {
        "plan_id": got.plan_id,
        "plan_title": got.plan_title,
        "plan_version": got.plan_version,
        "level": got.level,
        "criteria": got.criteria,
        "roles": [
            {
                "code": r.code,
                "name": r.name,
                "duties": r.duties,
                "unit": _ref(view.units.get(r.unit_id)) if r.unit_id else None,
            }
            for r in got.roles
        ],
        "tasks": [
            {
                "title": t.title,
                "detail": t.detail,
                "owner": _ref(view.units[t.owner_unit_id]),
                "due_offset_minutes": t.due_offset_minutes,
                "phase": t.phase,
            }
            for t in got.tasks
        ],
        "needs": [
            {"item": _ref(view.items[n.item_id]), "per_thousand": n.per_thousand, "uom": n.uom}
            for n in got.needs
        ],
        "bulletins": [{"title": b.title, "body": b.body} for b in got.bulletins],
    }


# Parts --------------------------------------------------------------------------------------


def _row(model: Any, plan: Plan, row_id: int) -> Any:
    row = model.objects.filter(pk=row_id, plan=plan).first()
    if row is None:
        raise NotFoundError(_("No such row in this plan."))
    return row


@router.post("/{pk}/levels", response={201: LevelOut, **_ERRORS})
def add_level(request: HttpRequest, pk: int, payload: LevelIn) -> Status[dict[str, Any]]:
    row = parts.save_level(
        actor=_user(request), plan=_plan(request, pk), data=_data(payload, unset=False)
    )
    return Status(201, level_out(row))


@router.patch("/{pk}/levels/{row_id}", response={200: LevelOut, **_ERRORS})
def patch_level(
    request: HttpRequest, pk: int, row_id: int, payload: LevelPatchIn
) -> dict[str, Any]:
    plan = _plan(request, pk)
    row = parts.save_level(
        actor=_user(request),
        plan=plan,
        row=_row(PlanLevel, plan, row_id),
        data=_data(payload, unset=True),
    )
    return level_out(row)


@router.post("/{pk}/roles", response={201: RoleOut, **_ERRORS})
def add_role(request: HttpRequest, pk: int, payload: RoleIn) -> Status[dict[str, Any]]:
    row = parts.save_role(
        actor=_user(request), plan=_plan(request, pk), data=_data(payload, unset=False)
    )
    return Status(201, role_out(row))


@router.patch("/{pk}/roles/{row_id}", response={200: RoleOut, **_ERRORS})
def patch_role(request: HttpRequest, pk: int, row_id: int, payload: RolePatchIn) -> dict[str, Any]:
    plan = _plan(request, pk)
    row = parts.save_role(
        actor=_user(request),
        plan=plan,
        row=_row(CommandRole, plan, row_id),
        data=_data(payload, unset=True),
    )
    return role_out(row)


def _task_answer(plan: Plan, task: TaskTemplate) -> dict[str, Any]:
    return task_out(reads.task_rows(plan, [task])[0])


@router.post("/{pk}/tasks", response={201: TaskOut, **_ERRORS})
def add_task(request: HttpRequest, pk: int, payload: TaskIn) -> Status[dict[str, Any]]:
    plan = _plan(request, pk)
    row = parts.save_task(actor=_user(request), plan=plan, data=_data(payload, unset=False))
    return Status(201, _task_answer(plan, row))


@router.patch("/{pk}/tasks/{row_id}", response={200: TaskOut, **_ERRORS})
def patch_task(request: HttpRequest, pk: int, row_id: int, payload: TaskPatchIn) -> dict[str, Any]:
    plan = _plan(request, pk)
    row = parts.save_task(
        actor=_user(request),
        plan=plan,
        row=_row(TaskTemplate, plan, row_id),
        data=_data(payload, unset=True),
    )
    return _task_answer(plan, row)


@router.post("/{pk}/needs", response={201: NeedOut, **_ERRORS})
def add_need(request: HttpRequest, pk: int, payload: NeedIn) -> Status[dict[str, Any]]:
    row = parts.save_need(
        actor=_user(request), plan=_plan(request, pk), data=_data(payload, unset=False)
    )
    return Status(201, need_out(row))


@router.patch("/{pk}/needs/{row_id}", response={200: NeedOut, **_ERRORS})
def patch_need(request: HttpRequest, pk: int, row_id: int, payload: NeedPatchIn) -> dict[str, Any]:
    plan = _plan(request, pk)
    row = parts.save_need(
        actor=_user(request),
        plan=plan,
        row=_row(ResourceNeed, plan, row_id),
        data=_data(payload, unset=True),
    )
    return need_out(row)


@router.post("/{pk}/bulletins", response={201: BulletinOut, **_ERRORS})
def add_bulletin(request: HttpRequest, pk: int, payload: BulletinIn) -> Status[dict[str, Any]]:
    row = parts.save_bulletin(
        actor=_user(request), plan=_plan(request, pk), data=_data(payload, unset=False)
    )
    return Status(201, bulletin_out(row))


@router.patch("/{pk}/bulletins/{row_id}", response={200: BulletinOut, **_ERRORS})
def patch_bulletin(
    request: HttpRequest, pk: int, row_id: int, payload: BulletinPatchIn
) -> dict[str, Any]:
    plan = _plan(request, pk)
    row = parts.save_bulletin(
        actor=_user(request),
        plan=plan,
        row=_row(BulletinTemplate, plan, row_id),
        data=_data(payload, unset=True),
    )
    return bulletin_out(row)


PART_MODELS: dict[str, Any] = {
    "levels": PlanLevel,
    "roles": CommandRole,
    "tasks": TaskTemplate,
    "needs": ResourceNeed,
    "bulletins": BulletinTemplate,
}


def _deleter(model: Any) -> Callable[..., Status[None]]:
    def delete(request: HttpRequest, pk: int, row_id: int) -> Status[None]:
        plan = _plan(request, pk)
        parts.delete_part(actor=_user(request), part=_row(model, plan, row_id))
        return Status(204, None)

    return delete


for _kind, _model in PART_MODELS.items():
    router.delete(
        f"/{{pk}}/{_kind}/{{row_id}}",
        response={204: None, **_ERRORS},
        operation_id=f"plans_delete_{_kind}",
        summary=f"Delete a row of {_kind}",
    )(_deleter(_model))
