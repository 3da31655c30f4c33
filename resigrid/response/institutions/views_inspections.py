"""Pages of inspection schedules: the list (overdue first), a new schedule with its checklist,
the detail with past inspections, the phone form to record an inspection (each finding opens a
case) and the inspection with the case numbers it opened."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.registers.models import Category
from resigrid.response.institutions import inspections, permissions, rules
from resigrid.response.institutions.drills import people_of, units_of
from resigrid.response.institutions.forms import ScheduleForm
from resigrid.response.institutions.models import (
    Answer,
    Inspection,
    InspectionSchedule,
    Procedure,
)
from resigrid.response.institutions.views import (
    apply_errors,
    require_manage,
    require_view,
    top_areas,
)


def _schedule_or_404(request: HttpRequest, pk: int) -> InspectionSchedule:
    s = (
        InspectionSchedule.objects.visible_to(request.user)
        .select_related("area", "procedure", "responsible_unit", "responsible_user")
        .filter(pk=pk)
        .first()
    )
    if s is None:
        raise Http404(_("No such inspection schedule."))
    return s


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} {c.name}") for c in Category.objects.leaves().order_by("code")]


@login_required
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    today = timezone.localdate()
    qs = InspectionSchedule.objects.visible_to(request.user).select_related(
        "area", "responsible_unit", "responsible_user"
    )
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        qs = qs.overdue(today)
    _may_manage, may_record = permissions.checker(request.user)
    rows: list[dict[str, Any]] = [
        {
            "s": s,
            "overdue": s.is_overdue(today),
            "days": rules.days_overdue(s.next_due, today),
            "can_record": s.active and may_record(s),
        }
        for s in qs[:500]
    ]
    rows.sort(key=lambda r: (not r["overdue"], r["s"].next_due))
    return render(
        request,
        "institutions/schedules.html",
        {
            "rows": rows,
            "only_overdue": only_overdue,
            "overdue_count": sum(1 for r in rows if r["overdue"]),
            "can_manage": permissions.managed_anywhere(request.user),
            "tab": "schedules",
        },
    )


def _schedule_form(request: HttpRequest, areas: list[tuple[int, str]]) -> ScheduleForm:
    scoped = list(Area.objects.filter(pk__in=[pk for pk, _n in areas]))
    codes = [a.code for a in scoped]
    users: dict[int, str] = {}
    units: dict[int, str] = {}
    for area in top_areas(scoped)[:20]:
        for u in User.objects.filter(people_of(area)).order_by("full_name")[:300]:
            users[u.pk] = u.full_name or u.username
        for unit in Unit.objects.filter(units_of(area)).order_by("name")[:300]:
            units[unit.pk] = unit.name
    procs = Procedure.objects.visible_to(request.user).filter(area__code__in=codes)
    return ScheduleForm(
        request.POST or None,
        areas=areas,
        procedures=[(p.pk, p.title) for p in procs[:300]],
        users=sorted(users.items(), key=lambda kv: kv[1]),
        units=sorted(units.items(), key=lambda kv: kv[1]),
        categories=category_choices(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_new(request: HttpRequest) -> HttpResponse:
    areas = require_manage(request)
    form = _schedule_form(request, areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        lines = [line.strip() for line in d["questions"].splitlines() if line.strip()]
        try:
            s = inspections.create_schedule(
                actor=request.user,
                area=Area.objects.get(pk=d["area"]),
                title=d["title"],
                place=d["place"],
                cadence=d["cadence"],
                every_days=d["every_days"],
                next_due=d["next_due"],
                items=[inspections.ItemSpec(q, d["category"] or "") for q in lines],
                procedure=Procedure.objects.filter(pk=d["procedure"]).first()
                if d["procedure"]
                else None,
                responsible_user=User.objects.filter(pk=d["responsible_user"]).first()
                if d["responsible_user"]
                else None,
                responsible_unit=Unit.objects.filter(pk=d["responsible_unit"]).first()
                if d["responsible_unit"]
                else None,
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc, {"items": "questions", "lon": "place"})
        else:
            messages.success(request, _("Inspection schedule saved."))
            return redirect("institutions:schedule", pk=s.pk)
    return render(request, "institutions/schedule_form.html", {"form": form, "tab": "schedules"})


@login_required
@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    s = _schedule_or_404(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "institutions/schedule_detail.html",
        {
            "s": s,
            "items": s.items.select_related("category"),
            "inspections": s.inspections.select_related("inspector")[:50],
            "overdue": s.is_overdue(today),
            "can_record": s.active and permissions.can_record(request.user, s),
            "can_manage": permissions.can_manage(request.user, s.area),
            "tab": "schedules",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone form: one card per checklist item (OK / finding / n.a., a note, the category)."""
    s = _schedule_or_404(request, pk)
    if not permissions.can_record(request.user, s):
        raise PermissionDenied(_("You may not record inspections of this schedule."))
    items = list(s.items.select_related("category"))
    values: dict[int, dict[str, str]] = {
        i.pk: {"result": "", "note": "", "category": i.category.code if i.category else ""}
        for i in items
    }
    errors: dict[str, list[str]] = {}
    key = uuid.uuid4().hex
    note = ""
    if request.method == "POST":
        key = request.POST.get("key", "")[:64]
        note = request.POST.get("note", "")
        answers: dict[int, inspections.AnswerSpec] = {}
        for i in items:
            v = {
                "result": request.POST.get(f"r{i.pk}", ""),
                "note": request.POST.get(f"n{i.pk}", ""),
                "category": request.POST.get(f"c{i.pk}", ""),
            }
            values[i.pk] = v
            if v["result"]:
                answers[i.pk] = inspections.AnswerSpec(v["result"], v["note"], v["category"])
        try:
            inspection, new = inspections.record_inspection(
                actor=request.user, schedule_id=s.pk, answers=answers, note=note, key=key
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            errors = exc.errors or {exc.field or "": [str(exc.message)]}
        else:
            opened = inspection.answers.exclude(case=None).count()
            if not new:
                messages.info(request, _("This inspection was already recorded."))
            elif opened:
                messages.success(
                    request,
                    _("Inspection recorded; %(n)d case(s) opened for the findings.")
                    % {"n": opened},
                )
            else:
                messages.success(request, _("Inspection recorded; nothing found."))
            return redirect("institutions:inspection", pk=inspection.pk)
    cards: list[dict[str, Any]] = [
        {"item": i, "v": values[i.pk], "errors": errors.get(f"answers.{i.pk}", [])} for i in items
    ]
    general = [m for k, ms in errors.items() if not k.startswith("answers.") for m in ms]
    return render(
        request,
        "institutions/record.html",
        {
            "s": s,
            "cards": cards,
            "results": Answer.choices,
            "categories": category_choices(),
            "key": key,
            "note": note,
            "general_errors": general,
            "tab": "schedules",
        },
    )


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    i = (
        Inspection.objects.visible_to(request.user)
        .select_related("schedule", "schedule__area", "inspector")
        .filter(pk=pk)
        .first()
    )
    if i is None:
        raise Http404(_("No such inspection."))
    return render(
        request,
        "institutions/inspection.html",
        {
            "i": i,
            "answers": i.answers.select_related("item", "case"),
            "tab": "schedules",
        },
    )
