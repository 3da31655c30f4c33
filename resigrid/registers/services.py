"""Writes to the responsibility list (权责清单), and — re-exported from `categories` — to the
category tree and its time limits.

Keyword-only, permission-checked, atomic; every write leaves a RegisterChange row. A duty belongs
to an area: EDIT_DUTIES on that area (a street or district role) is needed. Bad input raises
ValidationFailed naming the field, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers.audit import clean_text, fail, log_change
from resigrid.registers.categories import (
    clear_deadline,
    create_category,
    deactivate_category,
    reactivate_category,
    set_deadline,
    set_deadlines,
    update_category,
)
from resigrid.registers.choices import HazardClass, Phase
from resigrid.registers.listing import unit_serves
from resigrid.registers.models import Category, Duty, RegisterChange
from resigrid.registers.permissions import can_edit_duty

__all__ = [
    "clear_deadline",
    "create_category",
    "create_duty",
    "deactivate_category",
    "deactivate_duty",
    "fail",
    "reactivate_category",
    "reactivate_duty",
    "set_deadline",
    "set_deadlines",
    "update_category",
    "update_duty",
]

DUTY_FIELDS = frozenset({"lead_unit", "support_units", "tasks"})


# Duties (the responsibility list) -----------------------------------------------------------


def _require_duty_editor(actor: Any, area: Area) -> None:
    if not can_edit_duty(actor, area):
        raise PermissionDeniedError(
            _("You may not change the responsibility list of %(area)s.") % {"area": area.name}
        )


def _check_units(area: Area, lead: Unit, support: list[Unit]) -> None:
    if any(u.pk == lead.pk for u in support):
        raise fail(
            "support_units",
            _("The lead unit %(unit)s cannot also be a support unit.") % {"unit": lead.name},
        )
    for field, unit in [("lead_unit", lead), *[("support_units", u) for u in support]]:
        if not unit_serves(unit, area):
            raise fail(
                field,
                _("%(unit)s works in %(where)s, which is neither %(area)s nor above or below it.")
                % {"unit": unit.name, "where": unit.area.name, "area": area.name},
            )


def _unique_units(units: Iterable[Unit]) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for u in units:
        seen.setdefault(u.pk, u)
    return list(seen.values())


def _subject(category: Category | None, hazard_class: str) -> str:
    if category is not None:
        return str(category)
    return str(HazardClass(hazard_class).label)


def _key_taken(
    duty_category: Category | None, area: Area, phase: str, hazard_class: str = ""
) -> ValidationFailed:
    return fail(
        "category" if duty_category is not None else "hazard_class",
        _(
            "%(area)s already has an active duty for %(category)s in the %(phase)s phase; "
            "change that one or deactivate it first."
        )
        % {
            "area": area.name,
            "category": _subject(duty_category, hazard_class),
            "phase": Phase(phase).label,
        },
    )


def _duty_label(duty: Duty) -> str:
    return f"{duty.subject_code} @ {duty.area.name} ({duty.phase})"


def _same_key(duty: Duty) -> Any:
    if duty.category_id is not None:
        return Duty.objects.active().filter(
            category_id=duty.category_id, area=duty.area, phase=duty.phase
        )
    return Duty.objects.active().filter(
        hazard_class=duty.hazard_class, area=duty.area, phase=duty.phase
    )


def create_duty(
    *,
    actor: Any,
    area: Area,
    lead_unit: Unit,
    category: Category | None = None,
    hazard_class: str = "",
    support_units: Iterable[Unit] = (),
    phase: str = Phase.RESPOND,
    tasks: str = "",
) -> Duty:
    """A rule of the responsibility list for a case category (it routes cases) or for a hazard
    class (plans draw their task owners from it): exactly one of the two."""
    _require_duty_editor(actor, area)
    if (category is None) == (not hazard_class):
        raise fail(
            "category" if category is None else "hazard_class",
            _("Give either a case category or a hazard class, not both and not neither."),
        )
    if hazard_class and hazard_class not in HazardClass.values:
        raise fail("hazard_class", _("Unknown hazard class: %(value)s.") % {"value": hazard_class})
    if phase not in Phase.values:
        raise fail("phase", _("Unknown phase: %(phase)s.") % {"phase": phase})
    support = _unique_units(support_units)
    _check_units(area, lead_unit, support)
    tasks = clean_text("tasks", tasks, 4000)
    with transaction.atomic():
        if category is not None:
            category = Category.objects.select_for_update().get(pk=category.pk)
            if not category.active:
                raise fail(
                    "category", _("The category %(code)s is inactive.") % {"code": category.code}
                )
            clash = Duty.objects.active().filter(category=category, area=area, phase=phase)
        else:
            clash = Duty.objects.active().filter(hazard_class=hazard_class, area=area, phase=phase)
        if clash.exists():
            raise _key_taken(category, area, phase, hazard_class)
        try:
            with transaction.atomic():
                duty = Duty.objects.create(
                    category=category,
                    hazard_class=hazard_class,
                    area=area,
                    phase=phase,
                    lead_unit=lead_unit,
                    tasks=tasks,
                )
        except IntegrityError as exc:  # a concurrent create of the same rule
            raise _key_taken(category, area, phase, hazard_class) from exc
        duty.support_units.set(support)
        log_change(
            actor=actor,
            subject=RegisterChange.Subject.DUTY,
            object_id=duty.pk,
            label=_duty_label(duty),
            action=RegisterChange.Action.CREATED,
            changes={
                **(
                    {"category": category.code}
                    if category is not None
                    else {"hazard_class": hazard_class}
                ),
                "phase": phase,
                "lead_unit": lead_unit.name,
                "support_units": [u.name for u in support],
                "tasks": tasks,
            },
            area=area,
        )
        return duty


def update_duty(*, actor: Any, duty: Duty, changes: Mapping[str, Any]) -> Duty:
    """Change the lead unit, the support units or the tasks. Category, area and phase are the
    rule's key: deactivate the duty and set a new one to change them."""
    unknown = set(changes) - DUTY_FIELDS
    if unknown:
        raise fail(
            sorted(unknown)[0],
            _("This field cannot be changed; deactivate the duty and set a new one."),
        )
    _require_duty_editor(actor, duty.area)
    with transaction.atomic():
        duty = (
            Duty.objects.select_for_update(of=("self",))
            .select_related("category", "area")
            .get(pk=duty.pk)
        )
        if not duty.active:
            raise fail("active", _("This duty is no longer active."))
        old_support = list(duty.support_units.order_by("pk"))
        lead = changes.get("lead_unit", duty.lead_unit)
        support = (
            _unique_units(changes["support_units"]) if "support_units" in changes else old_support
        )
        _check_units(duty.area, lead, support)
        diff: dict[str, Any] = {}
        if lead.pk != duty.lead_unit_id:
            diff["lead_unit"] = [duty.lead_unit.name, lead.name]
            duty.lead_unit = lead
        if "tasks" in changes:
            tasks = clean_text("tasks", changes["tasks"], 4000)
            if tasks != duty.tasks:
                diff["tasks"] = [duty.tasks, tasks]
                duty.tasks = tasks
        if sorted(u.pk for u in support) != [u.pk for u in old_support]:
            diff["support_units"] = [[u.name for u in old_support], [u.name for u in support]]
            duty.support_units.set(support)
        if diff:
            duty.save()
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.DUTY,
                object_id=duty.pk,
                label=_duty_label(duty),
                action=RegisterChange.Action.UPDATED,
                changes=diff,
                area=duty.area,
            )
        return duty


