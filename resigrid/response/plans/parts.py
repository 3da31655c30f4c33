"""Writes to the parts of a plan: levels, command post roles, task templates, resource needs and
bulletin templates. Each `save_*` creates a row (row=None) or changes the given one with the
fields in `data` (the others stay); `delete_part` removes one. All lock the plan row, so two
editors cannot add the same level or item twice, and refuse inactive or used versions
(`services.lock_for_edit`). The checks on values are pure, in `rules`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers.audit import fail
from resigrid.registers.listing import unit_serves
from resigrid.registers.models import Duty
from resigrid.registers.reads import area_chain
from resigrid.resources.models import Item
from resigrid.response.plans import rules
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from resigrid.response.plans.services import lock_for_edit, touch

Part = PlanLevel | CommandRole | TaskTemplate | ResourceNeed | BulletinTemplate


def _merged(row: Any, fields: tuple[str, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(fields)
    if unknown:
        raise fail(sorted(unknown)[0], _("Unknown field."))
    current = {f: getattr(row, f) for f in fields} if row is not None else {}
    return {**current, **data}


def _check_row(row: Any, plan: Plan) -> None:
    if row is not None and row.plan_id != plan.pk:
        raise fail("id", _("This row belongs to another plan."))


def _others(qs: Any, row: Any) -> Any:
    return qs.exclude(pk=row.pk) if row is not None else qs


def _apply(row: Any, model: type[Any], plan: Plan, values: dict[str, Any]) -> Any:
    if row is None:
        row = model.objects.create(plan=plan, **values)
    else:
        for k, v in values.items():
            setattr(row, k, v)
        row.save()
    touch(plan)
    return row


def _unit(plan: Plan, value: Any, field: str) -> Unit | None:
    if value in (None, ""):
        return None
    unit = value if isinstance(value, Unit) else Unit.objects.filter(pk=value).first()
    if unit is None or not unit_serves(unit, plan.area):
        raise fail(
            field,
            _("No unit with id %(id)s serves %(area)s.")
            % {"id": getattr(value, "pk", value), "area": plan.area.name},
        )
    return unit


# Levels -------------------------------------------------------------------------------------

LEVEL_FIELDS = ("level", "criteria", "alert_level", "trigger_value", "trigger_unit")


def save_level(
    *, actor: Any, plan: Plan, data: Mapping[str, Any], row: PlanLevel | None = None
) -> PlanLevel:
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        _check_row(row, plan)
        v = rules.clean_level(_merged(row, LEVEL_FIELDS, data))
        others = _others(plan.levels.all(), row)
        if others.filter(level=v["level"]).exists():
            raise fail("level", _("The plan already defines this level."))
        if v["alert_level"] and others.filter(alert_level=v["alert_level"]).exists():
            raise fail("alert_level", _("Another level of the plan has this warning colour."))
        result: PlanLevel = _apply(row, PlanLevel, plan, v)
        return result


# Command post roles -------------------------------------------------------------------------

ROLE_FIELDS = ("level", "code", "name", "duties", "unit", "sort")


def save_role(
    *, actor: Any, plan: Plan, data: Mapping[str, Any], row: CommandRole | None = None
) -> CommandRole:
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        _check_row(row, plan)
        v = rules.clean_role(_merged(row, ROLE_FIELDS, data))
        v["unit"] = _unit(plan, v["unit"], "unit")
        same = _others(plan.roles.filter(code=v["code"]), row)
        if v["level"]:
            same = same.filter(Q(level="") | Q(level=v["level"]))
        if same.exists():
            raise fail(
                "code",
                _("The role code %(code)s is already used for this level.") % {"code": v["code"]},
            )
        result: CommandRole = _apply(row, CommandRole, plan, v)
        return result


# Task templates -----------------------------------------------------------------------------

TASK_FIELDS = (
    "level",
    "title",
    "detail",
    "phase",
    "duty",
    "owner_unit",
    "due_offset_minutes",
    "sort",
)


def _duty(plan: Plan, value: Any) -> Duty | None:
    """A duty of the responsibility list for the plan's hazard class, set on the plan's area, an
    area above it or one below it."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Duty) else value
    chain = [a.pk for a in area_chain(plan.area)]
    duty = (
        Duty.objects.active()
        .for_hazards()
        .filter(pk=pk, hazard_class=plan.hazard_class)
        .filter(Q(area_id__in=chain) | Q(area__code__startswith=plan.area.scope_prefix))
        .select_related("lead_unit")
        .first()
    )
    if duty is None:
        raise fail(
            "duty",
            _(
                "No active duty with id %(id)s for %(hazard)s applies to %(area)s in the "
                "responsibility list."
            )
            % {"id": pk, "hazard": plan.get_hazard_class_display(), "area": plan.area.name},
        )
    return duty


def save_task(
    *, actor: Any, plan: Plan, data: Mapping[str, Any], row: TaskTemplate | None = None
) -> TaskTemplate:
    """A task template. Its owner is a unit or a duty (not both); with neither, activation takes
    the nearest active duty for the plan's hazard class and the task's phase, and fails naming
    the task when there is none."""
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        _check_row(row, plan)
        merged = _merged(row, TASK_FIELDS, data)
        # Choosing one kind of owner clears the other.
        if data.get("duty") not in (None, "") and "owner_unit" not in data:
            merged["owner_unit"] = None
        if data.get("owner_unit") not in (None, "") and "duty" not in data:
            merged["duty"] = None
        v = rules.clean_task(merged)
        v["duty"] = _duty(plan, v["duty"])
        v["owner_unit"] = _unit(plan, v["owner_unit"], "owner_unit")
        if v["duty"] is not None and v["owner_unit"] is not None:
            raise fail("owner_unit", _("Choose either a duty or a unit as the owner, not both."))
        if v["duty"] is not None and v["duty"].phase != v["phase"]:
            raise fail("duty", _("The duty is for another phase than the task."))
        result: TaskTemplate = _apply(row, TaskTemplate, plan, v)
        return result


# Resource needs -----------------------------------------------------------------------------

NEED_FIELDS = ("item", "per_thousand", "level_factors", "note")


def save_need(
    *, actor: Any, plan: Plan, data: Mapping[str, Any], row: ResourceNeed | None = None
) -> ResourceNeed:
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        _check_row(row, plan)
        v = rules.clean_need(_merged(row, NEED_FIELDS, data))
        item = v["item"]
        if not isinstance(item, Item):
            item = Item.objects.filter(pk=item).first() if str(item).isdigit() else None
            if item is None:
                raise fail("item", _("No such item in the catalogue."))
            v["item"] = item
        if _others(plan.needs.filter(item=item), row).exists():
            raise fail("item", _("The plan already has a need for %(item)s.") % {"item": item.name})
        result: ResourceNeed = _apply(row, ResourceNeed, plan, v)
        return result


# Bulletin templates -------------------------------------------------------------------------

BULLETIN_FIELDS = ("level", "title", "body", "sort")


def save_bulletin(
    *, actor: Any, plan: Plan, data: Mapping[str, Any], row: BulletinTemplate | None = None
) -> BulletinTemplate:
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        _check_row(row, plan)
        v = rules.clean_bulletin(_merged(row, BULLETIN_FIELDS, data))
        result: BulletinTemplate = _apply(row, BulletinTemplate, plan, v)
        return result


def delete_part(*, actor: Any, part: Part) -> None:
    plan = part.plan
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        deleted, _rows = type(part).objects.filter(pk=part.pk, plan=plan).delete()
        if not deleted:
            raise ValidationFailed(_("This row was already removed."), field="id")
        touch(plan)
