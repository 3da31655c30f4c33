"""Orgs pages: the Party organisation tree, members, units and a unit's detail. Thin views."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.core.errors import PermissionDeniedError
from resigrid.orgs import reads, units
from resigrid.orgs.forms import MemberFilterForm, UnitFilterForm, yes_no
from resigrid.orgs.models import PartyOrg, Unit


def _require_view(request: HttpRequest) -> None:
    if scope_prefixes(request.user, Perm.VIEW_ORGS) == []:
        raise PermissionDenied(_("You may not see Party organisations and units."))


def ledger_area(user: Any, perm: Perm) -> str:
    """The widest area of the user's scope: what the ledger links export by default."""
    top = Area.objects.visible_to(user, perm).order_by("code").values_list("code", flat=True)
    return top.first() or ""


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def org_tree(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    return render(request, "orgs/org_tree.html", {"roots": reads.org_tree(request.user)})


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    orgs = [(o.pk, o.name) for o in PartyOrg.objects.visible_to(request.user).order_by("name")]
    form = MemberFilterForm(request.GET or None, orgs=orgs)
    page = None
    if not request.GET or form.is_valid():
        data: dict[str, Any] = form.cleaned_data if request.GET else {}
        qs = reads.members_for(
            request.user,
            org_id=data.get("org") or None,
            in_service=yes_no(data.get("in_service", "")),
            status=data.get("status") or None,
            q=data.get("q", ""),
        )
        page = Paginator(qs, reads.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [reads.member_out(m) for m in page.object_list] if page else []
    return render(
        request,
        "orgs/member_list.html",
        {"form": form, "rows": rows, "page": page, "query": _query(request)},
    )


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = UnitFilterForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        data: dict[str, Any] = form.cleaned_data if request.GET else {}
        qs = reads.units_for(
            request.user,
            kind=data.get("kind") or None,
            specialty=data.get("specialty") or None,
            co_building=yes_no(data.get("co_building", "")),
            q=data.get("q", ""),
        )
        page = Paginator(qs, reads.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [reads.unit_out(request.user, u) for u in page.object_list] if page else []
    return render(
        request,
        "orgs/unit_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "query": _query(request),
            "ledger_area": ledger_area(request.user, Perm.VIEW_ORGS),
            "ledger_kinds": [
                ("units", _("Units ledger")),
                ("commitments", _("Commitments ledger")),
            ],
        },
    )


def _unit_or_404(request: HttpRequest, pk: int) -> Unit:
    unit = Unit.objects.visible_to(request.user).select_related("area").filter(pk=pk).first()
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


@login_required
@require_GET
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit_or_404(request, pk)
    contacts = units.contact_rows(actor=request.user, unit=unit)
    detail = reads.unit_detail(request.user, unit, contacts)
    return render(request, "orgs/unit_detail.html", {"unit": detail})


@login_required
@require_POST
def unit_contacts_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The logged "show phones" action; answers the contacts partial (htmx) or the page."""
    unit = _unit_or_404(request, pk)
    try:
        contacts = units.contact_rows(actor=request.user, unit=unit, unmask=True, request=request)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    detail = reads.unit_detail(request.user, unit, contacts)
    template = (
        "orgs/_contacts.html" if request.headers.get("HX-Request") else "orgs/unit_detail.html"
    )
    return render(request, template, {"unit": detail})
