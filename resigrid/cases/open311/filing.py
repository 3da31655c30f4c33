"""POST requests: a GeoReport service request, form-encoded as the spec says, becomes a case
through the intake service (source open311, the api_key's owner as the reporter).

Required: service_code and a point (`lat` and `long`, WGS84; `lon` is read when `long` is
absent). Every case is placed on a grid by its point, so `address_string` or `address_id`
alone is refused with a 400 that says so. Optional: description (the service name when empty),
address_string, email, first_name, last_name, phone (kept as the contact, never shown),
attribute[priority], media_url (a link kept in an internal log note; we do not fetch it) and,
as an extension, one photo uploaded as the multipart file `media`. device_id and account_id are
accepted and ignored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from resigrid.cases import intake
from resigrid.cases.choices import Source
from resigrid.cases.models import Case
from resigrid.cases.open311 import public
from resigrid.cases.open311.render import Open311Error, named
from resigrid.cases.photos import CheckedPhoto, check_photo
from resigrid.cases.services import log
from resigrid.core.errors import ValidationFailed
from resigrid.registers.choices import Priority
from resigrid.registers.reads import deadlines_for

TITLE_MAX = 60
MEDIA_URL_MAX = 500
# Intake's field names → the Open311 parameter a client sent.
PARAMETER = {
    "category": "service_code",
    "priority": "attribute[priority]",
    "title": "description",
    "description": "description",
    "address": "address_string",
    "contact_phone": "phone",
    "contact_email": "email",
    "photos": "media",
    "lon": "long",
    "lat": "lat",
    "point": "lat, long",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


def posts_per_minute() -> int:
    return int(getattr(settings, "OPEN311_POSTS_PER_MINUTE", 60))


def check_rate(user: Any, now: dt.datetime) -> None:
    """A sane ceiling per api_key owner (a database count, so it holds across workers)."""
    limit = posts_per_minute()
    recent = Case.objects.filter(
        reporter=user, source=Source.OPEN311, reported_at__gte=now - dt.timedelta(minutes=1)
    ).count()
    if recent >= limit:
        raise Open311Error(
            429,
            _("Too many requests: at most %(n)d a minute per api_key; try again shortly.")
            % {"n": limit},
            retry_after=60,
        )


def _coordinate(data: QueryDict, name: str, errors: list[str]) -> float | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append(named(name, _("not a number.")))
        return None
    return value


def _point(data: QueryDict, errors: list[str]) -> tuple[float, float] | None:
    before = len(errors)
    lat = _coordinate(data, "lat", errors)
    lon = _coordinate(data, "long", errors)
    if lon is None and not (data.get("long") or "").strip():
        lon = _coordinate(data, "lon", errors)
    if len(errors) > before:
        return None
    if lat is not None and lon is not None:
        return lon, lat
    if lat is None and lon is None:
        if (data.get("address_string") or "").strip() or (data.get("address_id") or "").strip():
            errors.append(
                named(
                    "lat, long",
                    _(
                        "send the point as lat and long (WGS84): every request is placed on a "
                        "grid by its point, and an address alone cannot be."
                    ),
                )
            )
        else:
            errors.append(named("lat, long", _("required (WGS84).")))
    else:
        missing = "long" if lon is None else "lat"
        errors.append(named(missing, _("required together with the other coordinate.")))
    return None


def _priority(data: QueryDict, errors: list[str]) -> str:
    raw = (data.get("attribute[priority]") or "").strip()
    if not raw:
        return str(Priority.NORMAL)
    if raw not in Priority.values:
        errors.append(
            named(
                "attribute[priority]",
                _("“%(value)s” is not one of %(keys)s.")
                % {"value": raw, "keys": ", ".join(Priority.values)},
            )
        )
    return raw


def _media_url(data: QueryDict, errors: list[str]) -> str:
    raw = (data.get("media_url") or "").strip()
    if not raw:
        return ""
    try:
        if len(raw) > MEDIA_URL_MAX:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError:
        errors.append(
            named(
                "media_url",
                _("not an http(s) URL of at most %(n)d characters.") % {"n": MEDIA_URL_MAX},
            )
        )
        return ""
    return raw


def _photos(files: MultiValueDict[str, Any], errors: list[str]) -> list[CheckedPhoto]:
    upload = files.get("media")
    if upload is None:
        return []
    try:
        return [check_photo(upload.read(settings.CASE_PHOTO_MAX_BYTES + 1), field="media")]
    except ValidationFailed as exc:
        errors.append(named("media", str(exc.message)))
        return []


def contact_name(first: str, last: str) -> str:
    """Chinese names put the family name first (张 + 三 = 张三); others “first last”."""
    first, last = first.strip(), last.strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def title_of(description: str, fallback: str) -> str:
    line = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not line:
        return fallback[:TITLE_MAX]
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def service_notice(case: Case) -> str:
    limits = deadlines_for(case.category, case.priority)
    return _(
        "Your request is case %(number)s. The community looks at it within %(accept)s; once "
        "dispatched, it is to be handled within %(handle)s."
    ) % {
        "number": case.number,
        "accept": _duration(limits.accept),
        "handle": _duration(limits.handle),
    }


def _intake_errors(exc: ValidationFailed) -> list[str]:
    found = exc.errors or {exc.field or "": [str(exc.message)]}
    out: list[str] = []
    for field, messages in found.items():
        for message in messages:
            text = named(PARAMETER.get(field, field), message) if field else message
            if text not in out:
                out.append(text)
    return out


def file_request(*, actor: Any, data: QueryDict, files: MultiValueDict[str, Any]) -> Case:
    """Check the request, then file the case; raises Open311Error (400, 404) and writes
    nothing when anything is wrong."""
    code = (data.get("service_code") or "").strip()
    category = public.service(code) if code else None
    if code and category is None:
        raise Open311Error(
            404, named("service_code", _("“%(code)s” is not a service.") % {"code": code})
        )
    errors: list[str] = [] if code else [named("service_code", _("required."))]
    point = _point(data, errors)
    priority = _priority(data, errors)
    media_url = _media_url(data, errors)
    photos = _photos(files, errors)
    if errors or point is None or category is None:
        raise Open311Error(400, *errors)
    description = (data.get("description") or "").strip() or category.name
    report = intake.Report(
        category=category.code,
        title=title_of(description, category.name),
        description=description,
        lon=point[0],
        lat=point[1],
        priority=priority,
        address=(data.get("address_string") or "").strip(),
        source=Source.OPEN311,
        contact_name=contact_name(data.get("first_name") or "", data.get("last_name") or ""),
        contact_phone=(data.get("phone") or "").strip(),
        contact_email=(data.get("email") or "").strip(),
        photos=photos,
    )
    try:
        with transaction.atomic():
            case = intake.report_case(actor=actor, report=report, now=timezone.now())
            if media_url:
                with translation.override(settings.LANGUAGE_CODE):
                    note = _("Media link sent by the Open311 client (not checked): %(url)s") % {
                        "url": media_url
                    }
                log(case, actor=actor, action="comment", note=note, public=False)
    except ValidationFailed as exc:
        raise Open311Error(400, *_intake_errors(exc)) from None
    return case
