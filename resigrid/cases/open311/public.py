"""What Open311 shows: services from the category tree, their definition, the discovery file, and
the public view of a case as a GeoReport service request.

GeoReport is public (no key to read), so a request carries only public fields: never the
reporter, their contact data, internal log notes or the tracking code. Rejected requests are
listed as closed with the reason in status_notes (like FixMyStreet), but their description and
photo are withheld: the community did not take their content on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.cases.choices import PhotoStage
from resigrid.cases.models import Case, CaseLog, CasePhoto
from resigrid.cases.workflow import State
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DESCRIPTION_MAX = 4000  # the spec's limit for description

OPEN_STATES = frozenset(
    {
        State.REPORTED,
        State.ACCEPTED,
        State.REGISTERED,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.HANDLED,
        State.VERIFIED,
    }
)
CLOSED_STATES = frozenset({State.CLOSED, State.RATED, State.REJECTED, State.MERGED})
# Public log rows whose note explains the status (the staff's words: acceptance, the reason for
# a rejection, the dispatch, the result, the closing, a merge, a reopening). The reporter's own
# rating comment is theirs, not a status note.
NOTE_ACTIONS = ("accept", "reject", "dispatch", "handle", "close", "merge", "reopen")
_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")


def status_of(state: str) -> str:
    return "open" if state in OPEN_STATES else "closed"


def w3(value: dt.datetime) -> str:
    """ISO 8601 with the local offset, e.g. 2026-11-02T17:00:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds")


# --- services ---


def service_categories() -> list[Category]:
    return list(Category.objects.leaves().order_by("code"))


def _roots() -> Callable[[Category], Category]:
    by_pk = {c.pk: c for c in Category.objects.all()}

    def root(category: Category) -> Category:
        node = category
        for _step in range(20):  # the tree is shallow; the bound only guards bad data
            if node.parent_id is None or node.parent_id not in by_pk:
                break
            node = by_pk[node.parent_id]
        return node

    return root


def keywords(raw: str) -> str:
    return ",".join(k for k in _KEYWORD_SPLIT.split(raw) if k)


def services() -> list[dict[str, Any]]:
    root = _roots()
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or c.name,
            # Every service takes the optional `priority` attribute (see service_definition).
            "metadata": True,
            "type": "realtime",
            "keywords": keywords(c.keywords),
            "group": root(c).name,
        }
        for c in service_categories()
    ]


def service(code: str) -> Category | None:
    return Category.objects.leaves().filter(code=code).first()


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "priority",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("One of the keys below; “normal” when not sent."),
                "order": 1,
                "description": _("How urgent is the problem?"),
                "values": [{"key": p.value, "name": str(p.label)} for p in Priority],
            }
        ],
    }


def changeset() -> str:
    """Changes when a category (a service or its definition) changes."""
    latest = Category.objects.aggregate(latest=Max("updated_at"))["latest"]
    return w3(latest) if latest else ""


def discovery(*, url: str, contact: str, key_service: str, production: bool) -> dict[str, Any]:
    stamp = changeset()
    return {
        "changeset": stamp,
        "contact": contact,
        "key_service": key_service,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": stamp,
                "type": "production" if production else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


# --- service requests ---


def requests() -> QuerySet[Case]:
    """Cases with what their public view needs: the last public change, the last status note
    and the first report photo, each as a subquery (no query per case)."""
    public_log = CaseLog.objects.filter(case=OuterRef("pk"), public=True).order_by("-at", "-pk")
    notes = public_log.filter(action__in=NOTE_ACTIONS).exclude(note="")
    photos = CasePhoto.objects.filter(case=OuterRef("pk"), stage=PhotoStage.REPORT).order_by(
        "created_at", "pk"
    )
    return Case.objects.select_related("category", "lead_unit", "grid__parent").annotate(
        public_changed_at=Subquery(public_log.values("at")[:1]),
        public_note=Subquery(notes.values("note")[:1]),
        report_photo=Subquery(photos.values("file")[:1]),
    )


def _description(case: Case) -> str:
    text = case.description
    if not text.startswith(case.title):
        text = f"{case.title}: {text}"
    return text[:DESCRIPTION_MAX]


def _updated(case: Any) -> dt.datetime:
    if case.state in (State.CLOSED, State.RATED) and case.closed_at:
        return case.closed_at  # type: ignore[no-any-return]
    return case.public_changed_at or case.reported_at  # type: ignore[no-any-return]


def _agency(case: Case) -> str:
    if case.lead_unit is not None:
        return case.lead_unit.name
    # Not dispatched yet: the community of the grid decides what happens.
    community = case.grid.parent
    return community.name if community is not None else ""


def request_item(case: Any, media_url: Callable[[str], str]) -> dict[str, Any]:
    """One case as a GeoReport request, fields in the spec's order. `case` comes from
    requests(); `media_url` turns a stored file name into an absolute URL."""
    withheld = case.state == State.REJECTED
    is_open = case.state in OPEN_STATES
    return {
        "service_request_id": str(case.pk),
        "status": status_of(case.state),
        "status_notes": case.public_note or "",
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if withheld else _description(case),
        "agency_responsible": _agency(case),
        "requested_datetime": w3(case.reported_at),
        "updated_datetime": w3(_updated(case)),
        "expected_datetime": w3(case.handle_due) if is_open and case.handle_due else "",
        "address": case.address,
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url(case.report_photo) if case.report_photo and not withheld else "",
    }
