"""Procedures of the institution list and their versions. A version is written once: a revision
adds a new version and makes it current; older versions stay as they were (the history)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.institutions import permissions
from resigrid.response.institutions.models import Procedure, ProcedureKind, ProcedureVersion

MAX_TEXT = 20000


def _clean(text: str, *, field: str, limit: int, required: bool, message: str) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(message, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("The text is too long (at most %(n)d characters).") % {"n": limit}, field=field
        )
    return text


def _version_fields(
    *, text: str, effective_on: dt.date | None, approved_by: str, change_note: str, first: bool
) -> dict[str, Any]:
    if not isinstance(effective_on, dt.date):
        raise ValidationFailed(_("Give the date the version takes effect."), field="effective_on")
    return {
        "text": _clean(
            text,
            field="text",
            limit=MAX_TEXT,
            required=True,
            message=_("Write the text of the procedure."),
        ),
        "effective_on": effective_on,
        "approved_by": _clean(
            approved_by,
            field="approved_by",
            limit=80,
            required=True,
            message=_("Say who approved this version."),
        ),
        "change_note": _clean(
            change_note,
            field="change_note",
            limit=300,
            required=not first,
            message=_("Say what changed in this version."),
        ),
    }


def create_procedure(
    *,
    actor: Any,
    area: Area,
    kind: str,
    title: str,
    text: str,
    effective_on: dt.date | None,
    approved_by: str,
    change_note: str = "",
) -> Procedure:
    """A new procedure with its first version."""
    if not permissions.can_manage(actor, area):
        raise PermissionDeniedError(_("You may not keep the institution list of this area."))
    if kind not in ProcedureKind.values:
        raise ValidationFailed(_("Unknown kind of procedure."), field="kind")
    title = _clean(
        title, field="title", limit=120, required=True, message=_("Give the procedure a title.")
    )
    fields = _version_fields(
        text=text,
        effective_on=effective_on,
        approved_by=approved_by,
        change_note=change_note,
        first=True,
    )
    with transaction.atomic():
        if Procedure.objects.filter(area=area, title=title).exists():
            raise ValidationFailed(
                _("This area already has a procedure with this title."), field="title"
            )
        procedure = Procedure.objects.create(area=area, kind=kind, title=title, created_by=actor)
        version = ProcedureVersion.objects.create(
            procedure=procedure, number=1, created_by=actor, **fields
        )
        procedure.current = version
        procedure.save(update_fields=["current", "updated_at"])
    return procedure


def add_version(
    *,
    actor: Any,
    procedure_id: int,
    text: str,
    effective_on: dt.date | None,
    approved_by: str,
    change_note: str,
    expected_number: int | None = None,
) -> ProcedureVersion:
    """A revision: a new version numbered after the newest, made current. `expected_number` is
    the version the writer revised (a concurrent revision answers a conflict)."""
    fields = _version_fields(
        text=text,
        effective_on=effective_on,
        approved_by=approved_by,
        change_note=change_note,
        first=False,
    )
    with transaction.atomic():
        procedure = (
            Procedure.objects.select_for_update(of=("self",))
            .select_related("area", "current")
            .get(pk=procedure_id)
        )
        if not permissions.can_manage(actor, procedure.area):
            raise PermissionDeniedError(_("You may not keep the institution list of this area."))
        newest = procedure.versions.aggregate(n=Max("number"))["n"] or 0
        if expected_number is not None and expected_number != newest:
            raise ConflictError(
                _("Someone else has revised this procedure (now version %(n)d); reload it.")
                % {"n": newest},
                state=str(newest),
            )
        if (
            procedure.current is not None
            and fields["effective_on"] < procedure.current.effective_on
        ):
            raise ValidationFailed(
                _("A new version cannot take effect before the current one (%(day)s).")
                % {"day": procedure.current.effective_on.isoformat()},
                field="effective_on",
            )
        version = ProcedureVersion.objects.create(
            procedure=procedure, number=newest + 1, created_by=actor, **fields
        )
        procedure.current = version
        procedure.save(update_fields=["current", "updated_at"])
    return version
