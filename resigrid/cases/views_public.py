"""The resident's pages: report a problem (logged in or anonymous), the duplicate hint, "my
cases", the tracking page with its rating form, and the public status page of a case."""

from __future__ import annotations

import secrets
from typing import Any

import shapely
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.areas.locator import grid_index, locate_point
from resigrid.areas.maps import tile_layers
from resigrid.areas.models import scope_prefixes
from resigrid.cases import intake, reads, services
from resigrid.cases.choices import PhotoStage, RequestKind
from resigrid.cases.forms import NearbyForm, RatingForm, ReportForm
from resigrid.cases.models import Case, CaseLog
from resigrid.cases.views_common import (
    PUBLIC_PHOTO_STAGES,
    action_label,
    client_page,
    grouped_categories,
    photo_groups,
    photo_response,
    rating_label,
    state_label,
    timeline,
)
from resigrid.cases.workflow import State
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.registers.models import Category

SESSION_KEY = "cases_reported"
SENT_KEY = "cases_report_tokens"  # form token → case id, so a resent form files one case
MAX_TOKENS = 20
PAGE_SIZE = 20
# Intake error names → the report form's fields.
_REPORT_FIELDS = {"point": "lon", "crs": "lon", "priority": None, "source": None}


def apply_errors(form: Any, exc: ValidationFailed, names: dict[str, str | None]) -> None:
    """Put a service's field errors on the form (unknown names become form-wide errors)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for field, msgs in errors.items():
        name = names.get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, str(msg))


def _map_bounds(user: Any) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the grids (those in the user's scope, if any)."""
    index = grid_index()
    polygons = index.polygons
    if len(polygons) == 0:
        return None
    prefixes = scope_prefixes(user) if getattr(user, "is_authenticated", False) else None
    if prefixes:
        mask = index.allowed_mask(prefixes)
        if mask is not None and mask.any():
            polygons = polygons[mask]
    west, south, east, north = (float(v) for v in shapely.total_bounds(polygons))
    return [[south, west], [north, east]]


def _report_config(request: HttpRequest) -> dict[str, Any]:
    return {
        "tiles": tile_layers(),
        "bounds": _map_bounds(request.user),
        "labels": {
            "locating": _("Finding your location…"),
            "located": _("Your location is set; drag the pin to correct it."),
            "pinned": _("The place is set; drag the pin to correct it."),
            "denied": _("Your location is not available; tap the map to set the place."),
            "hint": _("Tap the map where the problem is."),
        },
    }


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The resident's report form (anonymous residents leave a contact)."""
    anonymous = not request.user.is_authenticated
    posted = request.method == "POST"
    form = ReportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        categories=grouped_categories(),
        anonymous=anonymous,
    )
    sent: dict[str, int] = request.session.get(SENT_KEY, {})
    token = request.POST.get("token", "") if posted else ""
    if token and token in sent:
        # The same form sent again (a second tap, a browser retry): one case, the first answer.
        request.session[SESSION_KEY] = sent[token]
        return redirect("cases:reported")
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            case = intake.report_case(
                actor=request.user,
                report=intake.Report(
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    contact_email=data.get("contact_email", ""),
                    photos=data["photos"],
                ),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc, _REPORT_FIELDS)
        else:
            request.session[SESSION_KEY] = case.pk
            if token:
                kept = list(sent.items())[-(MAX_TOKENS - 1) :]
                request.session[SENT_KEY] = {**dict(kept), token: case.pk}
            return redirect("cases:reported")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "token": token or secrets.token_urlsafe(16),
        "map_config": _report_config(request),
        "anonymous": anonymous,
        "max_photos": settings.CASE_PHOTO_MAX_COUNT,
    }
    return render(request, "cases/report.html", context, status=status)


