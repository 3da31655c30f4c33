"""Plan pages: the list by hazard class, a new plan, the plan editor (one page, a section per
part, rows added/edited/deleted inline with htmx: views_parts), revise, deactivate, and the
read-only preview of what activation at a level gives. Thin views over services and reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.plans import reads, sections, services
from resigrid.response.plans.forms import PlanEditForm, PlanFilterForm, PlanForm
from resigrid.response.plans.models import Plan
from resigrid.response.plans.permissions import (
    can_manage_plans,
    may_manage_plans_somewhere,
    plan_manager,
)


def plan_or_404(request: HttpRequest, pk: int) -> Plan:
    used = Exists(Plan.objects.filter(pk=OuterRef("pk"), incidents__isnull=False))
    plan = (
        Plan.objects.visible_to(request.user)
        .select_related("area", "revised_from")
        .annotate(used=used)
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


def editable(request: HttpRequest, plan: Plan) -> bool:
    """The user may write this plan, and this version may still change."""
    used = bool(getattr(plan, "used", False))
    return plan.active and not used and can_manage_plans(request.user, plan.area)


def require_manager(request: HttpRequest, plan: Plan) -> None:
    if not can_manage_plans(request.user, plan.area):
        raise PermissionDenied(_("You may not write the emergency plans of this area."))


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    qs = Plan.objects.visible_to(request.user).select_related("area").prefetch_related("levels")
    form = PlanFilterForm(request.GET or None)
    hazard, inactive = "", False
    if form.is_valid():
        hazard, inactive = form.cleaned_data["hazard_class"], form.cleaned_data["inactive"]
    if hazard:
        qs = qs.filter(hazard_class=hazard)
    if not inactive:
        qs = qs.filter(active=True)
    groups: dict[str, list[Plan]] = {}
    for plan in qs.order_by("hazard_class", "area__code", "title", "-version"):
        groups.setdefault(plan.hazard_class, []).append(plan)
    manager = plan_manager(request.user)
    return render(
        request,
        "plans/list.html",
        {
            "form": form,
            "groups": [(HazardClass(k).label, v) for k, v in groups.items()],
            "editable_ids": {p.pk for v in groups.values() for p in v if manager(p.area)},
            "may_add": may_manage_plans_somewhere(request.user),
        },
    )


def _area_choices(user: Any) -> list[tuple[str, str]]:
    areas = Area.objects.visible_to(user, Perm.MANAGE_PLANS).exclude(level=Level.GRID)
    return [(a.code, a.name) for a in areas.order_by("code")]


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    if not may_manage_plans_somewhere(request.user):
        raise PermissionDenied(_("You may not write emergency plans."))
    form = PlanForm(request.POST or None, areas=_area_choices(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.create_plan(
                actor=request.user,
                title=d["title"],
                hazard_class=d["hazard_class"],
                area=Area.objects.get(code=d["area"]),
                hazard_subtype=d["hazard_subtype"],
                summary=d["summary"],
            )
        except ValidationFailed as exc:
            sections.apply_errors(form, exc, {})
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Plan created. Add its levels, roles and tasks."))
            return redirect("plans:edit", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "plans/form.html", {"form": form}, status=status)


def editor_context(request: HttpRequest, plan: Plan, **override: Any) -> dict[str, Any]:
    """The editor page: every section, with `override` = {kind: section context} for one
    section shown in a particular state (a row being edited, a form with errors)."""
    can_edit = editable(request, plan)
    got = reads.plan_parts(plan)
    return {
        "plan": plan,
        "parts": got,
        "can_edit": can_edit,
        "may_revise": plan.active and can_manage_plans(request.user, plan.area),
        "in_use": bool(getattr(plan, "used", False)),
        "sections": [
            override.get(kind) or sections.context(plan, kind, editable=can_edit, got=got)
            for kind in sections.SECTIONS
        ],
        "levels": ResponseLevel.choices,
        "plan_form": override.get("plan_form")
        or PlanEditForm(
            initial={
                "title": plan.title,
                "hazard_subtype": plan.hazard_subtype,
                "summary": plan.summary,
            }
        ),
        "versions": Plan.objects.filter(
            area=plan.area, hazard_class=plan.hazard_class, title=plan.title
        ).order_by("-version"),
    }


@login_required
@require_GET
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    return render(request, "plans/editor.html", editor_context(request, plan))


@login_required
@require_POST
def plan_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Title, subtype and summary of the plan (the editor's header form)."""
    plan = plan_or_404(request, pk)
    require_manager(request, plan)
    form = PlanEditForm(request.POST)
    if form.is_valid():
        try:
            services.update_plan(actor=request.user, plan=plan, changes=form.cleaned_data)
        except ValidationFailed as exc:
            sections.apply_errors(form, exc, {})
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("plans:edit", pk=plan.pk)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plans:edit", pk=plan.pk)
    page = editor_context(request, plan, plan_form=form)
    page["open_plan_form"] = True
    return render(request, "plans/editor.html", page, status=422)


@login_required
@require_POST
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    require_manager(request, plan)
    try:
        new = services.revise_plan(actor=request.user, plan=plan)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("plans:edit", pk=plan.pk)
    messages.success(
        request,
        _("Version %(version)d created; the earlier one is kept.") % {"version": new.version},
    )
    return redirect("plans:edit", pk=new.pk)


@login_required
@require_POST
def plan_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    require_manager(request, plan)
    services.deactivate_plan(actor=request.user, plan=plan)
    messages.success(request, _("Plan deactivated."))
    return redirect(reverse("plans:list"))


def _due(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"+{hours}:{rest:02d}"


@login_required
@require_GET
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    level = request.GET.get("level") or ResponseLevel.I
    view = reads.preview(plan, level)
    got = view.activation
    ctx = {
        "plan": plan,
        "preview": view,
        "tasks": [
            {"spec": t, "owner": view.units.get(t.owner_unit_id), "due": _due(t.due_offset_minutes)}
            for t in (got.tasks if got else ())
        ],
        "roles": [
            {"spec": r, "unit": view.units.get(r.unit_id) if r.unit_id else None}
            for r in (got.roles if got else ())
        ],
        "needs": [
            {"spec": n, "item": view.items.get(n.item_id)} for n in (got.needs if got else ())
        ],
        "levels": ResponseLevel.choices,
    }
    template = "plans/_preview.html" if request.headers.get("HX-Request") else "plans/preview.html"
    return render(request, template, ctx)
