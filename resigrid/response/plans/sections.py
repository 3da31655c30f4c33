"""The editor's sections (levels, command roles, task templates, needs, bulletin templates): for
each, how its form is built, read back into the service's data and filled from a row, and the
context its partial renders from. Used by the page views and the htmx row views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resigrid.core.errors import ValidationFailed
from resigrid.resources.models import Item
from resigrid.response.plans import parts, reads
from resigrid.response.plans.forms import BulletinForm, LevelForm, NeedForm, RoleForm, TaskForm
from resigrid.response.plans.models import Plan

LEVEL_KEYS = ("1", "2", "3", "4")


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def _units(plan: Plan) -> list[tuple[str, str]]:
    return [(str(u.pk), f"{u.name}（{u.area.name}）") for u in reads.unit_choices(plan)]


def _owner_choices(plan: Plan) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    duties = [
        (
            f"duty:{d.pk}",
            f"{d.get_phase_display()} · {d.lead_unit.name}（{d.area.name}）",
        )
        for d in reads.duty_choices(plan)
    ]
    units = [(f"unit:{k}", label) for k, label in _units(plan)]
    return duties, units


# Form builders: (plan, data or None, initial) → form ----------------------------------------


def _level_form(plan: Plan, data: Any, initial: Mapping[str, Any]) -> Any:
    return LevelForm(data, initial=initial, prefix="level")


def _role_form(plan: Plan, data: Any, initial: Mapping[str, Any]) -> Any:
    return RoleForm(data, initial=initial, units=_units(plan), prefix="role")


def _task_form(plan: Plan, data: Any, initial: Mapping[str, Any]) -> Any:
    duties, units = _owner_choices(plan)
    return TaskForm(data, initial=initial, duties=duties, units=units, prefix="task")


def _need_form(plan: Plan, data: Any, initial: Mapping[str, Any]) -> Any:
    items = [(str(i.pk), f"{i.name}（{i.uom}）") for i in Item.objects.order_by("category", "code")]
    return NeedForm(data, initial=initial, items=items, prefix="need")


def _bulletin_form(plan: Plan, data: Any, initial: Mapping[str, Any]) -> Any:
    return BulletinForm(data, initial=initial, prefix="bulletin")


# Form → service data ------------------------------------------------------------------------


def _level_data(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "level": d["level"],
        "criteria": d["criteria"],
        "alert_level": d["alert_level"],
        "trigger_value": d["trigger_value"] or None,
        "trigger_unit": d["trigger_unit"],
    }


def _role_data(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "level": d["level"],
        "code": d["code"],
        "name": d["name"],
        "duties": d["duties"],
        "unit": _int_or_none(d["unit"]),
        "sort": d["sort"] or 0,
    }


def _task_data(d: Mapping[str, Any]) -> dict[str, Any]:
    kind, _sep, pk = (d["owner"] or "").partition(":")
    return {
        "level": d["level"],
        "title": d["title"],
        "detail": d["detail"],
        "phase": d["phase"],
        "duty": _int_or_none(pk) if kind == "duty" else None,
        "owner_unit": _int_or_none(pk) if kind == "unit" else None,
        "due_offset_minutes": d["due_offset_minutes"],
        "sort": d["sort"] or 0,
    }


def _need_data(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "item": _int_or_none(d["item"]),
        "per_thousand": d["per_thousand"],
        "level_factors": {k: d[f"factor_{k}"] for k in LEVEL_KEYS if d[f"factor_{k}"]},
        "note": d["note"],
    }


def _bulletin_data(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"level": d["level"], "title": d["title"], "body": d["body"], "sort": d["sort"] or 0}


# Row → form initial -------------------------------------------------------------------------


def _fields(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names}


def _level_initial(r: Any) -> dict[str, Any]:
    return _fields(r, ("level", "criteria", "alert_level", "trigger_value", "trigger_unit"))


def _role_initial(r: Any) -> dict[str, Any]:
    return {**_fields(r, ("level", "code", "name", "duties", "sort")), "unit": r.unit_id or ""}


def _task_initial(r: Any) -> dict[str, Any]:
    owner = (
        f"duty:{r.duty_id}" if r.duty_id else (f"unit:{r.owner_unit_id}" if r.owner_unit_id else "")
    )
    names = ("level", "title", "detail", "phase", "due_offset_minutes", "sort")
    return {**_fields(r, names), "owner": owner}


def _need_initial(r: Any) -> dict[str, Any]:
    factors = r.level_factors or {}
    return {
        "item": r.item_id,
        "per_thousand": r.per_thousand,
        "note": r.note,
        **{f"factor_{k}": factors.get(k, "") for k in LEVEL_KEYS},
    }


def _bulletin_initial(r: Any) -> dict[str, Any]:
    return _fields(r, ("level", "title", "body", "sort"))


@dataclass(frozen=True)
class Section:
    kind: str
    title: Promise
    form: Callable[[Plan, Any, Mapping[str, Any]], Any]
    data: Callable[[Mapping[str, Any]], dict[str, Any]]
    initial: Callable[[Any], dict[str, Any]]
    save: Callable[..., Any]
    rename: Mapping[str, str]

    def rows(self, got: reads.PlanParts) -> list[dict[str, Any]]:
        if self.kind == "tasks":
            return [{"pk": r.task.pk, "obj": r.task, "extra": r} for r in got.tasks]
        objs: list[Any] = {
            "levels": got.levels,
            "roles": got.roles,
            "needs": got.needs,
            "bulletins": got.bulletins,
        }[self.kind]  # type: ignore[assignment]
        return [{"pk": o.pk, "obj": o, "extra": None} for o in objs]


SECTIONS: dict[str, Section] = {
    s.kind: s
    for s in (
        Section(
            "levels", _("Levels and activation criteria"), _level_form, _level_data,
            _level_initial, parts.save_level, {},
        ),
        Section(
            "roles", _("Command post roles (临时指挥部)"), _role_form, _role_data,
            _role_initial, parts.save_role, {},
        ),
        Section(
            "tasks", _("Task templates"), _task_form, _task_data, _task_initial,
            parts.save_task, {"duty": "owner", "owner_unit": "owner"},
        ),
        Section(
            "needs", _("Resource needs per 1,000 residents"), _need_form, _need_data,
            _need_initial, parts.save_need, {"level_factors": "factor_1"},
        ),
        Section(
            "bulletins", _("Bulletin templates"), _bulletin_form, _bulletin_data,
            _bulletin_initial, parts.save_bulletin, {},
        ),
    )
}  # fmt: skip


def apply_errors(form: Any, exc: ValidationFailed, rename: Mapping[str, str]) -> None:
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, msgs in errors.items():
        name = rename.get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def context(
    plan: Plan,
    kind: str,
    *,
    editable: bool,
    got: reads.PlanParts | None = None,
    editing: int | None = None,
    edit_form: Any = None,
    add_form: Any = None,
    error: str | None = None,
) -> dict[str, Any]:
    section = SECTIONS[kind]
    got = got or reads.plan_parts(plan)
    return {
        "plan": plan,
        "kind": kind,
        "title": section.title,
        "rows": section.rows(got),
        "row_template": f"plans/_row_{kind}.html",
        "editable": editable,
        "editing": editing,
        "edit_form": edit_form,
        "add_form": add_form if add_form is not None else section.form(plan, None, {}),
        "error": error,
    }
