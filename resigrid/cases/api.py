"""Cases API: report, follow, work queues, every workflow move, requests, whistles, photos.

Thin: parse → `visible_to` → service → body. Cases outside the caller's scope answer 404; a move
the caller may not make answers 403; bad input 422 naming the field; a move the case's state does
not allow (or an `expected_state` the case has left) answers 409 with the current `state`.

Auth: `Authorization: Bearer <token>` or the session (with its CSRF token). Reporting, adding
report photos, rating and tracking also work without an account (a contact, then the tracking
code). Submissions (report, photos, every POST below) accept an `Idempotency-Key` header: a retry
gets the first answer back; the same key with another request is a 422 (see idempotency.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.errors import HttpError
from ninja.security import django_auth
from ninja.utils import check_csrf

from resigrid.accounts.api import TokenAuth
from resigrid.accounts.roles import Perm
from resigrid.areas.codes import PREFIX_LENGTH, Level
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.cases import coordination, idempotency, intake, permissions, reads
from resigrid.cases.models import Case
from resigrid.cases.photos import CheckedPhoto, check_photo
from resigrid.cases.schemas import (
    CaseOut,
    CasePageOut,
    ConflictOut,
    ErrorOut,
    PhotosOut,
    PublicCaseOut,
    ReportedOut,
    ReportIn,
    photo_body,
    public_body,
    row_body,
    staff_body,
    unit_ref,
)
from resigrid.cases.workflow import OPEN_STATES, Action, State, allowed_actions
from resigrid.core.errors import NotFoundError, ValidationFailed
from resigrid.core.geo import haversine_m
from resigrid.orgs.models import UnitAccount
from resigrid.registers import snapshot

PAGE_SIZE = 50
KEY = Header(  # type: ignore[type-arg]
    None,
    alias=idempotency.HEADER,
    description=(
        "Any unique string (a UUID) per submission, up to 80 visible ASCII characters. A retry "
        "with the same key and request gets the first answer back and changes nothing; the "
        "same key with another request is a 422 naming this header. Refused requests (4xx) "
        "keep nothing, so the key may be reused to send a corrected request."
    ),
)


class _Anonymous:
    """`request.auth` of a caller without an account (truthy, so Ninja lets it through)."""

    is_authenticated = False

    def __bool__(self) -> bool:
        return True


ANONYMOUS = _Anonymous()


def _maybe_logged_in(request: HttpRequest) -> Any:
    """After TokenAuth declined: the session user (CSRF-checked), or anonymous. A request that
    sent an Authorization header TokenAuth refused stays refused (401)."""
    if request.headers.get("Authorization"):
        return None
    if request.user.is_authenticated:
        if check_csrf(request):
            raise HttpError(403, "CSRF check Failed")
        return request.user
    return ANONYMOUS


# The token first: a Bearer request never meets the session's CSRF check.
router = Router(auth=[TokenAuth(), django_auth])
OPTIONAL_AUTH = [TokenAuth(), _maybe_logged_in]

_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}


def caller(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return None if auth is None or auth is ANONYMOUS else auth


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def answer_once(
    request: HttpRequest, key: str | None, body: Any, run: Callable[[], tuple[int, Any]]
) -> Status[Any]:
    try:
        status, out = idempotency.once(
            key=key,
            user=caller(request),
            request_fingerprint=idempotency.fingerprint(request.method or "", request.path, body),
            run=run,
        )
    except idempotency.IdempotencyKeyError as exc:
        return Status(422, {"detail": exc.detail()})
    return Status(status, out)


# Reading a case ------------------------------------------------------------------------------


# Only the columns the bodies use: a grid's boundary (GeoJSON) or a user's password hash would
# be parsed for nothing, and every extra column costs the ORM time on each read.
_CASE_COLUMNS = [f.name for f in Case._meta.concrete_fields]
_RELATED_COLUMNS = [
    "category__code",
    "category__name",
    "grid__code",
    "grid__name",
    "lead_unit__name",
]
_PEOPLE = ("reporter", "handled_by", "verified_by")


def slim(qs: Any, *, people: bool = False) -> QuerySet[Case]:
    """`qs` of cases with the category, grid and lead unit (and, for the staff view, the
    people's names) in the same query, and nothing else."""
    related = ["category", "grid", "lead_unit", *(_PEOPLE if people else ())]
    columns = _CASE_COLUMNS + _RELATED_COLUMNS
    if people:
        columns += [f"{who}__{f}" for who in _PEOPLE for f in ("username", "full_name")]
    slimmed: QuerySet[Case] = qs.select_related(*related).only(*columns)
    return slimmed


def load_case(pk: int) -> Case:
    return slim(Case.objects, people=True).prefetch_related("photos").get(pk=pk)


def ensure_visible(user: Any, pk: int) -> None:
    """404 unless the case is in the user's scope (the service then checks the right)."""
    if not Case.objects.visible_to(user).filter(pk=pk).exists():
        raise NotFoundError(_("No such case."))


def visible_case(user: Any, pk: int) -> Case:
    found = (
        slim(Case.objects.visible_to(user), people=True)
        .prefetch_related("photos")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFoundError(_("No such case."))
    return found


def _is_staff(user: Any, case: Case) -> bool:
    """Sees the case as staff: a case right on its grid, or an account of a unit working on it
    (lead, support, summoned). Otherwise the caller is its reporter and gets the public view."""
    if user is None:
        return False
    if covers(user, case.grid.code, Perm.VIEW_CASES):
        return True
    units = {case.lead_unit_id, *case.support_units.values_list("pk", flat=True)}
    units |= set(case.whistles.values_list("unit_id", flat=True))
    return UnitAccount.objects.filter(user=user, unit_id__in=units - {None}).exists()


_MANAGE = {
    Action.ACCEPT,
    Action.REJECT,
    Action.REGISTER,
    Action.DISPATCH,
    Action.CLOSE,
    Action.MERGE,
}
_HANDLE = {Action.START, Action.HANDLE, Action.RETURN}


def _actions(user: Any, case: Case) -> list[str]:
    """What the caller may do now, as API action names."""
    state = State(case.state)
    manage = permissions.can_manage(user, case)
    handle = permissions.can_handle(user, case)
    out: list[str] = []
    for action in allowed_actions(state):
        if (manage and action in _MANAGE) or (handle and action in _HANDLE):
            out.append(str(action))
        elif action in (Action.VERIFY_PASS, Action.VERIFY_FAIL):
            if "verify" not in out and permissions.can_verify(user, case):
                out.append("verify")
        elif action == Action.RATE and permissions.can_rate(user, case):
            out.append("rate")
    if handle and state in (State.DISPATCHED, State.IN_PROGRESS):
        out.append("request")
    if manage and case.suspended_at is not None:
        out.append("resume")
    if manage and state in OPEN_STATES:
        out.append("whistle")
    return out


def case_view(user: Any, case: Case) -> dict[str, Any]:
    mine = user is not None and case.reporter_id == user.pk
    if _is_staff(user, case):
        return staff_body(
            case, actions=_actions(user, case), tracking_code=mine, now=timezone.now()
        )
    can_rate = mine and case.state == State.CLOSED
    return public_body(case, tracking_code=mine, can_rate=can_rate)


# Reporting ----------------------------------------------------------------------------------


def _near(case: Case, limit: int = 5) -> list[tuple[int, str, str, int | None, float]]:
    """`reads.duplicates_near` for the new case, other cases only, as plain rows (id, state,
    title, reporter id, distance): one query reading six columns, no model instances."""
    radius = settings.CASE_DUPLICATE_RADIUS_M
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(math.cos(math.radians(case.lat)), 0.01))
    rows = (
        Case.objects.filter(
            category_id=case.category_id,
            state__in=OPEN_STATES,
            lon__range=(case.lon - dlon, case.lon + dlon),
            lat__range=(case.lat - dlat, case.lat + dlat),
        )
        .exclude(pk=case.pk)
        .values_list("pk", "state", "title", "reporter_id", "lon", "lat")[:200]
    )
    found: list[tuple[int, str, str, int | None, float]] = [
        (pk, state, title, reporter, haversine_m(case.lon, case.lat, lon, lat))
        for pk, state, title, reporter, lon, lat in rows
    ]
    found = [row for row in found if row[4] <= radius]
    return sorted(found, key=lambda row: (row[4], row[0]))[:limit]


def _reported(user: Any, case: Case) -> dict[str, Any]:
    # The case as intake made it: category, grid and its log row are loaded, no photos yet
    # (they come with POST /{id}/photos), nothing else is set. The suggested route comes from
    # the routing snapshot intake used (no query).
    body = public_body(case, tracking_code=True, can_rate=False, photos=[])
    suggested = snapshot.current().route(case.category_id, case.grid_id)
    body["route"] = {
        "lead_unit": unit_ref(suggested.lead_unit),
        "support_units": [unit_ref(u) for u in suggested.support_units],
    }
    near = _near(case)
    # The caller's own reports are visible to them; the others are asked (two small queries,
    # only when there are any).
    seen = {pk for pk, _s, _t, reporter, _d in near if user is not None and reporter == user.pk}
    others = [pk for pk, *_rest in near if pk not in seen]
    if user is not None and others:
        seen |= set(
            Case.objects.visible_to(user).filter(pk__in=others).values_list("pk", flat=True)
        )
    body["duplicates"] = [
        {
            "id": pk,
            "number": Case(pk=pk).number,
            "state": state,
            "distance_m": round(d, 1),
            "title": title if pk in seen else None,
        }
        for pk, state, title, _r, d in near
    ]
    return body


@router.post(
    "/reports",
    auth=OPTIONAL_AUTH,
    response={201: ReportedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Report a problem (logged in, or anonymously with a phone or email)",
    description=(
        "Locates the point to its grid (send `crs: gcj02` for coordinates from Chinese web "
        "maps), starts the accept clock and tells the community. The answer carries the case "
        "number, the tracking code (shown to the reporter only; keep it to follow or rate the "
        "case without an account), the unit the responsibility list suggests and open cases of "
        "the same category nearby. Add photos with `POST /api/cases/{id}/photos`."
    ),
)
def report(request: HttpRequest, payload: ReportIn, idempotency_key: str | None = KEY) -> Any:
    user = caller(request)

    def run() -> tuple[int, Any]:
        try:
            case = intake.report_case(actor=user, report=intake.Report(**payload.dict()))
        except IntegrityError:
            # report_case's savepoint is rolled back; the only unique field a client sets is
            # the external ticket number (unique per source).
            known = Case.objects.filter(
                source=payload.source, external_id=payload.external_id.strip()
            ).first()
            if known is None:
                raise
            raise field_error(
                "external_id",
                _("This ticket number has already been filed as %(number)s.")
                % {"number": known.number},
            ) from None
        return 201, _reported(user, case)

    return answer_once(request, idempotency_key, payload.dict(), run)


def _photo_limit() -> int:
    return int(settings.CASE_PHOTO_MAX_COUNT * settings.CASE_PHOTO_MAX_BYTES + 256 * 1024)


def _read_photos(request: HttpRequest) -> list[CheckedPhoto]:
    """Every `photos` file, checked by content; the body's size is judged before it is read."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > _photo_limit():
        raise field_error(
            "photos",
            _(
                "The upload is too large (%(size).1f MB); send at most %(n)d photos "
                "of %(limit).1f MB."
            )
            % {
                "size": declared / 1e6,
                "n": settings.CASE_PHOTO_MAX_COUNT,
                "limit": settings.CASE_PHOTO_MAX_BYTES / 1e6,
            },
        )
    files = request.FILES.getlist("photos")
    if not files:
        raise field_error("photos", _("Attach at least one photo (form field “photos”)."))
    if len(files) > settings.CASE_PHOTO_MAX_COUNT:
        raise field_error(
            "photos", _("At most %(n)d photos.") % {"n": settings.CASE_PHOTO_MAX_COUNT}
        )
    errors: list[str] = []
    checked: list[CheckedPhoto] = []
    for upload in files:
        try:
            if (upload.size or 0) > settings.CASE_PHOTO_MAX_BYTES:
                raise field_error(
                    "photos",
                    _("The photo is too large (%(size).1f MB); the limit is %(limit).1f MB.")
                    % {
                        "size": (upload.size or 0) / 1e6,
                        "limit": settings.CASE_PHOTO_MAX_BYTES / 1e6,
                    },
                )
            checked.append(check_photo(upload.read(), field="photos"))
        except ValidationFailed as exc:
            errors.append(f"{upload.name}: {exc.message}")
    if errors:
        raise ValidationFailed(errors[0], field="photos", errors={"photos": errors})
    return checked


_PHOTOS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photos"],
                    "properties": {
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "JPEG, PNG or WebP; checked by content",
                        },
                        "stage": {"type": "string", "enum": ["report", "result", "verify"]},
                        "tracking_code": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/{int:pk}/photos",
    auth=OPTIONAL_AUTH,
    response={201: PhotosOut, **MOVE_ERRORS},
    summary="Add photos to a case (multipart, one or more `photos` files)",
    description=(
        "`stage=report` (default): the reporter (or the anonymous reporter with "
        "`tracking_code`) or community staff, while the case is open; `stage=result`: the "
        "handling unit; `stage=verify`: the verifier. Each photo is checked by its content "
        "(JPEG, PNG or WebP, size limit), stripped of EXIF and re-encoded. Upload photos one "
        "request at a time from a phone, each with its own Idempotency-Key."
    ),
    openapi_extra=_PHOTOS_BODY,
)
def add_photos(request: HttpRequest, pk: int, idempotency_key: str | None = KEY) -> Any:
    user = caller(request)
    checked = _read_photos(request)
    stage = request.POST.get("stage") or "report"
    code = (request.POST.get("tracking_code") or "").strip().upper() or None
    body = {"stage": stage, "tracking_code": code, "photos": [p.sha256 for p in checked]}

    def run() -> tuple[int, Any]:
        visible = Case.objects.visible_to(user).filter(pk=pk).exists() if user else False
        if not visible and not (code and Case.objects.filter(pk=pk, tracking_code=code).exists()):
            raise NotFoundError(_("No such case."))
        rows = coordination.add_photos(
            actor=user, case_id=pk, stage=stage, photos=checked, tracking_code=code
        )
        return 201, {"case_id": pk, "added": [photo_body(p) for p in rows]}

    return answer_once(request, idempotency_key, body, run)


# Following ----------------------------------------------------------------------------------


def _area_prefix(code: str) -> str:
    area = Area.objects.filter(code=code).only("code", "level").first()
    if area is None:
        raise field_error("grid", _("No area has this code."))
    return code[: PREFIX_LENGTH[Level(area.level)]]


@router.get(
    "",
    response={200: CasePageOut, 401: ErrorOut, 422: ErrorOut},
    summary="Cases the caller may see (50 per page), or one of their work queues",
    description=(
        "Residents see their own reports; staff the cases of their areas; units the cases "
        "dispatched or whistled to them. `queue` picks a work queue: accept, dispatch, handle, "
        "verify, overdue, requests (decisions waiting), whistles (to answer). `grid` takes any "
        "area code (a community's code lists its grids' cases). `category` includes the "
        "categories below it."
    ),
)
def list_cases(
    request: HttpRequest,
    state: str | None = None,
    category: str | None = None,
    grid: str | None = None,
    source: str | None = None,
    overdue: bool | None = None,
    mine: bool = False,
    queue: str | None = None,
    page: int = Query(1, ge=1),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = caller(request)
    now = timezone.now()
    if queue is not None:
        if queue not in reads.QUEUES:
            raise field_error(
                "queue",
                _("Unknown queue; use one of %(names)s.") % {"names": ", ".join(reads.QUEUES)},
            )
        qs = reads.queue(user, queue, now)
    else:
        qs = Case.objects.visible_to(user).order_by("-reported_at", "-pk")
    if state is not None:
        if state not in State.values:
            raise field_error("state", _("Unknown state."))
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__code__startswith=f"{category}."))
    if grid:
        qs = qs.filter(grid__code__startswith=_area_prefix(grid))
    if source is not None:
        qs = qs.filter(source=source)
    if overdue is True:
        qs = qs.filter(pk__in=Case.objects.overdue(now).values("pk"))
    elif overdue is False:
        qs = qs.exclude(pk__in=Case.objects.overdue(now).values("pk"))
    if mine:
        qs = qs.filter(reporter=user)
    qs = slim(qs)
    total = qs.count()
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return {
        "count": total,
        "page": page,
        "page_size": PAGE_SIZE,
        "results": [row_body(c, now) for c in rows],
    }


@router.get(
    "/track/{code}",
    auth=None,
    response={200: PublicCaseOut, 404: ErrorOut},
    summary="Follow a case by its tracking code (no account needed)",
)
def track(request: HttpRequest, code: str) -> dict[str, Any]:
    case = (
        slim(Case.objects)
        .prefetch_related("photos")
        .filter(tracking_code=code.strip().upper())
        .first()
    )
    if case is None:
        raise NotFoundError(_("No such case."))
    return public_body(case, tracking_code=False, can_rate=case.state == State.CLOSED)


@router.get(
    "/{int:pk}",
    response={200: CaseOut, 401: ErrorOut, 404: ErrorOut},
    summary="One case: the staff view, or the reporter's public view",
    description=(
        "`view` says which: `staff` (every field, the whole log, requests, whistles and the "
        "moves the caller may make now) or `public` (what the reporter may see: no internal "
        "fields, only the log rows meant for the reporter)."
    ),
)
def case_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = caller(request)
    return case_view(user, visible_case(user, pk))


from resigrid.cases import api_import, api_moves  # noqa: E402,F401 - register on `router`
