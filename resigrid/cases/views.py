"""Case pages: thin views over reads and services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resigrid.cases import reads
from resigrid.cases.models import Case


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = Case.objects.visible_to(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such case."))
    return render(request, "cases/case_detail.html", {"case": case, "log": case.log.all()})


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    case = Case.objects.filter(tracking_code=code.upper()).first()
    if case is None:
        raise Http404(_("No such case."))
    return render(
        request, "cases/track.html", {"case": case, "timeline": reads.public_timeline(case)}
    )
