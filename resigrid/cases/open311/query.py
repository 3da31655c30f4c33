"""GET requests: the spec's filters, checked, as one query.

`service_request_id` (comma list) overrides every other filter. Otherwise `service_code` (comma
list), `status` (open, closed) and a window on requested_datetime: `start_date`/`end_date` in
W3C format, at most 90 days apart; without them the last 90 days. At most 1,000 requests, the
most recent first.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from resigrid.cases.models import Case
from resigrid.cases.open311 import public
from resigrid.cases.open311.render import Open311Error, named

MAX_RESULTS = 1000
SPAN = dt.timedelta(days=90)
# Our ids are the case's primary key; the case number (AJ00000012) is accepted too.
_ID = re.compile(r"^(?:AJ)?(\d{1,18})$", re.IGNORECASE)


def parse_request_id(raw: str) -> int | None:
    match = _ID.match(raw.strip())
    return int(match.group(1)) if match else None


def _values(params: QueryDict, name: str) -> list[str]:
    """A comma list, also accepted as the parameter repeated."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _parse(value: str) -> dt.datetime | None:
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_when(raw: str, field: str) -> dt.datetime:
    value = raw.strip()
    moment = _parse(value)
    if moment is None and " " in value:
        # A client that did not encode the "+" of "+08:00" sends a space.
        moment = _parse(value.replace(" ", "+"))
    if moment is None:
        raise Open311Error(
            400,
            named(
                field,
                _("not a date and time in W3C format, e.g. 2026-01-01T00:00:00+08:00."),
            ),
        )
    return moment


def _by_ids(raw: list[str]) -> list[Case]:
    ids, bad = [], []
    for value in raw:
        pk = parse_request_id(value)
        if pk is None:
            bad.append(value)
        else:
            ids.append(pk)
    if bad:
        raise Open311Error(
            400,
            *(
                named("service_request_id", _("“%(value)s” is not a request id.") % {"value": v})
                for v in bad[:10]
            ),
        )
    return list(public.requests().filter(pk__in=ids).order_by("-reported_at", "-pk")[:MAX_RESULTS])


def _window(params: QueryDict, now: dt.datetime, errors: list[str]) -> tuple[dt.datetime, ...]:
    start = end = None
    for field in ("start_date", "end_date"):
        raw = params.get(field, "").strip()
        if not raw:
            continue
        try:
            moment = parse_when(raw, field)
        except Open311Error as exc:
            errors.extend(exc.descriptions)
            continue
        if field == "start_date":
            start = moment
        else:
            end = moment
    if start is not None and end is not None:
        if end < start:
            errors.append(named("end_date", _("must not be before start_date.")))
        elif end - start > SPAN:
            errors.append(named("end_date", _("the window may not span more than 90 days.")))
        return start, end
    if start is not None:
        return start, start + SPAN
    if end is not None:
        return end - SPAN, end
    return now - SPAN, now


def search(params: QueryDict, now: dt.datetime | None = None) -> list[Case]:
    ids = _values(params, "service_request_id")
    if ids:
        return _by_ids(ids)
    errors: list[str] = []
    statuses = set(_values(params, "status"))
    for bad in sorted(statuses - {"open", "closed"}):
        errors.append(named("status", _("“%(value)s” is not open or closed.") % {"value": bad}))
    start, end = _window(params, now or timezone.now(), errors)
    if errors:
        raise Open311Error(400, *errors)
    qs = public.requests().filter(reported_at__gte=start, reported_at__lte=end)
    codes = _values(params, "service_code")
    if codes:
        qs = qs.filter(category__code__in=codes)
    if statuses == {"open"}:
        qs = qs.filter(state__in=public.OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=public.CLOSED_STATES)
    return list(qs.order_by("-reported_at", "-pk")[:MAX_RESULTS])
