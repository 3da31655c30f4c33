"""Pages of the risk register: list with filters, new / edit with a live rating preview (htmx),
detail with reviews, controls and the escalate / review / close actions, the overdue reviews,
the risk map and the Excel export. Thin: reads and services do the work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.areas.maps import tile_layers
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.registers.choices import HazardClass
from resigrid.registers.models import Category
from resigrid.response.risk_rules import Band
from resigrid.response.risks import escalation, export, rating, reads, services
from resigrid.response.risks.forms import (
    SUBTYPES,
    ControlForm,
    EscalateForm,
    NoteForm,
    RatingForm,
    ReviewForm,
    RiskForm,
)
from resigrid.response.risks.models import (
    BAND_COLOURS,
    BandChoice,
    ControlState,
    RiskControl,
    RiskPoint,
    RiskStatus,
)
from resigrid.response.risks.permissions import can_manage, manages_somewhere


def _guard(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from None
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from None


def _risk(request: HttpRequest, pk: int) -> RiskPoint:
    """404 for a risk outside the user's view (an outsider included)."""
    risk: RiskPoint = _guard(reads.risk_for, request.user, pk)
    return risk


def _filters(request: HttpRequest) -> reads.Filters:
    area = request.GET.get("area", "")
    return reads.Filters(
        band=request.GET.get("band", ""),
        hazard_class=request.GET.get("hazard_class", ""),
        status=request.GET.get("status", ""),
        area_id=int(area) if area.isdigit() else None,
        overdue=request.GET.get("overdue") == "1",
        q=request.GET.get("q", ""),
    )


@login_required
@require_GET
def risk_list(request: HttpRequest) -> HttpResponse:
    _guard(reads.require_view, request.user)
    f = _filters(request)
    qs = reads.filtered(request.user, f)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return render(
        request,
        "risks/list.html",
        {
            "page": page,
            "filters": f,
            "query": query,
            "bands": BandChoice.choices,
            "hazards": HazardClass.choices,
            "statuses": RiskStatus.choices,
            "areas": reads.areas_for(request.user),
            "counts": reads.counts_by_band(reads.filtered(request.user, reads.Filters())),
            "overdue_count": len(reads.overdue(request.user)),
            "can_create": manages_somewhere(request.user),
            "today": reads.today(),
        },
    )


def _apply_errors(form: Any, exc: ValidationFailed) -> None:
    for field, problems in (exc.errors or {exc.field or "__all__": [str(exc.message)]}).items():
        name = field.removesuffix("_id")
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, str(problem))


def _details(data: dict[str, Any]) -> services.Details:
    return services.Details(
        name=data.get("name"),
        hazard_class=data.get("hazard_class"),
        subtype=data.get("subtype") or "",
        description=data.get("description") or "",
        location=data.get("location") or "",
        lon=data.get("lon") or None,
        lat=data.get("lat") or None,
        building=data.get("building"),
        responsible_unit=data.get("responsible_unit"),
        responsible_person=data.get("responsible_person") or "",
    )


