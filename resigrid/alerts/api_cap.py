"""CAP 1.2 over the API: an alert as CAP XML, and the import of a CAP document (the raw XML as
the request body, or a multipart `file`). Scoped like the rest of /api/alerts: an alert or area
outside the caller's scope answers 404, importing without ISSUE_ALERTS 403, an invalid document
422 with each schema error (line and column) in `detail`, a closed alert 409. Mounted at
/api/alerts/ by config/api.py beside the alerts router."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from resigrid.alerts.cap import export
from resigrid.alerts.cap.importer import import_cap
from resigrid.alerts.cap.schema import CapInvalid, max_bytes
from resigrid.alerts.models import Alert
from resigrid.alerts.schemas import ConflictOut, ErrorOut
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError, ValidationFailed

CAP_XML = "application/xml"


class CapImportOut(Schema):
    outcome: str  # created, updated, cancelled or duplicate
    duplicate: bool
    alert_id: int
    identifier: str
    sender: str
    sent: str


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _body(request: HttpRequest) -> bytes:
    limit = max_bytes()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        raise CapInvalid(_("The document is larger than %(limit)d bytes.") % {"limit": limit})
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(
                _("Send the CAP document as the body or as the file “file”."),
                field="file",
                errors={"file": [_("This field is required.")]},
            )
        return bytes(upload.read(limit + 1))
    return request.body


router = Router()


@router.get(
    "/{pk}/cap",
    response={404: ErrorOut},
    summary="The alert as CAP 1.2 XML",
    openapi_extra={
        "responses": {
            200: {
                "description": "CAP 1.2 document (validates against the OASIS XSD)",
                "content": {CAP_XML: {"schema": {"type": "string"}}},
            }
        }
    },
)
def alert_cap(request: HttpRequest, pk: int) -> Any:
    alert = Alert.objects.visible_to(_user(request)).filter(pk=pk).first()
    if alert is None:
        raise NotFoundError(_("No such alert."))
    return HttpResponse(export.to_xml(alert), content_type=f"{CAP_XML}; charset=utf-8")


@router.post(
    "/cap",
    response={
        200: CapImportOut,
        201: CapImportOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        422: ErrorOut,
    },
    summary="Import a CAP 1.2 document",
    description=(
        "The CAP document is the request body (`application/xml`) or a multipart file `file`. "
        "A new alert becomes a draft of `area_id` (201); an Update or Cancel of an alert held "
        "here is applied to it (200); a message imported before answers 200 with "
        "`duplicate: true` and writes nothing."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                CAP_XML: {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
def import_alert(request: HttpRequest, area_id: int) -> Any:
    user = _user(request)
    area = Area.objects.visible_to(user).filter(pk=area_id).first()
    if area is None:
        raise NotFoundError(_("No such area."))
    result = import_cap(actor=user, data=_body(request), area=area)
    out = {**result.__dict__, "duplicate": result.duplicate}
    return Status(201 if result.outcome == "created" else 200, out)
