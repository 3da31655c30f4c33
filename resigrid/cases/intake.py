"""New cases: from residents (logged in or anonymous), grid workers, the hotline, sensors,
higher levels and inspections."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.areas.locator import locate_point
from resigrid.areas.permissions import covers
from resigrid.cases import clocks, feedback
from resigrid.cases.choices import PhotoStage, Source
from resigrid.cases.models import Case, CaseLog
from resigrid.cases.photos import CheckedPhoto
from resigrid.cases.services import attach_photos, log
from resigrid.cases.workflow import Stage
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.notify.services import collected
from resigrid.registers import snapshot
from resigrid.registers.choices import Priority
from resigrid.registers.models import Category

# Sources only staff of the grid may use; residents and Open311 clients file as themselves.
STAFF_SOURCES = frozenset(
    {Source.PATROL, Source.HOTLINE, Source.SENSOR, Source.ASSIGNED, Source.INSPECTION}
)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass
class Report:
    category: str  # category code (also the Open311 service_code)
    title: str
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    priority: str = Priority.NORMAL
    address: str = ""
    source: str = Source.RESIDENT
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    external_id: str = ""
    photos: Sequence[CheckedPhoto] = field(default_factory=list)


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))


def _check(
    actor: Any, report: Report, *, system: bool = False
) -> tuple[dict[str, list[str]], Category | None]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    # From the routing snapshot (a code it does not know makes it look again at once).
    category = snapshot.leaf(report.category) if isinstance(report.category, str) else None
    if category is None:
        fail("category", _("Unknown case category %(code)s.") % {"code": repr(report.category)})
    if report.priority not in Priority.values:
        fail("priority", _("Unknown priority."))
    if report.source not in Source.values:
        fail("source", _("Unknown source."))
    if not report.title.strip():
        fail("title", _("Please give a short title."))
    elif len(report.title) > 120:
        fail("title", _("The title is too long (at most 120 characters)."))
    if not report.description.strip():
        fail("description", _("Please describe the problem."))
    elif len(report.description) > 4000:
        fail("description", _("The description is too long (at most 4000 characters)."))
    if len(report.address) > 200:
        fail("address", _("The address is too long (at most 200 characters)."))
    if len(report.photos) > settings.CASE_PHOTO_MAX_COUNT:
        fail("photos", _("At most %(n)d photos.") % {"n": settings.CASE_PHOTO_MAX_COUNT})
    anonymous = not getattr(actor, "is_authenticated", False)
    if anonymous and not system and not (report.contact_phone or report.contact_email):
        fail("contact_phone", _("Leave a phone number or an email so we can tell you the outcome."))
    return errors, category


def _start_accept_clock(case: Case, routing: snapshot.Snapshot, now: dt.datetime) -> None:
    """`services.start_stage(case, Stage.ACCEPT, now)`, with the time limits from the routing
    snapshot instead of two queries."""
    case.stage = Stage.ACCEPT
    case.overdue_since = None
    case.escalation_level = 0
    limits = routing.deadlines_for(case.category_id, case.priority)
    case.stage_due = clocks.due(now, clocks.stage_minutes(limits, Stage.ACCEPT))


def _log_is_known(case: Case, rows: list[CaseLog]) -> None:
    """`case.log.all()` answers `rows` without a query (the new case has just these)."""
    known = CaseLog.objects.filter(case=case)
    known._result_cache = rows  # what prefetch_related sets
    known._prefetch_done = True  # type: ignore[attr-defined]
    case._prefetched_objects_cache = {"log": known}  # type: ignore[attr-defined]


def report_case(
    *, actor: Any, report: Report, now: dt.datetime | None = None, system: bool = False
) -> Case:
    """A new case in state `reported`, located to its grid, with the accept clock running.

    `actor` is None (or anonymous) for an anonymous resident, who must leave a contact.
    `system=True` is for the platform's own rules (a sensor rule firing): no actor, no contact,
    any source; never set it from a request.

    Everything is checked before the transaction starts (bad input writes nothing and leaves
    the caller's transaction usable); the writes then share the caller's transaction, with a
    savepoint only when an external id could collide (callers catch that IntegrityError). The
    returned case's `log.all()` is its first log row, without a query."""
    errors, category = _check(actor, report, system=system)
    phone = ""
    if report.contact_phone:
        try:
            phone = pii.normalise_phone(report.contact_phone, field="contact_phone")
        except ValidationFailed as exc:
            errors.setdefault("contact_phone", []).append(str(exc.message))
    if report.contact_email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(report.contact_email)
        except ValidationError:
            errors.setdefault("contact_email", []).append(_("This is not an email address."))
    grid = None
    try:
        grid = locate_point(lon=report.lon, lat=report.lat, crs=report.crs)
    except ValidationFailed as exc:
        for name, messages in (exc.errors or {exc.field or "point": [str(exc.message)]}).items():
            errors.setdefault(name, []).extend(messages)
    if errors or category is None or grid is None:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)
    if (
        not system
        and report.source in STAFF_SOURCES
        and not covers(actor, grid.code, Perm.VIEW_CASES)
    ):
        raise PermissionDeniedError(
            _("Only staff of this grid may file cases from source “%(source)s”.")
            % {"source": Source(report.source).label}
        )
    lon, lat = report.lon, report.lat
    if report.crs == "gcj02":
        from resigrid.core.geo import gcj02_to_wgs84

        lon, lat = gcj02_to_wgs84(lon, lat)
    now = now or timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    case = Case(
        source=report.source,
        category=category,
        priority=report.priority,
        title=report.title.strip(),
        description=report.description.strip(),
        address=report.address.strip(),
        lon=lon,
        lat=lat,
        grid=grid,
        reporter=user,
        contact_name=report.contact_name.strip()[:40],
        contact_phone_enc=pii.encrypt(phone) if phone else "",
        contact_email=report.contact_email.strip(),
        tracking_code=new_tracking_code(),
        external_id=report.external_id.strip()[:64],
        reported_at=now,
    )
    _start_accept_clock(case, snapshot.current(), now)
    with transaction.atomic(savepoint=bool(case.external_id)):
        case.save()
        attach_photos(case, report.photos, PhotoStage.REPORT, user)
        first_log = log(
            case,
            actor=user,
            action="report",
            public=True,
            to_state=case.state,
            at=now,
        )
        # The community's notice and the reporter's receipt: one write of both.
        with collected():
            feedback.on_reported(case)
    _log_is_known(case, [first_log])
    return case