def _form_page(request: HttpRequest, form: RiskForm, risk: RiskPoint | None) -> HttpResponse:
    return render(
        request,
        "risks/form.html",
        {"form": form, "risk": risk, "subtypes": SUBTYPES, "rating_fields": form.RATING_FIELDS},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    if not manages_somewhere(request.user):
        raise PermissionDenied(_("You may not keep the risk register."))
    initial: dict[str, Any] = {}
    if area := request.GET.get("area", ""):
        initial["area"] = area
    form = RiskForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            risk = services.create_risk(
                actor=request.user,
                area=data["area"],
                details=_details(data),
                factors=rating.Factors(**form.factors()),
                note=data.get("note") or "",
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except (PermissionDeniedError, NotFoundError) as exc:
            raise PermissionDenied(str(exc.message)) from None
        else:
            messages.success(request, _("Risk point “%(name)s” added.") % {"name": risk.name})
            return redirect("risks:detail", pk=risk.pk)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk(request, pk)
    if not can_manage(request.user, risk.area):
        raise PermissionDenied(_("You may not keep the risk register of this area."))
    initial = {name: getattr(risk, name) for name in RiskForm.base_fields if hasattr(risk, name)}
    for name in ("lec_l", "lec_e", "lec_c", "residual_lec_l", "residual_lec_e", "residual_lec_c"):
        value = getattr(risk, name)
        initial[name] = f"{value.normalize():f}" if value is not None else ""
    form = RiskForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = _details(data)
        if details.lon is None and details.lat is None:
            details.lon = details.lat = ""
        try:
            services.update_risk(
                actor=request.user,
                risk_id=risk.pk,
                details=details,
                factors=rating.Factors(**form.factors()),
                note=data.get("note") or "",
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        except ConflictError as exc:
            messages.error(request, str(exc.message))
            return redirect("risks:detail", pk=risk.pk)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from None
        else:
            messages.success(request, _("Risk point saved."))
            return redirect("risks:detail", pk=risk.pk)
    return _form_page(request, form, risk)


@login_required
@require_GET
def rating_preview(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the rating fields: R or D, the band, or what is missing."""
    _guard(reads.require_view, request.user)
    form = RatingForm(request.GET)
    context: dict[str, Any] = {}
    if form.is_valid():
        try:
            rated = rating.rate(rating.Factors(**form.factors()))
        except ValidationFailed as exc:
            context["error"] = str(exc.message)
            context["error_field"] = exc.field
        else:
            context["rated"] = rated
            context["colour"] = BAND_COLOURS[rated.band]
            context["band_label"] = BandChoice(rated.band).label
            if rated.residual_band:
                context["residual_colour"] = BAND_COLOURS[rated.residual_band]
                context["residual_label"] = BandChoice(rated.residual_band).label
            context["due_months"] = rating.cadence().months(Band(rated.current_band))
    else:
        context["error"] = _("Choose the rating factors.")
    return render(request, "risks/_rating.html", context)


def _categories() -> list[tuple[str, str]]:
    return list(
        Category.objects.active().leaves().order_by("sort", "code").values_list("code", "name")
    )


@login_required
@require_GET
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk(request, pk)
    manage = can_manage(request.user, risk.area)
    today = reads.today()
    context: dict[str, Any] = {
        "risk": risk,
        "can_manage": manage,
        "reviews": risk.reviews.select_related("reviewer"),
        "controls": risk.controls.all(),
        "log": risk.log.select_related("actor")[:50],
        "overdue_days": max(0, (today - risk.next_review_due).days) if risk.is_active else 0,
        "control_states": ControlState.choices,
        "position": reads.position(risk),
        "tiles": tile_layers(),
    }
    if manage and risk.is_active:
        context["review_form"] = ReviewForm(
            initial={
                name: (
                    f"{getattr(risk, name).normalize():f}"
                    if name.startswith(("lec", "residual_lec")) and getattr(risk, name)
                    else getattr(risk, name)
                )
                for name in RatingForm.RATING_FIELDS
            }
        )
        context["control_form"] = ControlForm()
        if risk.escalated_case_id is None:
            context["escalate_form"] = EscalateForm(categories=_categories())
        context["close_form"] = NoteForm()
    return render(request, "risks/detail.html", context)


def _action(request: HttpRequest, pk: int, fn: Any, success: str) -> HttpResponse:
    _risk(request, pk)
    try:
        fn()
    except ValidationFailed as exc:
        field = exc.field or ""
        messages.error(request, f"{exc.message!s}" + (f" ({field})" if field else ""))
    except ConflictError as exc:
        messages.error(request, str(exc.message))
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from None
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from None
    else:
        messages.success(request, success)
    return redirect("risks:detail", pk=pk)


@login_required
@require_POST
def risk_review(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _risk(request, pk)
        messages.error(request, _("Write what the review found."))
        return redirect("risks:detail", pk=pk)
    controlled = {"yes": True, "no": False}.get(form.cleaned_data.get("controlled") or "")
    return _action(
        request,
        pk,
        lambda: services.review_risk(
            actor=request.user,
            risk_id=pk,
            factors=rating.Factors(**form.factors()),
            note=form.cleaned_data["note"],
            controlled=controlled,
        ),
        _("Review recorded."),
    )


@login_required
@require_POST
def risk_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    form = EscalateForm(request.POST, categories=_categories())
    if not form.is_valid():
        _risk(request, pk)
        messages.error(request, _("Write why the risk cannot be resolved locally."))
        return redirect("risks:detail", pk=pk)
    url = request.build_absolute_uri(reverse("risks:detail", args=[pk]))
    return _action(
        request,
        pk,
        lambda: escalation.escalate(
            actor=request.user,
            risk_id=pk,
            note=form.cleaned_data["note"],
            category=form.cleaned_data.get("category") or "",
            case_url=url,
        ),
        _("Escalated: a case was opened upward."),
    )


@login_required
@require_POST
def risk_close(request: HttpRequest, pk: int) -> HttpResponse:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _action(
        request,
        pk,
        lambda: services.close_risk(actor=request.user, risk_id=pk, note=note),
        _("Risk point closed."),
    )


@login_required
@require_POST
def control_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = ControlForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return _action(
        request,
        pk,
        lambda: services.add_control(
            actor=request.user,
            risk_id=pk,
            measure=data.get("measure") or request.POST.get("measure", ""),
            owner=data.get("owner") or "",
            state=data.get("state") or request.POST.get("state", ""),
        ),
        _("Control measure added."),
    )


@login_required
@require_POST
def control_state(request: HttpRequest, pk: int) -> HttpResponse:
    control = RiskControl.objects.filter(pk=pk).first()
    if control is None:
        raise Http404
    return _action(
        request,
        control.risk_id,
        lambda: services.set_control_state(
            actor=request.user, control_id=pk, state=request.POST.get("state", "")
        ),
        _("Control measure updated."),
    )


@login_required
@require_GET
def overdue_list(request: HttpRequest) -> HttpResponse:
    _guard(reads.require_view, request.user)
    return render(
        request, "risks/overdue.html", {"rows": reads.overdue(request.user), "today": reads.today()}
    )


@login_required
@require_GET
def risk_map(request: HttpRequest) -> HttpResponse:
    _guard(reads.require_view, request.user)
    api = reverse("api:api-root")
    config = {
        "gridsUrl": api + "areas/grids/geojson",
        "pointsUrl": api + "response/risks/geojson",
        "detailUrl": reverse("risks:detail", args=[0]).replace("/0/", "/{id}/"),
        "tiles": tile_layers(),
        "labels": {
            "legend": _("Risk level"),
            "bands": {k: str(v) for k, v in BandChoice.choices},
            "open": _("Open the risk point"),
            "score": _("Risk value"),
            "due": _("Next review due"),
            "overdue": _("Review overdue"),
            "empty": _("There are no risk points in your scope."),
            "error": _("The map layers could not be loaded."),
            "count": _("Points shown: %(count)s"),
        },
    }
    return render(request, "risks/map.html", {"map_config": config})


@login_required
@require_GET
def risk_export(request: HttpRequest) -> HttpResponse:
    _guard(reads.require_view, request.user)
    rows = reads.filtered(request.user, _filters(request)).prefetch_related("controls")
    response = HttpResponse(
        export.workbook(rows, reads.today()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="risk-register.xlsx"'
    return response
