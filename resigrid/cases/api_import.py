"""Batch import of tickets from another system (the 12345 hotline): POST /api/cases/import.

Each item is filed on its own: good items are kept, bad ones answer their errors, and a ticket
number seen before answers the case it already made (so a re-sent batch files nothing twice).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from resigrid.cases import intake
from resigrid.cases.api import caller, router
from resigrid.cases.schemas import ReportIn


class ImportIn(Schema):
    items: list[ReportIn] = Field(..., description="At most 1,000 tickets; external_id required")


class ImportItemOut(Schema):
    index: int
    outcome: str = Field(..., description="created | existing | error")
    id: int | None = None
    number: str | None = None
    errors: dict[str, list[str]] | None = None


class ImportOut(Schema):
    created: int
    existing: int
    failed: int
    items: list[ImportItemOut]


@router.post(
    "/import",
    response={200: ImportOut},
    summary="Import tickets from the hotline or another system (per-item results)",
)
def import_tickets(request: HttpRequest, payload: ImportIn) -> Any:
    result = intake.import_batch(
        actor=caller(request),
        reports=[intake.Report(**item.dict()) for item in payload.items],
    )
    rows = [
        ImportItemOut(index=i, outcome="created", id=c.pk, number=c.number)
        for i, c in result.created
    ]
    rows += [
        ImportItemOut(index=i, outcome="existing", id=c.pk, number=c.number)
        for i, c in result.existing
    ]
    rows += [ImportItemOut(index=i, outcome="error", errors=e) for i, e in result.errors]
    return ImportOut(
        created=len(result.created),
        existing=len(result.existing),
        failed=len(result.errors),
        items=sorted(rows, key=lambda r: r.index),
    )
