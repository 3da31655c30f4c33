"""Writes to emergency plans: the plan itself, deactivation and revision (a new version).

Keyword-only, permission-checked (MANAGE_PLANS on the plan's area), atomic. A plan version an
incident has activated is frozen: what that incident activated must not change under it, so
editing it raises ConflictError and `revise_plan` copies it to version + 1 (deactivating the
old one, which the incident keeps pointing at). The parts of a plan (levels, roles, tasks,
needs, bulletin templates) are written by `resigrid.response.plans.parts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, PermissionDeniedError
from resigrid.registers.audit import clean_text, fail
from resigrid.registers.choices import HazardClass
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from resigrid.response.plans.permissions import can_manage_plans

PLAN_FIELDS = frozenset({"title", "hazard_subtype", "summary"})


def require_manager(actor: Any, area: Area) -> None:
    if not can_manage_plans(actor, area):
        raise PermissionDeniedError(
            _("You may not write the emergency plans of %(area)s.") % {"area": area.name}
        )


def in_use(plan: Plan) -> bool:
    """An incident has activated this version."""
    return Plan.objects.filter(pk=plan.pk, incidents__isnull=False).exists()


def lock_for_edit(actor: Any, plan: Plan) -> Plan:
    """The plan row locked for a change of it or its parts; refuses inactive and used versions.
    Call inside a transaction."""
    require_manager(actor, plan.area)
    locked = Plan.objects.select_for_update(of=("self",)).select_related("area").get(pk=plan.pk)
    if not locked.active:
        raise ConflictError(
            _("Version %(version)d of this plan is no longer active; edit the current version.")
            % {"version": locked.version},
            state="inactive",
        )
    if in_use(locked):
        raise ConflictError(
            _(
                "An incident has activated version %(version)d of this plan; revise the plan "
                "to change it (the incident keeps what it activated)."
            )
            % {"version": locked.version},
            state="in_use",
        )
    return locked


def touch(plan: Plan) -> None:
    plan.save(update_fields=["updated_at"])


def _clean_hazard(value: str) -> str:
    if value not in HazardClass.values:
        raise fail("hazard_class", _("Unknown hazard class: %(value)s.") % {"value": value})
    return value


def create_plan(
    *,
    actor: Any,
    title: str,
    hazard_class: str,
    area: Area,
    hazard_subtype: str = "",
    summary: str = "",
) -> Plan:
    require_manager(actor, area)
    title = clean_text("title", title, 120, required=True)
    hazard_class = _clean_hazard(hazard_class)
    hazard_subtype = clean_text("hazard_subtype", hazard_subtype, 60)
    summary = clean_text("summary", summary, 4000)
    with transaction.atomic():
        clash = Plan.objects.active().filter(area=area, hazard_class=hazard_class, title=title)
        if clash.exists():
            raise fail(
                "title",
                _("%(area)s already has an active plan called “%(title)s”.")
                % {"area": area.name, "title": title},
            )
        return Plan.objects.create(
            title=title,
            hazard_class=hazard_class,
            hazard_subtype=hazard_subtype,
            area=area,
            summary=summary,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def update_plan(*, actor: Any, plan: Plan, changes: Mapping[str, Any]) -> Plan:
    """Title, subtype and summary. Hazard class and area are the plan's key: make a new plan."""
    unknown = set(changes) - PLAN_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("This field cannot be changed; make a new plan."))
    with transaction.atomic():
        plan = lock_for_edit(actor, plan)
        if "title" in changes:
            title = clean_text("title", changes["title"], 120, required=True)
            clash = (
                Plan.objects.active()
                .filter(area=plan.area, hazard_class=plan.hazard_class, title=title)
                .exclude(pk=plan.pk)
            )
            if clash.exists():
                raise fail(
                    "title",
                    _("%(area)s already has an active plan called “%(title)s”.")
                    % {"area": plan.area.name, "title": title},
                )
            plan.title = title
        if "hazard_subtype" in changes:
            plan.hazard_subtype = clean_text("hazard_subtype", changes["hazard_subtype"], 60)
        if "summary" in changes:
            plan.summary = clean_text("summary", changes["summary"], 4000)
        plan.save()
        return plan


def deactivate_plan(*, actor: Any, plan: Plan) -> Plan:
    require_manager(actor, plan.area)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if plan.active:
            plan.active = False
            plan.save(update_fields=["active", "updated_at"])
        return plan


def revise_plan(*, actor: Any, plan: Plan) -> Plan:
    """Copy the active version of the plan, with all its parts, to version + 1 and deactivate
    the old one. Incidents keep their link to the version they activated."""
    require_manager(actor, plan.area)
    with transaction.atomic():
        old = Plan.objects.select_for_update(of=("self",)).select_related("area").get(pk=plan.pk)
        if not old.active:
            raise ConflictError(
                _("Version %(version)d of this plan is no longer active; revise the current one.")
                % {"version": old.version},
                state="inactive",
            )
        old.active = False
        old.save(update_fields=["active", "updated_at"])
        new = Plan.objects.create(
            title=old.title,
            hazard_class=old.hazard_class,
            hazard_subtype=old.hazard_subtype,
            area=old.area,
            summary=old.summary,
            version=old.version + 1,
            revised_from=old,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _copy_parts(old, new)
        return new


def _copy_parts(old: Plan, new: Plan) -> None:
    PlanLevel.objects.bulk_create(
        PlanLevel(
            plan=new,
            level=r.level,
            criteria=r.criteria,
            alert_level=r.alert_level,
            trigger_value=r.trigger_value,
            trigger_unit=r.trigger_unit,
        )
        for r in old.levels.all()
    )
    CommandRole.objects.bulk_create(
        CommandRole(
            plan=new,
            level=r.level,
            code=r.code,
            name=r.name,
            duties=r.duties,
            unit_id=r.unit_id,
            sort=r.sort,
        )
        for r in old.roles.order_by("pk")
    )
    TaskTemplate.objects.bulk_create(
        TaskTemplate(
            plan=new,
            level=t.level,
            title=t.title,
            detail=t.detail,
            phase=t.phase,
            duty_id=t.duty_id,
            owner_unit_id=t.owner_unit_id,
            due_offset_minutes=t.due_offset_minutes,
            sort=t.sort,
        )
        for t in old.task_templates.order_by("pk")
    )
    ResourceNeed.objects.bulk_create(
        ResourceNeed(
            plan=new,
            item_id=n.item_id,
            per_thousand=n.per_thousand,
            level_factors=dict(n.level_factors or {}),
            note=n.note,
        )
        for n in old.needs.order_by("pk")
    )
    BulletinTemplate.objects.bulk_create(
        BulletinTemplate(plan=new, level=b.level, title=b.title, body=b.body, sort=b.sort)
        for b in old.bulletin_templates.order_by("pk")
    )
