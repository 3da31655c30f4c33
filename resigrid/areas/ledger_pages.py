"""Ledger pages shared by the registries: template download, import (dry-run preview, then
apply) and export of the user's scope, for any table of ledger kinds.

The previewed upload is kept in a private temporary file named by a random token held in the
session together with the file's SHA-256, so that "apply" imports exactly the file that was
previewed. Next to it the preview keeps the parsed rows (resigrid.core.ledger.preview, sealed and
bound to that SHA-256), so that apply checks the rows against the database again but does not
parse the workbook a second time; when they are missing or stale, apply parses the file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
import time
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
from resigrid.core.ledger import LedgerSpec, LedgerUpload, build_template, keep, restore

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_DIR = Path(tempfile.gettempdir()) / "resigrid-ledger-uploads"
_SESSION_KEY = "registry_ledger_upload"
# A preview that was never applied is removed when a later preview finds it this old.
_MAX_AGE_SECONDS = 24 * 3600


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
                    previewed = _stored(request, token, kind, area.code)
                    try:
                        report = ledger.importer(
                            actor=request.user, file=previewed, dry_run=False, **{field: area}
                        )
                    finally:
                        _discard(token)
                else:
                    upload = request.FILES.get("file")
                    if upload is None:
                        raise DomainError(_("Choose an Excel file."), field="file")
                    data = LedgerUpload(upload.read())
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


def _paths(token: str) -> tuple[Path, Path]:
    """The stored upload and its kept parse."""
    return _UPLOAD_DIR / f"{token}.xlsx", _UPLOAD_DIR / f"{token}.parsed"


def _discard(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


def _sweep() -> None:
    """Remove previews nobody applied (older than a day)."""
    cutoff = time.time() - _MAX_AGE_SECONDS
    for path in _UPLOAD_DIR.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _store(request: HttpRequest, upload: LedgerUpload, kind: str, area: str) -> str:
    _UPLOAD_DIR.mkdir(mode=0o700, exist_ok=True)
    _sweep()
    earlier = request.session.get(_SESSION_KEY)
    if isinstance(earlier, dict) and isinstance(earlier.get("token"), str):
        _discard(earlier["token"])  # a new preview replaces the one not applied
    token = secrets.token_urlsafe(16)
    xlsx, parsed = _paths(token)
    _write_private(xlsx, upload.data)
    keep(upload, parsed)
    request.session[_SESSION_KEY] = {
        "token": token,
        "kind": kind,
        "area": area,
        "sha256": upload.sha256,
    }
    return token


def _stored(request: HttpRequest, token: str, kind: str, area: str) -> LedgerUpload:
    """The previewed upload, with its kept parse when that is intact; refused when the token,
    ledger or area differ from the preview's or the stored bytes are not the previewed ones."""
    saved: dict[str, Any] = request.session.pop(_SESSION_KEY, None) or {}
    xlsx, parsed = _paths(token)
    expired = DomainError(_("The previewed file has expired: upload it again."), field="file")
    if (saved.get("token"), saved.get("kind"), saved.get("area")) != (token, kind, area):
        raise expired
    try:
        data = xlsx.read_bytes()
    except OSError:
        raise expired from None
    if hashlib.sha256(data).hexdigest() != saved.get("sha256"):
        _discard(token)
        raise expired
    return restore(parsed, data)
