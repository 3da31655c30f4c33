"""Pages of drills and trainings: the list, a new drill with its participants, and the detail
with the evaluation and the lessons, each lesson an improvement item with owner and due date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.models import User
from resigrid.areas.models import Area
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions import drills, permissions, reads
from resigrid.response.institutions.drills import people_of, units_of
from resigrid.response.institutions.forms import ASPECTS, DrillForm, EvaluationForm, LessonForm
from resigrid.response.institutions.models import Drill, DrillKind
from resigrid.response.institutions.views import (
    apply_errors,
    managed_areas,
    require_manage,
    require_view,
    top_areas,
)
from resigrid.response.plans.models import Plan


def _drill_or_404(request: HttpRequest, pk: int) -> Drill:
    d = (
        Drill.objects.visible_to(request.user)
        .select_related("area", "plan", "created_by")
        .filter(pk=pk)
        .first()
    )
    if d is None:
        raise Http404(_("No such drill."))
    return d


@login_required
@require_GET
def drill_list(request: HttpRequest) -> HttpResponse:
    require_view(request)
    qs = Drill.objects.visible_to(request.user).select_related("area", "plan")
    kind = request.GET.get("kind", "")
    if kind in DrillKind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "institutions/drills.html",
        {
            "drills": qs[:300],
            "kind": kind,
            "kinds": DrillKind.choices,
            "can_manage": bool(managed_areas(request.user)),
            "tab": "drills",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def drill_new(request: HttpRequest) -> HttpResponse:
    areas = require_manage(request)
    top = top_areas(list(Area.objects.filter(pk__in=[pk for pk, _n in areas])))
    users: dict[int, str] = {}
    units: dict[int, str] = {}
    for area in top[:20]:
        for u in User.objects.filter(people_of(area)).order_by("full_name")[:300]:
            users[u.pk] = u.full_name or u.username
        for unit in Unit.objects.filter(units_of(area)).order_by("name")[:300]:
            units[unit.pk] = unit.name
    plans = Plan.objects.visible_to(request.user).active()[:200]
    form = DrillForm(
        request.POST or None,
        areas=areas,
        plans=[(p.pk, str(p)) for p in plans],
        users=sorted(users.items(), key=lambda kv: kv[1]),
        units=sorted(units.items(), key=lambda kv: kv[1]),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            drill = drills.create_drill(
                actor=request.user,
                kind=d["kind"],
                area=Area.objects.get(pk=d["area"]),
                title=d["title"],
                starts_at=d["starts_at"],
                plan=Plan.objects.filter(pk=d["plan"]).first() if d["plan"] else None,
                scenario=d["scenario"],
                place=d["place"],
                head_count=d["head_count"],
                participant_users=list(User.objects.filter(pk__in=d["participant_users"])),
                participant_units=list(Unit.objects.filter(pk__in=d["participant_units"])),
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Drill saved."))
            return redirect("institutions:drill", pk=drill.pk)
    return render(request, "institutions/drill_form.html", {"form": form, "tab": "drills"})


def _detail(
    request: HttpRequest,
    drill: Drill,
    *,
    evaluation: EvaluationForm | None = None,
    lesson: LessonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    users, units = reads.owner_choices(drill)
    if evaluation is None:
        initial: dict[str, object] = {"evaluation": drill.evaluation}
        scores = {s.aspect: s.score for s in drill.scores.all()}
        for i, aspect in enumerate(ASPECTS):
            if str(aspect) in scores:
                initial[f"score_{i}"] = str(scores[str(aspect)])
        evaluation = EvaluationForm(initial=initial)
    if lesson is None:
        lesson = LessonForm(
            users=[(u.pk, u.full_name or u.username) for u in users[:300]],
            units=[(u.pk, u.name) for u in units[:300]],
        )
    today = timezone.localdate()
    return render(
        request,
        "institutions/drill_detail.html",
        {
            "d": drill,
            "users": drill.participant_users.order_by("full_name"),
            "units": drill.participant_units.order_by("name"),
            "scores": drill.scores.all(),
            "lessons": [(i, i.is_overdue(today)) for i in reads.lessons_of(drill)],
            "can_manage": permissions.can_manage(request.user, drill.area),
            "started": drill.starts_at <= timezone.now(),
            "evaluation_form": evaluation,
            "lesson_form": lesson,
            "tab": "drills",
        },
        status=status,
    )


@login_required
@require_GET
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _drill_or_404(request, pk))


@login_required
@require_POST
def drill_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(request, pk)
    if not permissions.can_manage(request.user, drill.area):
        raise PermissionDenied(_("You may not keep the institution list of this area."))
    form = EvaluationForm(request.POST)
    if form.is_valid():
        scores = [
            drills.ScoreSpec(str(aspect), int(form.cleaned_data[f"score_{i}"]))
            for i, aspect in enumerate(ASPECTS)
            if form.cleaned_data[f"score_{i}"]
        ]
        try:
            drills.evaluate_drill(
                actor=request.user,
                drill_id=drill.pk,
                scores=scores,
                evaluation=form.cleaned_data["evaluation"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Evaluation saved."))
            return redirect("institutions:drill", pk=drill.pk)
    return _detail(request, drill, evaluation=form, status=422)


@login_required
@require_POST
def drill_lesson(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill_or_404(request, pk)
    if not permissions.can_manage(request.user, drill.area):
        raise PermissionDenied(_("You may not keep the institution list of this area."))
    users, units = reads.owner_choices(drill)
    form = LessonForm(
        request.POST,
        users=[(u.pk, u.full_name or u.username) for u in users[:300]],
        units=[(u.pk, u.name) for u in units[:300]],
    )
    if form.is_valid():
        d = form.cleaned_data
        try:
            drills.add_lessons(
                actor=request.user,
                drill_id=drill.pk,
                lessons=[
                    drills.LessonSpec(
                        title=d["title"],
                        due_date=d["due_date"],
                        owner_user=User.objects.filter(pk=d["owner_user"]).first()
                        if d["owner_user"]
                        else None,
                        owner_unit=Unit.objects.filter(pk=d["owner_unit"]).first()
                        if d["owner_unit"]
                        else None,
                        detail=d["detail"],
                    )
                ],
            )
        except ValidationFailed as exc:
            apply_errors(
                form,
                exc,
                {
                    "lessons.0.title": "title",
                    "lessons.0.owner": "owner_user",
                    "lessons.0.due_date": "due_date",
                    "lessons.0.detail": "detail",
                },
            )
        else:
            messages.success(request, _("Lesson added as an improvement item."))
            return redirect("institutions:drill", pk=drill.pk)
    return _detail(request, drill, lesson=form, status=422)
