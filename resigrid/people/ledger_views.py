"""Ledger pages: template download, import (dry-run preview, then apply), masked export.

The previewed upload is kept in a private temporary file named by a random token held in the
session, so that "apply" imports exactly the file that was previewed.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError, PermissionDeniedError
from resigrid.core.ledger import LedgerSpec, build_template
from resigrid.people import ledgers

KINDS: dict[str, tuple[LedgerSpec, Any, Any]] = {
    "persons": (ledgers.PERSONS, ledgers.import_persons, ledgers.export_persons),
    "volunteers": (ledgers.VOLUNTEERS, ledgers.import_volunteers, ledgers.export_volunteers),
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_DIR = Path(tempfile.gettempdir()) / "resigrid-ledger-uploads"


def _kind(kind: str) -> tuple[LedgerSpec, Any, Any]:
    if kind not in KINDS:
        raise Http404(_("No such ledger."))
    return KINDS[kind]


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=_XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def template(request: HttpRequest, kind: str) -> HttpResponse:
    spec, _imp, _exp = _kind(kind)
    return _xlsx(build_template(spec), f"{kind}-template.xlsx")


@login_required
@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponse:
    _spec, _imp, exporter = _kind(kind)
    area = (
        Area.objects.visible_to(request.user, Perm.VIEW_PEOPLE)
        .filter(code=request.GET.get("area", ""))
        .first()
    )
    if area is None:
        raise Http404(_("No such area."))
    try:
        data = exporter(actor=request.user, area=area, request=request)
    except PermissionDeniedError as exc:
        return HttpResponse(str(exc.message), status=403)
    return _xlsx(data, f"{kind}-{area.code}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    spec, importer, _exp = _kind(kind)
    context: dict[str, Any] = {"kind": kind, "spec": spec, "grid": request.POST.get("grid", "")}
    if request.method == "POST":
        grid = (
            Area.objects.visible_to(request.user, Perm.VIEW_PEOPLE)
            .grids()
            .filter(code=request.POST.get("grid", ""))
            .first()
        )
        token = request.POST.get("token", "")
        try:
            if grid is None:
                raise DomainError(_("No grid has this code in your scope."), field="grid")
            if token:
                path = _stored(request, token, kind, grid.code)
                report = importer(
                    actor=request.user, grid=grid, file=path.read_bytes(), dry_run=False
                )
                path.unlink(missing_ok=True)
            else:
                upload = request.FILES.get("file")
                if upload is None:
                    raise DomainError(_("Choose an Excel file."), field="file")
                data = upload.read()
                report = importer(actor=request.user, grid=grid, file=data, dry_run=True)
                if report.ok:
                    context["token"] = _store(request, data, kind, grid.code)
            context["report"] = report
        except PermissionDeniedError as exc:
            return HttpResponse(str(exc.message), status=403)
        except DomainError as exc:
            context["error"] = str(exc.message)
    return render(request, "people/ledger_import.html", context)


def _store(request: HttpRequest, data: bytes, kind: str, grid: str) -> str:
    _UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_urlsafe(16)
    (_UPLOAD_DIR / f"{token}.xlsx").write_bytes(data)
    request.session["people_ledger_upload"] = {"token": token, "kind": kind, "grid": grid}
    return token


def _stored(request: HttpRequest, token: str, kind: str, grid: str) -> Path:
    saved = request.session.pop("people_ledger_upload", None)
    path = _UPLOAD_DIR / f"{token}.xlsx"
    if saved != {"token": token, "kind": kind, "grid": grid} or not path.exists():
        raise DomainError(_("The previewed file has expired: upload it again."), field="file")
    return path
