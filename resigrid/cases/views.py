"""Case pages for staff and units: the work queues, the map of open cases (with its GeoJSON) and
the photos. The detail page and its moves are in views_detail, the resident's pages in
views_public."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from resigrid.accounts.roles import Perm
from resigrid.areas.maps import tile_layers
from resigrid.areas.models import Area
from resigrid.cases import reads
from resigrid.cases.forms import QueueFilterForm
from resigrid.cases.models import Case, CaseRequest
from resigrid.cases.views_common import (
    PUBLIC_PHOTO_STAGES,
    client_page,
    is_overdue,
    is_staff_viewer,
    photo_response,
    staff_scope,
    state_label,
)
from resigrid.cases.views_detail import act, case_or_404, detail
from resigrid.cases.views_public import (
    mine,
    nearby,
    public,
    rate,
    report,
    reported,
    track,
    track_photo,
)
from resigrid.registers.models import Category

__all__ = [
    "act",
    "case_map",
    "case_photo",
    "detail",
    "map_geojson",
    "mine",
    "nearby",
    "public",
    "queues",
    "rate",
    "report",
    "reported",
    "track",
    "track_photo",
]

PAGE_SIZE = 25
MAP_LIMIT = 2000
TABS = {
    "accept": gettext_lazy("To accept"),
    "dispatch": gettext_lazy("To dispatch"),
    "handle": gettext_lazy("To handle"),
    "verify": gettext_lazy("To verify"),
    "overdue": gettext_lazy("Overdue"),
    "requests": gettext_lazy("Requests"),
    "whistles": gettext_lazy("Whistles"),
}


def tabs_for(user: Any) -> list[str]:
    """The queues a user works: managers accept, dispatch and decide requests; unit accounts
    handle and answer whistles; verifiers verify; everyone who sees cases watches the overdue."""
    scope = staff_scope(user)
    wanted = {
        "accept": scope["manage"],
        "dispatch": scope["manage"],
        "handle": scope["unit"],
        "verify": scope["verify"],
        "overdue": scope["view"] or scope["unit"],
        "requests": scope["manage"],
        "whistles": scope["unit"],
    }
    return [name for name in TABS if wanted[name]]


def category_filter_choices() -> list[tuple[str, str]]:
    """Every active category, top-level ones first in their group (filters match subtrees)."""
    rows = Category.objects.active().order_by("code").values_list("code", "name", "parent_id")
    return [(code, f"{'— ' if parent else ''}{code} {name}") for code, name, parent in rows]


def queue(user: Any, name: str, now: Any) -> QuerySet[Case]:
    """reads.queue, where "requests" keeps only cases that have an undecided request (the
    plain isnull filter across the reverse relation also matches cases without any)."""
    qs: QuerySet[Case] = reads.queue(user, name, now)
    if name == "requests":
        qs = qs.filter(pk__in=CaseRequest.objects.filter(approved__isnull=True).values("case_id"))
    return qs


def _filtered(qs: QuerySet[Case], grid: str, category: str) -> QuerySet[Case]:
    if grid:
        qs = qs.filter(grid__code=grid)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__code__startswith=f"{category}."))
    return qs


@login_required
@require_GET
def queues(request: HttpRequest) -> HttpResponse:
    """The staff work queues, one tab each, with counts; htmx swaps the list in place."""
    user = request.user
    tabs = tabs_for(user)
    if not tabs:
        raise PermissionDenied(_("You have no case queues."))
    name = request.GET.get("tab", "")
    if name not in tabs:
        name = tabs[0]
    grids: list[tuple[str, str]] = []
    if staff_scope(user)["view"]:
        grids = [
            (a.code, a.name)
            for a in Area.objects.visible_to(user, Perm.VIEW_CASES).grids().order_by("code")[:500]
        ]
    form = QueueFilterForm(request.GET, grids=grids, categories=category_filter_choices())
    grid = category = ""
    if form.is_valid():
        grid = form.cleaned_data.get("grid") or ""
        category = form.cleaned_data.get("category") or ""
    now = timezone.now()
    counts = {t: _filtered(queue(user, t, now), grid, category).count() for t in tabs}
    page = Paginator(_filtered(queue(user, name, now), grid, category), PAGE_SIZE).get_page(
        client_page(request)
    )
    rows = [{"case": c, "overdue": is_overdue(c, now)} for c in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query["tab"] = name
    filters = request.GET.copy()
    for key in ("page", "tab"):
        filters.pop(key, None)
    context = {
        "tabs": [{"name": t, "label": TABS[t], "count": counts[t]} for t in tabs],
        "tab": name,
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "filters": filters.urlencode(),
    }
    template = "cases/_queue.html" if getattr(request, "htmx", False) else "cases/queues.html"
    return render(request, template, context)


def _require_map(request: HttpRequest) -> None:
    scope = staff_scope(request.user)
    if not (scope["view"] or scope["unit"]):
        raise PermissionDenied(_("You may not see the map of cases."))


@login_required
@require_GET
def case_map(request: HttpRequest) -> HttpResponse:
    _require_map(request)
    config = {
        "geojsonUrl": reverse("cases:map_geojson"),
        "detailUrl": reverse("cases:detail", args=[0]).replace("/0/", "/{id}/"),
        "tiles": tile_layers(),
        "labels": {
            "open": _("Open the case"),
            "overdue": _("Overdue"),
            "onTime": _("On time"),
            "legend": _("Open cases"),
            "empty": _("There are no open cases in your scope."),
            "error": _("The cases could not be loaded."),
            # %(shown)s and %(total)s are replaced in the script.
            "count": _("Open cases shown: %(shown)s"),
            "truncated": _(
                "Showing the %(shown)s most urgent of %(total)s open cases (overdue first); "
                "use the queues for the rest."
            ),
        },
    }
    return render(request, "cases/map.html", {"map_config": config})


@login_required
@require_GET
def map_geojson(request: HttpRequest) -> JsonResponse:
    """Open cases in the user's view as GeoJSON points, overdue first, at most MAP_LIMIT."""
    _require_map(request)
    now = timezone.now()
    qs = Case.objects.visible_to(request.user).open()
    total = qs.count()
    late = Q(suspended_at__isnull=True, stage_due__lt=now)
    rows = (
        qs.annotate(
            late=models.Case(
                models.When(late, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )
        .order_by("-late", "stage_due", "pk")
        .values("pk", "title", "lon", "lat", "state", "category__name", "stage_due", "late")[
            :MAP_LIMIT
        ]
    )
    features = []
    for row in rows:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {
                    "id": row["pk"],
                    "number": f"AJ{row['pk']:08d}",
                    "title": row["title"],
                    "category": row["category__name"],
                    "state": row["state"],
                    "state_label": state_label(row["state"]),
                    "stage_due": row["stage_due"].isoformat() if row["stage_due"] else None,
                    "overdue": bool(row["late"]),
                },
            }
        )
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": total,
            "shown": len(features),
            "limit": MAP_LIMIT,
        }
    )


@login_required
@require_GET
def case_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    case = case_or_404(request, pk)
    photos = case.photos.filter(pk=photo)
    if not is_staff_viewer(request.user, case):
        photos = photos.filter(stage__in=PUBLIC_PHOTO_STAGES)
    row = photos.first()
    if row is None:
        raise Http404(_("No such photo."))
    return photo_response(row)