@require_GET
def reported(request: HttpRequest) -> HttpResponse:
    """After a report: its number and, for anonymous reporters, the tracking code to keep."""
    pk = request.session.get(SESSION_KEY)
    case = Case.objects.select_related("category", "grid").filter(pk=pk).first() if pk else None
    if case is None:
        return redirect("cases:report")
    return render(request, "cases/reported.html", {"case": case})


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """htmx: which grid the point is in, and open cases of the same category nearby."""
    form = NearbyForm(request.GET)
    context: dict[str, Any] = {"ready": False}
    if form.is_valid():
        data = form.cleaned_data
        context["ready"] = True
        try:
            context["grid"] = locate_point(lon=data["lon"], lat=data["lat"])
        except ValidationFailed as exc:
            context["outside"] = str(exc.message)
        category = Category.objects.leaves().filter(code=data["category"]).first()
        if category is not None and "grid" in context:
            context["duplicates"] = [
                {"case": c, "distance": round(d)}
                for c, d in reads.duplicates_near(
                    category_id=category.pk, lon=data["lon"], lat=data["lat"]
                )
            ]
            context["radius"] = round(settings.CASE_DUPLICATE_RADIUS_M)
    return render(request, "cases/_nearby.html", context)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The logged-in reporter's cases with their state and last public step."""
    latest = CaseLog.objects.filter(case=OuterRef("pk"), public=True).order_by("-at", "-pk")
    qs = (
        Case.objects.filter(reporter_id=request.user.pk)
        .select_related("category", "merged_into")
        .annotate(
            last_action=Subquery(latest.values("action")[:1]),
            last_at=Subquery(latest.values("at")[:1]),
            last_to=Subquery(latest.values("to_state")[:1]),
        )
        .order_by("-reported_at", "-pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(client_page(request))
    rows = []
    for case in page.object_list:
        action, to = getattr(case, "last_action", None) or "", getattr(case, "last_to", "")
        step = state_label(to) if to else action_label(action)
        rows.append({"case": case, "step": step, "step_at": getattr(case, "last_at", None)})
    return render(request, "cases/mine.html", {"rows": rows, "page": page, "query": ""})


def _by_code(code: str) -> Case:
    case = (
        Case.objects.select_related("category", "grid", "lead_unit", "merged_into")
        .filter(tracking_code=code.strip().upper())
        .first()
    )
    if case is None or len(code.strip()) < 8:
        raise Http404(_("No such case."))
    return case


def _track_context(case: Case, form: RatingForm | None) -> dict[str, Any]:
    reopen = case.requests.filter(kind=RequestKind.REOPEN).order_by("-requested_at", "-pk").first()
    rateable = case.state == State.CLOSED
    return {
        "case": case,
        "timeline": timeline(reads.public_timeline(case), with_actor=False),
        "photos": photo_groups(case, PUBLIC_PHOTO_STAGES),
        "rating_form": form or (RatingForm(initial={"expected": case.state}) if rateable else None),
        "rating_label": rating_label(case.rating),
        "reopen": reopen,
        "result_stage": PhotoStage.RESULT.value,
    }


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's view through the tracking code: the public timeline and the rating."""
    case = _by_code(code)
    return render(request, "cases/track.html", _track_context(case, None))


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    case = _by_code(code)
    form = RatingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.rate(
                actor=request.user,
                case_id=case.pk,
                rating=data["rating"],
                resolution=data["resolution"],
                comment=data["comment"],
                tracking_code=case.tracking_code,
                expected=data["expected"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc, {})
        except ConflictError as exc:
            messages.warning(request, moved_on(exc))
            return redirect("cases:track", code=case.tracking_code)
        except (PermissionDeniedError, NotFoundError) as exc:
            raise Http404(str(exc.message)) from exc
        else:
            messages.success(request, _("Thank you: your rating is recorded."))
            return redirect("cases:track", code=case.tracking_code)
    case.refresh_from_db()
    return render(request, "cases/track.html", _track_context(case, form), status=422)


def moved_on(exc: ConflictError) -> str:
    return _(
        "The case moved on while you were looking at it, so the page was reloaded: %(why)s"
    ) % {"why": exc.message}


@require_GET
def track_photo(request: HttpRequest, code: str, photo: int) -> FileResponse:
    case = _by_code(code)
    row = case.photos.filter(pk=photo, stage__in=PUBLIC_PHOTO_STAGES).first()
    if row is None:
        raise Http404(_("No such photo."))
    return photo_response(row)


@require_GET
def public(request: HttpRequest, pk: int) -> HttpResponse:
    """What anyone may know about a case (like Open311's public requests): its number, category,
    state, who handles it and when each step happened. No contact, no notes, no photos."""
    case = (
        Case.objects.select_related("category", "grid", "lead_unit", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404(_("No such case."))
    steps = timeline(reads.public_timeline(case), with_actor=False)
    return render(request, "cases/public.html", {"case": case, "timeline": steps})
