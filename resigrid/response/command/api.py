"""API of the command post: the situation report of an incident as JSON (the same structure as
the PDF and the Excel workbook). Wired at /api/response/command/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from resigrid.core.errors import NotFoundError
from resigrid.response.command import sitrep
from resigrid.response.incidents import services
from resigrid.response.incidents.models import Incident

router = Router()


class ErrorOut(Schema):
    detail: Any


class SectionOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str


class SitrepOut(Schema):
    incident: int
    title: str
    generated_at: str = Field(..., description="ISO 8601")
    sections: list[SectionOut]


@router.get(
    "/{pk}/sitrep",
    response={200: SitrepOut, 404: ErrorOut},
    summary="Situation report of an incident (generated now; the download is logged)",
)
def sitrep_json(request: HttpRequest, pk: int) -> Any:
    user = getattr(request, "auth", None) or request.user
    incident = Incident.objects.visible_to(user).filter(pk=pk).select_related("area").first()
    if incident is None:
        raise NotFoundError(_("No such incident."))
    report = sitrep.build(incident)
    services.log_sitrep(actor=user, incident=incident, fmt="json")
    return report.as_dict()
