"""Pages of the institution list: procedures with their version history, and the improvement
items (open, overdue, done) with the close action. Shared helpers for the other page modules.
Thin: parse → visible_to → service → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, scope_prefixes
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.institutions import permissions, procedures, reads
from resigrid.response.institutions.forms import ProcedureForm, VersionForm
from resigrid.response.institutions.improvements import close_improvement_item
from resigrid.response.institutions.models import (
    ImprovementItem,
    Procedure,
    ProcedureKind,
)


def require_view(request: HttpRequest) -> None:
    if scope_prefixes(request.user, Perm.VIEW_RESPONSE) == []:
        raise PermissionDenied(_("You may not see the institution list."))


def managed_areas(user: Any) -> list[tuple[int, str]]:
    """Areas (street, community, grid) where the user may keep the institution list."""
    qs = (
        Area.objects.visible_to(user, Perm.MANAGE_INSTITUTIONS)
        .exclude(level=Level.DISTRICT)
        .order_by("code")
    )
    return [(a.pk, a.name) for a in qs[:500]]


def top_areas(areas: list[Area]) -> list[Area]:
    """The areas of the list not below another one of the list."""
    return [a for a in areas if not any(a != b and a.is_within(b) for b in areas)]


def require_manage(request: HttpRequest) -> list[tuple[int, str]]:
    areas = managed_areas(request.user)
    if not areas:
        raise PermissionDenied(_("You may not keep the institution list."))
    return areas


def apply_errors(form: Any, exc: ValidationFailed, names: dict[str, str] | None = None) -> None:
    """A service's field errors on the form (unknown names become form-wide errors)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for name, msgs in errors.items():
        target = (names or {}).get(name, name)
        for msg in msgs:
            form.add_error(target if target in form.fields else None, str(msg))


@login_required
@require_http_methods(["GET"])
def procedure_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    qs = Procedure.objects.visible_to(request.user).select_related("area", "current")
    kind = request.GET.get("kind", "")
    if kind in ProcedureKind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "institutions/procedures.html",
        {
            "procedures": qs[:500],
            "kinds": ProcedureKind.choices,
            "kind": kind,
            "can_manage": bool(managed_areas(request.user)),
            "my_due": reads.due_for(request.user, timezone.localdate()),
            "tab": "procedures",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def procedure_new(request: HttpRequest) -> HttpResponse:
    areas = require_manage(request)
    form = ProcedureForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = Area.objects.get(pk=data.pop("area"))
        try:
            p = procedures.create_procedure(actor=request.user, area=area, **data)
        except (ValidationFailed, PermissionDeniedError) as exc:
            if isinstance(exc, PermissionDeniedError):
                raise PermissionDenied(str(exc.message)) from exc
            apply_errors(form, exc)
        else:
            messages.success(request, _("Procedure saved."))
            return redirect("institutions:procedure", pk=p.pk)
    return render(request, "institutions/procedure_form.html", {"form": form, "tab": "procedures"})


@login_required
@require_http_methods(["GET", "POST"])
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = (
        Procedure.objects.visible_to(request.user)
        .select_related("area", "current")
        .filter(pk=pk)
        .first()
    )
    if p is None:
        raise Http404(_("No such procedure."))

    can_manage = permissions.can_manage(request.user, p.area)
    current = p.current
    initial = {
        "text": current.text if current else "",
        "approved_by": current.approved_by if current else "",
        "expected_number": current.number if current else None,
    }
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("You may not keep the institution list of this area."))
        if form.is_valid():
            try:
                procedures.add_version(actor=request.user, procedure_id=p.pk, **form.cleaned_data)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("New version saved."))
                return redirect("institutions:procedure", pk=p.pk)
    return render(
        request,
        "institutions/procedure_detail.html",
        {
            "procedure": p,
            "versions": p.versions.select_related("created_by"),
            "form": form,
            "can_manage": can_manage,
            "schedules": p.schedules.all(),
            "tab": "procedures",
        },
    )


@login_required
@require_http_methods(["GET"])
def improvement_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    status = request.GET.get("status", "open")
    if status not in (*reads.STATUSES, "all"):
        status = "open"
    qs = reads.improvements(request.user, "" if status == "all" else status)

    today = timezone.localdate()
    may_manage, _may_record = permissions.checker(request.user)
    rows = [
        {
            "item": i,
            "overdue": i.is_overdue(today),
            "can_close": i.state == "open" and may_manage(i.area),
        }
        for i in qs[:500]
    ]
    return render(
        request,
        "institutions/improvements.html",
        {
            "rows": rows,
            "status": status,
            "counts": reads.counts(request.user),
            "tab": "improvements",
        },
    )


@login_required
@require_POST
def improvement_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = ImprovementItem.objects.visible_to(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404(_("No such improvement item."))
    try:
        close_improvement_item(
            actor=request.user,  # type: ignore[arg-type]  # login_required
            item=item,
            done=request.POST.get("done", "1") != "0",
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
    else:
        messages.success(request, _("Improvement item closed."))
    back = request.POST.get("next", "")
    if back.startswith("/response/institutions/"):
        return redirect(back)
    return redirect("institutions:improvements")