@dataclass
class BatchResult:
    """Per item: the new case, the case an earlier import already made, or the errors."""

    created: list[tuple[int, Case]] = field(default_factory=list)
    existing: list[tuple[int, Case]] = field(default_factory=list)
    errors: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


MAX_BATCH = 1000


def import_batch(*, actor: Any, reports: Sequence[Report]) -> BatchResult:
    """Import tickets from another system (the 12345 hotline): each item on its own, so the good
    ones are kept and each bad one reports its errors; an external id seen before returns the
    case it already made instead of a second case."""
    if len(reports) > MAX_BATCH:
        raise ValidationFailed(
            _("At most %(n)d items per batch.") % {"n": MAX_BATCH}, field="items"
        )
    result = BatchResult()
    for index, item in enumerate(reports):
        if not item.external_id.strip():
            result.errors.append((index, {"external_id": [_("Give the ticket number.")]}))
            continue
        known = Case.objects.filter(source=item.source, external_id=item.external_id.strip())
        if (found := known.first()) is not None:
            result.existing.append((index, found))
            continue
        try:
            with transaction.atomic():
                result.created.append((index, report_case(actor=actor, report=item)))
        except ValidationFailed as exc:
            result.errors.append(
                (index, exc.errors or {exc.field or "__all__": [str(exc.message)]})
            )
        except PermissionDeniedError as exc:
            result.errors.append((index, {"__all__": [str(exc.message)]}))
        except IntegrityError:
            # Imported at the same moment by another request: return that case.
            result.existing.append((index, known.get()))
    return result