def deactivate_duty(*, actor: Any, duty: Duty, reason: str = "") -> Duty:
    _require_duty_editor(actor, duty.area)
    reason = clean_text("reason", reason, 500)
    with transaction.atomic():
        duty = (
            Duty.objects.select_for_update(of=("self",))
            .select_related("category", "area")
            .get(pk=duty.pk)
        )
        if duty.active:
            duty.active = False
            duty.save(update_fields=["active", "updated_at"])
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.DUTY,
                object_id=duty.pk,
                label=_duty_label(duty),
                action=RegisterChange.Action.DEACTIVATED,
                changes={"active": [True, False], "reason": reason},
                area=duty.area,
            )
        return duty


def reactivate_duty(*, actor: Any, duty: Duty) -> Duty:
    _require_duty_editor(actor, duty.area)
    with transaction.atomic():
        duty = (
            Duty.objects.select_for_update(of=("self",))
            .select_related("category", "area")
            .get(pk=duty.pk)
        )
        if duty.active:
            return duty
        if duty.category is not None and not duty.category.active:
            raise fail(
                "category", _("The category %(code)s is inactive.") % {"code": duty.category.code}
            )
        if _same_key(duty).exists():
            raise _key_taken(duty.category, duty.area, duty.phase, duty.hazard_class)
        duty.active = True
        try:
            with transaction.atomic():
                duty.save(update_fields=["active", "updated_at"])
        except IntegrityError as exc:
            raise _key_taken(duty.category, duty.area, duty.phase, duty.hazard_class) from exc
        log_change(
            actor=actor,
            subject=RegisterChange.Subject.DUTY,
            object_id=duty.pk,
            label=_duty_label(duty),
            action=RegisterChange.Action.REACTIVATED,
            changes={"active": [False, True]},
            area=duty.area,
        )
        return duty
