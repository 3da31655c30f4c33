"""Open311 GeoReport v2 endpoints: parse → public / query / filing → XML or JSON.

Reads are public and answer only public fields. POST requests needs an api_key: a personal
access token of resigrid.accounts, checked exactly like the API's Bearer tokens (a rejected key
is logged). The POST is CSRF-exempt: it never looks at the session, only at the api_key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from resigrid.accounts.tokens import user_for_token
from resigrid.cases.models import Case
from resigrid.cases.open311 import filing, public, query
from resigrid.cases.open311.render import (
    CONTENT_TYPES,
    Open311Error,
    error_response,
    named,
    respond,
)

MAX_FORM_BYTES = 64 * 1024  # a form-encoded request; a multipart photo adds its own limit
READ = ("GET", "HEAD")
Document = tuple[str, Any]


def _format(fmt: str | None) -> str:
    return fmt if fmt in CONTENT_TYPES else "xml"


def _check_size(request: HttpRequest) -> None:
    limit = MAX_FORM_BYTES
    if request.content_type == "multipart/form-data":
        limit += settings.CASE_PHOTO_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise Open311Error(
            400, _("The request is too large (at most %(n)d KB).") % {"n": limit // 1024}
        )
    try:
        request.POST  # noqa: B018  (parse now, so a broken body answers here)
        request.FILES  # noqa: B018
    except (SuspiciousOperation, MultiPartParserError, BadRequest):
        raise Open311Error(400, _("The request body could not be read.")) from None


def _check_jurisdiction(request: HttpRequest) -> None:
    """One jurisdiction per installation: jurisdiction_id is optional; when the operator sets
    OPEN311_JURISDICTION_ID, another value answers 404."""
    expected = str(getattr(settings, "OPEN311_JURISDICTION_ID", "") or "")
    given = (
        (request.POST.get("jurisdiction_id") if request.method == "POST" else None)
        or request.GET.get("jurisdiction_id")
        or ""
    ).strip()
    if expected and given and given != expected:
        raise Open311Error(
            404,
            named(
                "jurisdiction_id",
                _("“%(value)s” is not served here (this endpoint serves “%(expected)s”).")
                % {"value": given, "expected": expected},
            ),
        )


def _answer(
    request: HttpRequest, fmt: str | None, methods: tuple[str, ...], produce: Callable[[], Document]
) -> HttpResponse:
    out = _format(fmt)
    try:
        if request.method not in methods:
            response = error_response(
                out, Open311Error(405, _("Use %(methods)s.") % {"methods": ", ".join(methods)})
            )
            response["Allow"] = ", ".join(methods)
            return response
        if request.method == "POST":
            _check_size(request)
        _check_jurisdiction(request)
        root, value = produce()
    except Open311Error as exc:
        return error_response(out, exc)
    response = respond(out, root, value)
    if request.method in READ:
        # Public data: browser apps on other sites may read it (never write: no key in reads).
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _media_url(request: HttpRequest) -> Callable[[str], str]:
    return lambda name: request.build_absolute_uri(default_storage.url(name))


def discovery(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    def produce() -> Document:
        tokens = request.build_absolute_uri(reverse("accounts:tokens"))
        contact = str(getattr(settings, "OPEN311_CONTACT", "") or "") or _(
            "Write to %(email)s."
        ) % {"email": settings.DEFAULT_FROM_EMAIL}
        return "discovery", public.discovery(
            url=request.build_absolute_uri(reverse("open311:root")),
            contact=contact,
            key_service=_(
                "Reading needs no key. To file requests, log in, create a personal access "
                "token at %(url)s and send it as api_key."
            )
            % {"url": tokens},
            production=not settings.DEBUG,
        )

    return _answer(request, fmt, READ, produce)


def services(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    return _answer(request, fmt, READ, lambda: ("services", public.services()))


def service_definition(request: HttpRequest, code: str, fmt: str | None = None) -> HttpResponse:
    def produce() -> Document:
        category = public.service(code)
        if category is None:
            raise Open311Error(
                404, named("service_code", _("“%(code)s” is not a service.") % {"code": code})
            )
        return "service_definition", public.service_definition(category)

    return _answer(request, fmt, READ, produce)


def _file(request: HttpRequest) -> Document:
    key = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not key:
        raise Open311Error(403, named("api_key", _("missing: filing a request needs an api_key.")))
    user = user_for_token(key, request=request)
    if user is None:
        raise Open311Error(403, named("api_key", _("invalid, expired or revoked.")))
    filing.check_rate(user, timezone.now())
    case = filing.file_request(actor=user, data=request.POST, files=request.FILES)
    return "service_requests", [
        {"service_request_id": str(case.pk), "service_notice": filing.service_notice(case)}
    ]


@csrf_exempt
def requests(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    def produce() -> Document:
        if request.method == "POST":
            return _file(request)
        found = query.search(request.GET)
        media = _media_url(request)
        return "service_requests", [public.request_item(c, media) for c in found]

    return _answer(request, fmt, (*READ, "POST"), produce)


def request_detail(request: HttpRequest, request_id: str, fmt: str | None = None) -> HttpResponse:
    def produce() -> Document:
        pk = query.parse_request_id(request_id)
        case = public.requests().filter(pk=pk).first() if pk is not None else None
        if case is None:
            raise Open311Error(
                404,
                named(
                    "service_request_id",
                    _("“%(value)s” is not a request.") % {"value": request_id},
                ),
            )
        return "service_requests", [public.request_item(case, _media_url(request))]

    return _answer(request, fmt, READ, produce)


def token(request: HttpRequest, token: str, fmt: str | None = None) -> HttpResponse:
    """The tracking code a reporter holds (web page, notifications) is the token."""

    def produce() -> Document:
        pk = (
            Case.objects.filter(tracking_code=token.strip().upper())
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise Open311Error(404, named("token", _("unknown token.")))
        return "service_requests", [{"service_request_id": str(pk), "token": token}]

    return _answer(request, fmt, READ, produce)


def not_found(request: HttpRequest, path: str) -> HttpResponse:
    out = "json" if path.endswith(".json") else "xml"
    return error_response(
        out,
        Open311Error(
            404,
            _("No such resource: %(path)s. Start from discovery.xml.") % {"path": path[:100]},
        ),
    )
