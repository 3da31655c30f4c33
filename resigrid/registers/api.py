"""Registers API: the category tree with effective time limits, the responsibility list and what
routing would do for a category in an area.

Thin: parse → `visible_to` → service or read → schema. Categories are global: anyone logged in
reads them, only editors of the whole tree change them (403). Duties outside the caller's scope
answer 404; writes without EDIT_DUTIES on the area answer 403; bad input 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, PermissionDeniedError
from resigrid.orgs.models import Unit
from resigrid.registers import listing, reads, rules, services
from resigrid.registers.choices import HazardClass, Phase
from resigrid.registers.listing import CategoryNode, DutyRow
from resigrid.registers.models import Category, Duty
from resigrid.registers.permissions import (
    can_edit_categories,
    can_edit_duty,
    can_view_duties,
    duty_editor,
)
from resigrid.registers.schemas import (
    CategoryIn,
    CategoryNodeOut,
    CategoryOut,
    CategoryPatchIn,
    DeadlinesIn,
    DutyIn,
    DutyOut,
    DutyPatchIn,
    ErrorOut,
    RouteOut,
)
from resigrid.registers.services import fail

router = Router()

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


# Categories ---------------------------------------------------------------------------------


def _category_out(node: CategoryNode, *, children: bool = False) -> dict[str, Any]:
    c = node.category
    out: dict[str, Any] = {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "kind": c.kind,
        "kind_label": node.kind_label,
        "parent_code": node.parent_code,
        "depth": node.depth,
        "active": c.active,
        "sort": c.sort,
        "description": c.description,
        "keywords": c.keywords,
        "deadlines": [
            {
                "priority": d.priority,
                "accept": d.minutes.accept,
                "dispatch": d.minutes.dispatch,
                "handle": d.minutes.handle,
                "verify": d.minutes.verify,
                "source": d.source,
                "own": d.own,
            }
            for d in node.deadlines
        ],
    }
    if children:
        out["children"] = [_category_out(n, children=True) for n in node.children]
    return out


def _category(code: str) -> Category:
    category = Category.objects.select_related("parent").filter(code=code).first()
    if category is None:
        raise NotFoundError(_("No category has the code %(code)s.") % {"code": code})
    return category


def _category_ref(code: str | None, field: str) -> Category | None:
    if code is None:
        return None
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise fail(field, _("No category has the code %(code)s.") % {"code": code})
    return category


@router.get("/categories", response=list[CategoryOut], summary="Categories, flat, tree order")
def list_categories(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    nodes = listing.flatten(listing.category_tree(include_inactive=include_inactive))
    return [_category_out(n) for n in nodes]


@router.get("/categories/tree", response=list[CategoryNodeOut], summary="The category tree")
def category_tree(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    roots = listing.category_tree(include_inactive=include_inactive)
    return [_category_out(n, children=True) for n in roots]


@router.post("/categories", response={201: CategoryOut, **_ERRORS}, summary="Add a category")
def create_category(request: HttpRequest, payload: CategoryIn) -> Status[dict[str, Any]]:
    given = payload.model_dump(exclude_unset=True)
    code = payload.code.strip()
    explicit = "parent_code" in given
    parent_code = given["parent_code"] if explicit else reads_parent_code(code)
    category = services.create_category(
        actor=_user(request),
        code=code,
        name=payload.name,
        kind=payload.kind,
        parent=_category_ref(parent_code, "parent_code" if explicit else "code"),
        description=payload.description,
        keywords=payload.keywords,
        sort=payload.sort,
    )
    return Status(201, _category_out(listing.category_node(category)))


def reads_parent_code(code: str) -> str | None:
    """The parent a code implies; a malformed code is left for the service to refuse."""
    return rules.parent_code(code) if rules.code_error(code) is None else None


@router.get("/categories/{code}", response={200: CategoryOut, 404: ErrorOut})
def get_category(request: HttpRequest, code: str) -> dict[str, Any]:
    return _category_out(listing.category_node(_category(code)))


@router.patch("/categories/{code}", response={200: CategoryOut, **_ERRORS})
def patch_category(request: HttpRequest, code: str, payload: CategoryPatchIn) -> dict[str, Any]:
    user = _user(request)
    category = _category(code)
    given = payload.model_dump(exclude_unset=True)
    active = given.pop("active", None)
    changes = {k: v for k, v in given.items() if v is not None}
    if "code" in changes:
        changes["code"] = changes["code"].strip()
        changes["parent"] = _category_ref(reads_parent_code(changes["code"]), "code")
    with transaction.atomic():  # several services, one answer: all or nothing
        if changes:
            category = services.update_category(actor=user, category=category, changes=changes)
        if active is False:
            category = services.deactivate_category(actor=user, category=category)
        elif active is True:
            category = services.reactivate_category(actor=user, category=category)
        if not changes and active is None and not can_edit_categories(user):
            raise PermissionDeniedError(
                _("Only editors of the whole category tree may change categories and time limits.")
            )
    return _category_out(listing.category_node(category))


@router.put(
    "/categories/{code}/deadlines",
    response={200: CategoryOut, **_ERRORS},
    summary="Set the category's own time limits (minutes); null inherits",
)
def put_deadlines(request: HttpRequest, code: str, payload: DeadlinesIn) -> dict[str, Any]:
    category = _category(code)
    limits: dict[str, reads.StageMinutes | None] = {}
    for priority in ("urgent", "high", "normal"):
        value = getattr(payload, priority)
        limits[priority] = (
            None
            if value is None
            else reads.StageMinutes(value.accept, value.dispatch, value.handle, value.verify)
        )
    services.set_deadlines(actor=_user(request), category=category, limits=limits)
    return _category_out(listing.category_node(category))


# Duties -------------------------------------------------------------------------------------


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "area_code": unit.area.code,
        "area_name": unit.area.name,
    }


def _duty_out(row: DutyRow, editable: Callable[[Area], bool]) -> dict[str, Any]:
    d = row.duty
    return {
        "id": d.pk,
        "category_code": d.category.code if d.category is not None else None,
        "category_name": d.category.name if d.category is not None else None,
        "hazard_class": d.hazard_class or None,
        "hazard_class_label": d.get_hazard_class_display() if d.hazard_class else None,
        "area_code": d.area.code,
        "area_name": d.area.name,
        "phase": d.phase,
        "phase_label": row.phase_label,
        "lead_unit": _unit_ref(d.lead_unit),
        "support_units": [_unit_ref(u) for u in row.support_units],
        "tasks": d.tasks,
        "active": d.active,
        "inherited": row.inherited,
        "below": row.below,
        "overridden": row.overridden,
        "can_edit": editable(d.area),
    }


def _rows(qs: Any) -> list[DutyRow]:
    duties = qs.select_related("category", "area", "lead_unit__area").prefetch_related(
        "support_units__area"
    )
    return [DutyRow(d, sorted(d.support_units.all(), key=lambda u: u.pk), False, False, False)
            for d in duties]  # fmt: skip


def _visible_area(user: Any, code: str, field: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not can_view_duties(user, area):
        raise fail(field, _("No area has the code %(code)s in your scope.") % {"code": code})
    return area


def _require_duty_editor(user: Any, area: Area) -> None:
    if not can_edit_duty(user, area):
        raise PermissionDeniedError(
            _("You may not change the responsibility list of %(area)s.") % {"area": area.name}
        )


def _duty(request: HttpRequest, pk: int) -> Duty:
    duty = (
        Duty.objects.visible_to(_user(request))
        .select_related("category", "area", "lead_unit__area")
        .filter(pk=pk)
        .first()
    )
    if duty is None:
        raise NotFoundError(_("No such duty."))
    return duty


def _duty_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    rows = _rows(Duty.objects.visible_to(_user(request)).filter(pk=pk))
    if not rows:
        raise NotFoundError(_("No such duty."))
    return _duty_out(rows[0], duty_editor(_user(request)))


def _units(area: Area, ids: list[int], field: str) -> list[Unit]:
    found = {u.pk: u for u in listing.units_serving(area).filter(pk__in=ids)}
    for pk in ids:
        if pk not in found:
            raise fail(
                field,
                _("No unit with id %(id)d serves %(area)s.") % {"id": pk, "area": area.name},
            )
    return [found[pk] for pk in ids]


@router.get(
    "/duties",
    response={200: list[DutyOut], 422: ErrorOut},
    summary="The responsibility list",
    description=(
        "Without `area`: the duties set on areas in the caller's scope. With `area`: the list of "
        "that area — its own rules and those inherited from the areas above it (`inherited`, "
        "and `overridden` when a nearer rule wins); `below=true` adds the rules set below it. "
        "`category` keeps the rules of that category, its parents and its subcategories; "
        "`hazard_class` the rules of that hazard class; `kind` case or hazard rules only."
    ),
)
def list_duties(
    request: HttpRequest,
    area: str | None = None,
    category: str | None = None,
    hazard_class: HazardClass | None = None,
    kind: Literal["case", "hazard"] | None = None,
    phase: Phase | None = None,
    include_inactive: bool = False,
    below: bool = False,
) -> list[dict[str, Any]]:
    user = _user(request)
    editable = duty_editor(user)
    cat = _category_ref(category, "category")
    active = None if include_inactive else True
    if area:
        target = _visible_area(user, area, "area")
        rows = listing.duty_rows(
            area=target,
            category=cat,
            hazard_class=hazard_class,
            kind=kind,
            phase=phase,
            active=active,
            below_qs=Duty.objects.visible_to(user) if below else None,
        )
        return [_duty_out(r, editable) for r in rows]
    qs = Duty.objects.visible_to(user)
    if cat is not None:
        qs = qs.filter(listing.category_filter(cat))
    if hazard_class:
        qs = qs.filter(hazard_class=hazard_class)
    if kind == "case":
        qs = qs.for_cases()
    elif kind == "hazard":
        qs = qs.for_hazards()
    if phase:
        qs = qs.filter(phase=phase)
    if active is not None:
        qs = qs.filter(active=active)
    qs = qs.order_by("hazard_class", "category__code", "area__code", "phase", "pk")
    return [_duty_out(r, editable) for r in _rows(qs)]


@router.get("/duties/{pk}", response={200: DutyOut, 404: ErrorOut})
def get_duty(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _duty_detail(request, pk)


@router.post("/duties", response={201: DutyOut, **_ERRORS}, summary="Set a duty")
def create_duty(request: HttpRequest, payload: DutyIn) -> Status[dict[str, Any]]:
    user = _user(request)
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None:
        raise fail("area_code", _("No area has the code %(code)s.") % {"code": payload.area_code})
    _require_duty_editor(user, area)  # before looking at units: 403 outside the scope
    category = _category_ref(payload.category_code, "category_code")
    lead = _units(area, [payload.lead_unit_id], "lead_unit_id")[0]
    duty = services.create_duty(
        actor=user,
        category=category,
        hazard_class=payload.hazard_class or "",
        area=area,
        phase=payload.phase,
        lead_unit=lead,
        support_units=_units(area, payload.support_unit_ids, "support_unit_ids"),
        tasks=payload.tasks,
    )
    return Status(201, _duty_detail(request, duty.pk))


@router.patch("/duties/{pk}", response={200: DutyOut, **_ERRORS})
def patch_duty(request: HttpRequest, pk: int, payload: DutyPatchIn) -> dict[str, Any]:
    user = _user(request)
    duty = _duty(request, pk)
    given = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if given.get("lead_unit_id") is not None:
        changes["lead_unit"] = _units(duty.area, [given["lead_unit_id"]], "lead_unit_id")[0]
    if given.get("support_unit_ids") is not None:
        changes["support_units"] = _units(duty.area, given["support_unit_ids"], "support_unit_ids")
    if given.get("tasks") is not None:
        changes["tasks"] = given["tasks"]
    _require_duty_editor(user, duty.area)
    with transaction.atomic():  # several services, one answer: all or nothing
        if given.get("active") is True:
            duty = services.reactivate_duty(actor=user, duty=duty)
        if changes:
            duty = services.update_duty(actor=user, duty=duty, changes=changes)
        if given.get("active") is False:
            services.deactivate_duty(actor=user, duty=duty, reason=given.get("reason") or "")
    return _duty_detail(request, pk)


# Routing ------------------------------------------------------------------------------------


@router.get(
    "/route",
    response={200: RouteOut, 422: ErrorOut},
    summary="What routing would do for a category in an area, and why",
)
def route(
    request: HttpRequest, category: str, grid: str, phase: Phase = Phase.RESPOND
) -> dict[str, Any]:
    user = _user(request)
    cat = _category_ref(category, "category")
    assert cat is not None  # noqa: S101 - required query parameter
    area = _visible_area(user, grid, "grid")
    explained = reads.explain(cat, area, phase)
    duty = explained.route.duty
    units = [u for u in [explained.route.lead_unit, *explained.route.support_units] if u]
    areas = {a.pk: a for a in Area.objects.filter(pk__in={u.area_id for u in units})}
    for u in units:
        u.area = areas[u.area_id]
    lead = explained.route.lead_unit
    return {
        "category_code": cat.code,
        "area_code": area.code,
        "phase": phase,
        "duty_id": duty.pk if duty else None,
        "duty_area_code": duty.area.code if duty else None,
        "duty_category_code": duty.category.code if duty and duty.category else None,
        "lead_unit": _unit_ref(lead) if lead else None,
        "support_units": [_unit_ref(u) for u in explained.route.support_units],
        "inherited_area": explained.inherited_area,
        "inherited_category": explained.inherited_category,
        "explanation": explained.text,
    }
