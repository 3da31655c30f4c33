"""The editor's rows, inline with htmx: add, edit (a row turns into its form), delete. An htmx
request gets the section back; a plain form post is redirected to the editor (or, on an error,
gets the editor with that section showing it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from resigrid.core.errors import ConflictError, DomainError, PermissionDeniedError, ValidationFailed
from resigrid.response.plans import parts, sections
from resigrid.response.plans.models import (
    BulletinTemplate,
    CommandRole,
    Plan,
    PlanLevel,
    ResourceNeed,
    TaskTemplate,
)
from resigrid.response.plans.views import editable, editor_context, plan_or_404, require_manager

MODELS: dict[str, Any] = {
    "levels": PlanLevel,
    "roles": CommandRole,
    "tasks": TaskTemplate,
    "needs": ResourceNeed,
    "bulletins": BulletinTemplate,
}


def _section(kind: str) -> sections.Section:
    if kind not in sections.SECTIONS:
        raise Http404
    return sections.SECTIONS[kind]


def _row(plan: Plan, kind: str, row_id: int) -> Any:
    row = MODELS[kind].objects.filter(pk=row_id, plan=plan).first()
    if row is None:
        raise Http404
    return row


def _answer(request: HttpRequest, plan: Plan, kind: str, ok: bool, **state: Any) -> HttpResponse:
    """The section (htmx) or the editor page."""
    ctx = sections.context(plan, kind, editable=editable(request, plan), **state)
    if request.headers.get("HX-Request"):
        return render(request, "plans/_section.html", ctx)
    if ok:
        return redirect(reverse("plans:edit", args=[plan.pk]) + f"#sec-{kind}")
    page = editor_context(request, plan, **{kind: ctx})
    return render(request, "plans/editor.html", page, status=422)


def _write(request: HttpRequest, plan: Plan, kind: str, form: Any, row: Any) -> HttpResponse:
    section = _section(kind)
    if form.is_valid():
        try:
            section.save(
                actor=request.user, plan=plan, row=row, data=section.data(form.cleaned_data)
            )
        except ValidationFailed as exc:
            sections.apply_errors(form, exc, section.rename)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ConflictError as exc:
            return _answer(request, plan, kind, False, error=str(exc.message))
        else:
            return _answer(request, plan, kind, True)
    if row is None:
        return _answer(request, plan, kind, False, add_form=form)
    return _answer(request, plan, kind, False, editing=row.pk, edit_form=form)


@login_required
@require_POST
def part_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    plan = plan_or_404(request, pk)
    section = _section(kind)
    require_manager(request, plan)
    return _write(request, plan, kind, section.form(plan, request.POST, {}), None)


@login_required
@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    section = _section(kind)
    row = _row(plan, kind, row_id)
    require_manager(request, plan)
    if request.method == "POST":
        return _write(request, plan, kind, section.form(plan, request.POST, {}), row)
    form = section.form(plan, None, section.initial(row))
    return _answer(request, plan, kind, False, editing=row.pk, edit_form=form)


@login_required
@require_POST
def part_delete(request: HttpRequest, pk: int, kind: str, row_id: int) -> HttpResponse:
    plan = plan_or_404(request, pk)
    _section(kind)
    row = _row(plan, kind, row_id)
    require_manager(request, plan)
    try:
        parts.delete_part(actor=request.user, part=row)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        return _answer(request, plan, kind, False, error=str(exc.message))
    return _answer(request, plan, kind, True)


@login_required
@require_http_methods(["GET"])
def section_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The section as it is (the Cancel of an inline edit)."""
    plan = plan_or_404(request, pk)
    _section(kind)
    return _answer(request, plan, kind, True)
