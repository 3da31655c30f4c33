"""Ledger pages shared by the registries: template download, import (dry-run preview, then
apply) and export of the user's scope, for any table of ledger kinds.

The previewed upload is kept in a private temporary file named by a random token held in the
session, so that "apply" imports exactly the file that was previewed.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
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

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_DIR = Path(tempfile.gettempdir()) / "resigrid-ledger-uploads"


@dataclass(frozen=True)
class Ledger:
    spec: LedgerSpec
    importer: Callable[..., Any] | None
    exporter: Callable[..., bytes]


class LedgerPages:
    """The three ledger views of one app. `area_field` names the keyword the importer takes and
    the form field ("area", or "grid" with `grids_only` for ledgers kept per grid)."""

    def __init__(
        self,
        namespace: str,
        perm: Perm,
        kinds: dict[str, Ledger],
        *,
        template_name: str,
        area_field: str = "area",
        grids_only: bool = False,
    ) -> None:
        self.namespace = namespace
        self.perm = perm
        self.kinds = kinds
        self.template_name = template_name
        self.area_field = area_field
        self.grids_only = grids_only
        self.template = login_required(require_GET(self._template))
        self.export = login_required(require_GET(self._export))
        self.import_page = login_required(require_http_methods(["GET", "POST"])(self._import))

    def _kind(self, kind: str) -> Ledger:
        if kind not in self.kinds:
            raise Http404(_("No such ledger."))
        return self.kinds[kind]

    def _area(self, request: HttpRequest, code: str) -> Area | None:
        areas = Area.objects.visible_to(request.user, self.perm)
        if self.grids_only:
            areas = areas.grids()
        return areas.filter(code=code).first()

    def _template(self, request: HttpRequest, kind: str) -> HttpResponse:
        return _xlsx(build_template(self._kind(kind).spec), f"{kind}-template.xlsx")

    def _export(self, request: HttpRequest, kind: str) -> HttpResponse:
        ledger = self._kind(kind)
        area = self._area(request, request.GET.get("area", ""))
        if area is None:
            raise Http404(_("No such area."))
        try:
            data = ledger.exporter(actor=request.user, area=area, request=request)
        except PermissionDeniedError as exc:
            return HttpResponse(str(exc.message), status=403)
        return _xlsx(data, f"{kind}-{area.code}.xlsx")

    def _import(self, request: HttpRequest, kind: str) -> HttpResponse:
        ledger = self._kind(kind)
        if ledger.importer is None:
            raise Http404(_("This ledger is export only."))
        field = self.area_field
        code = request.POST.get(field, request.GET.get(field, ""))
        context: dict[str, Any] = {
            "kind": kind,
            "spec": ledger.spec,
            field: code,
            "namespace": self.namespace,
        }
        if request.method == "POST":
            area = self._area(request, code)
            token = request.POST.get("token", "")
            try:
                if area is None:
                    missing = (
                        _("No grid has this code in your scope.")
                        if self.grids_only
                        else _("No area has this code in your scope.")
                    )
                    raise DomainError(missing, field=field)
                if token:
                    path = _stored(request, token, kind, area.code)
                    report = ledger.importer(
                        actor=request.user, file=path.read_bytes(), dry_run=False, **{field: area}
                    )
                    path.unlink(missing_ok=True)
                else:
                    upload = request.FILES.get("file")
                    if upload is None:
                        raise DomainError(_("Choose an Excel file."), field="file")
                    data = upload.read()
                    report = ledger.importer(
                        actor=request.user, file=data, dry_run=True, **{field: area}
                    )
                    if report.ok:
                        context["token"] = _store(request, data, kind, area.code)
                context["report"] = report
            except PermissionDeniedError as exc:
                return HttpResponse(str(exc.message), status=403)
            except DomainError as exc:
                context["error"] = str(exc.message)
        return render(request, self.template_name, context)


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=_XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _store(request: HttpRequest, data: bytes, kind: str, area: str) -> str:
    _UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_urlsafe(16)
    (_UPLOAD_DIR / f"{token}.xlsx").write_bytes(data)
    request.session["registry_ledger_upload"] = {"token": token, "kind": kind, "area": area}
    return token


def _stored(request: HttpRequest, token: str, kind: str, area: str) -> Path:
    saved = request.session.pop("registry_ledger_upload", None)
    path = _UPLOAD_DIR / f"{token}.xlsx"
    if saved != {"token": token, "kind": kind, "area": area} or not path.exists():
        raise DomainError(_("The previewed file has expired: upload it again."), field="file")
    return path
