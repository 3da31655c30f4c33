"""Registers pages: the category tree with its time limits, the responsibility list of an area,
duty and category editing, and "who would handle this here". Thin views over the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers import listing, reads, rules, services
from resigrid.registers.forms import (
    STAGE_LABELS,
    CategoryForm,
    DeadlinesForm,
    DutyFilterForm,
    DutyForm,
    RouteForm,
)
from resigrid.registers.models import Category, Duty
from resigrid.registers.permissions import (
    can_edit_categories,
    can_edit_duty,
    can_view_duties,
    can_view_registers,
    duty_editor,
)


def _require_view(request: HttpRequest) -> None:
    if not can_view_registers(request.user):
        raise PermissionDenied(_("You may not see the categories and the responsibility list."))


def _require_category_editor(request: HttpRequest) -> None:
    if not can_edit_categories(request.user):
        raise PermissionDenied(_("Only editors of the whole category tree may change categories."))


def _apply_errors(form: Any, exc: ValidationFailed, rename: dict[str, str] | None = None) -> None:
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, msgs in errors.items():
        name = (rename or {}).get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def _category_or_404(code: str) -> Category:
    category = Category.objects.select_related("parent").filter(code=code).first()
    if category is None:
        raise Http404(_("No such category."))
    return category


def _category_choices() -> list[tuple[str, str]]:
    nodes = listing.flatten(listing.category_tree())
    return [
        (n.category.code, "\u3000" * (n.depth - 1) + f"{n.category.code} {n.category.name}")
        for n in nodes
    ]


# Categories ---------------------------------------------------------------------------------


@login_required
@require_GET
def category_tree(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    may_edit = can_edit_categories(request.user)
    nodes = listing.flatten(listing.category_tree(include_inactive=may_edit))
    return render(
        request,
        "registers/category_tree.html",
        {"nodes": nodes, "may_edit": may_edit, "stages": STAGE_LABELS},
    )


def _category_form_page(request: HttpRequest, category: Category | None) -> HttpResponse:
    _require_category_editor(request)
    initial: dict[str, Any] = {}
    if category is not None:
        initial = {
            "code": category.code,
            "name": category.name,
            "kind": category.kind,
            "keywords": category.keywords,
            "description": category.description,
            "sort": category.sort,
        }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        code = d["code"].strip()
        parent_code = rules.parent_code(code) if rules.code_error(code) is None else None
        parent = Category.objects.filter(code=parent_code).first() if parent_code else None
        try:
            if parent_code and parent is None:
                raise services.fail(
                    "code",
                    _("No category has the code %(code)s to hold this one.")
                    % {"code": parent_code},
                )
            fields = {
                "name": d["name"],
                "kind": d["kind"],
                "keywords": d["keywords"],
                "description": d["description"],
                "sort": d["sort"],
            }
            if category is None:
                category = services.create_category(
                    actor=request.user, code=code, parent=parent, **fields
                )
            else:
                category = services.update_category(
                    actor=request.user,
                    category=category,
                    changes={"code": code, "parent": parent, **fields},
                )
        except ValidationFailed as exc:
            _apply_errors(form, exc, {"parent": "code"})
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Category %(c)s saved.") % {"c": str(category)})
            return redirect(reverse("registers:categories") + f"#cat-{category.code}")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "registers/category_form.html",
        {"form": form, "category": category},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_create(request: HttpRequest) -> HttpResponse:
    return _category_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, code: str) -> HttpResponse:
    return _category_form_page(request, _category_or_404(code))


@login_required
@require_POST
def category_active(request: HttpRequest, code: str) -> HttpResponse:
    """Deactivate (`active=0`) or reactivate (`active=1`) a category."""
    _require_category_editor(request)
    category = _category_or_404(code)
    try:
        if request.POST.get("active") == "1":
            services.reactivate_category(actor=request.user, category=category)
            messages.success(request, _("Category %(c)s reactivated.") % {"c": str(category)})
        else:
            services.deactivate_category(actor=request.user, category=category)
            messages.success(request, _("Category %(c)s deactivated.") % {"c": str(category)})
    except ValidationFailed as exc:
        messages.error(request, str(exc.message))
    return redirect(reverse("registers:categories") + f"#cat-{category.code}")


def _hours(value: Decimal | None) -> int:
    return max(1, round((value or Decimal(0)) * 60))


@login_required
@require_http_methods(["GET", "POST"])
def deadlines_edit(request: HttpRequest, code: str) -> HttpResponse:
    _require_category_editor(request)
    category = _category_or_404(code)
    node = listing.category_node(category)
    initial: dict[str, Any] = {}
    for d in node.deadlines:
        initial[f"{d.priority}_own"] = d.own
        for stage in STAGE_LABELS:
            initial[f"{d.priority}_{stage}"] = rules.hours(getattr(d.minutes, stage))
    form = DeadlinesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        limits: dict[str, reads.StageMinutes | None] = {}
        for d in node.deadlines:
            p = d.priority
            limits[p] = (
                reads.StageMinutes(*(_hours(data[f"{p}_{s}"]) for s in STAGE_LABELS))
                if data[f"{p}_own"]
                else None
            )
        try:
            services.set_deadlines(actor=request.user, category=category, limits=limits)
        except ValidationFailed as exc:  # fields named "urgent.accept" → "urgent_accept"
            _apply_errors(form, exc, {f: f.replace(".", "_") for f in exc.errors})
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Time limits of %(c)s saved.") % {"c": str(category)})
            return redirect(reverse("registers:categories") + f"#cat-{category.code}")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "registers/deadlines_form.html",
        {"form": form, "node": node, "category": category},
        status=status,
    )


# The responsibility list --------------------------------------------------------------------


def _list_areas(user: Any) -> list[Area]:
    """Areas whose list a user may open from the filter: their scope above the grids."""
    return list(
        Area.objects.visible_to(user, Perm.VIEW_ORGS).exclude(level=Level.GRID).order_by("code")
    )


def _area_choice(area: Area) -> tuple[str, str]:
    indent = "\u3000" * [Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID].index(
        Level(area.level)
    )
    return area.code, f"{indent}{area.name}"


@login_required
@require_GET
def duty_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = request.user
    areas = _list_areas(user)
    wanted = request.GET.get("area") or (areas[0].code if areas else "")
    area = Area.objects.filter(code=wanted).first() if wanted else None
    if area is not None and not can_view_duties(user, area):
        area = None
    choices = [_area_choice(a) for a in areas]
    if area is not None and area.code not in {c for c, _n in choices}:
        choices.append(_area_choice(area))  # a grid asked for by code
    data = request.GET.copy()
    data.setdefault("area", wanted)
    form = DutyFilterForm(data, areas=choices, categories=_category_choices())
    rows: list[listing.DutyRow] = []
    editable = duty_editor(user)
    if area is not None and form.is_valid():
        d = form.cleaned_data
        category = Category.objects.filter(code=d["category"]).first() if d["category"] else None
        hazard = d["hazard_class"]
        rows = listing.duty_rows(
            area=area,
            category=category,
            hazard_class=hazard if hazard not in ("", "-") else None,
            kind="case" if hazard == "-" or category else ("hazard" if hazard else None),
            phase=d["phase"] or None,
            below_qs=Duty.objects.visible_to(user) if d["below"] else None,
        )
    return render(
        request,
        "registers/duty_list.html",
        {
            "form": form,
            "area": area,
            "rows": rows,
            "may_add": area is not None and can_edit_duty(user, area),
            "editable": {r.duty.pk for r in rows if editable(r.duty.area)},
        },
    )


def _unit_choices(area: Area) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.name}（{u.area.name}）") for u in listing.units_serving(area)]


def _units(ids: list[int]) -> list[Unit]:
    found = {u.pk: u for u in Unit.objects.select_related("area").filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _back_to_list(area: Area) -> str:
    return reverse("registers:duties") + "?" + urlencode({"area": area.code})


@login_required
@require_http_methods(["GET", "POST"])
def duty_create(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area", "")
    area = Area.objects.filter(code=code).first()
    if area is None or not can_view_duties(request.user, area):
        raise Http404(_("No such area."))
    if not can_edit_duty(request.user, area):
        raise PermissionDenied(_("You may not change the responsibility list of this area."))
    form = DutyForm(request.POST or None, categories=_category_choices(), units=_unit_choices(area))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.create_duty(
                actor=request.user,
                category=_category_or_404(d["category"]) if d["category"] else None,
                hazard_class=d["hazard_class"],
                area=area,
                phase=d["phase"],
                lead_unit=_units([d["lead_unit"]])[0],
                support_units=_units(d["support_units"]),
                tasks=d["tasks"],
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Duty saved."))
            return redirect(_back_to_list(area))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "registers/duty_form.html",
        {"form": form, "area": area, "duty": None},
        status=status,
    )


def _duty_or_404(request: HttpRequest, pk: int) -> Duty:
    duty = (
        Duty.objects.visible_to(request.user)
        .select_related("category", "area", "lead_unit")
        .filter(pk=pk)
        .first()
    )
    if duty is None:
        raise Http404(_("No such duty."))
    return duty


@login_required
@require_http_methods(["GET", "POST"])
def duty_edit(request: HttpRequest, pk: int) -> HttpResponse:
    duty = _duty_or_404(request, pk)
    if not can_edit_duty(request.user, duty.area):
        raise PermissionDenied(_("You may not change the responsibility list of this area."))
    initial = {
        "lead_unit": duty.lead_unit_id,
        "support_units": list(duty.support_units.values_list("pk", flat=True)),
        "tasks": duty.tasks,
    }
    form = DutyForm(
        request.POST or None,
        initial=initial,
        categories=[],
        units=_unit_choices(duty.area),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_duty(
                actor=request.user,
                duty=duty,
                changes={
                    "lead_unit": _units([d["lead_unit"]])[0],
                    "support_units": _units(d["support_units"]),
                    "tasks": d["tasks"],
                },
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Duty saved."))
            return redirect(_back_to_list(duty.area))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "registers/duty_form.html",
        {"form": form, "area": duty.area, "duty": duty},
        status=status,
    )


@login_required
@require_POST
def duty_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    duty = _duty_or_404(request, pk)
    try:
        services.deactivate_duty(
            actor=request.user, duty=duty, reason=request.POST.get("reason", "")
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Duty deactivated."))
    return redirect(_back_to_list(duty.area))


# Who would handle it ------------------------------------------------------------------------


@login_required
@require_GET
def route_page(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = RouteForm(request.GET or None, categories=_category_choices())
    explained = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        area = Area.objects.filter(code=d["area"].strip()).first()
        if area is None or not can_view_duties(request.user, area):
            form.add_error("area", _("No area has this code in your scope."))
        else:
            explained = reads.explain(_category_or_404(d["category"]), area, d["phase"])
    return render(request, "registers/route.html", {"form": form, "explained": explained})
