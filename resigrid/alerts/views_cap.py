"""CAP interchange pages: an alert as CAP 1.2 XML, the Atom feed of active public alerts and the
upload page that imports a CAP document. Thin: parse → scope → cap services → render."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET, require_http_methods

from resigrid.accounts.roles import Perm
from resigrid.alerts.cap import export
from resigrid.alerts.cap.importer import ImportResult, import_cap
from resigrid.alerts.cap.schema import CapInvalid, max_bytes
from resigrid.alerts.choices import Scope, State
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, DomainError, PermissionDeniedError

CAP_CONTENT_TYPE = "application/xml; charset=utf-8"
# States in which an alert has been published (and so may be public).
WAS_PUBLISHED = (State.PUBLISHED, State.UPDATED, State.CANCELLED, State.EXPIRED)


def active_public() -> QuerySet[Alert]:
    """Published, public, not expired (cancelled and superseded alerts are no longer
    published)."""
    now = timezone.now()
    return (
        Alert.objects.filter(state=State.PUBLISHED, scope=Scope.PUBLIC)
        .filter(Q(expires__isnull=True) | Q(expires__gt=now))
        .order_by("-sent", "-pk")
    )


@require_GET
def cap_xml(request: HttpRequest, pk: int) -> HttpResponse:
    """Public alerts that were published are open to all; any other alert only to the users
    whose scope it is in (anonymous visitors are sent to log in, whether it exists or not)."""
    alert = Alert.objects.filter(pk=pk, scope=Scope.PUBLIC, state__in=WAS_PUBLISHED).first()
    if alert is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        alert = Alert.objects.visible_to(request.user).filter(pk=pk).first()
        if alert is None:
            raise Http404(_("No such alert."))
    response = HttpResponse(export.to_xml(alert), content_type=CAP_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="alert-{alert.pk}.xml"'
    return response


class ActiveAlertsFeed(Feed[Alert, None]):
    """Atom feed of the active public alerts; each entry links to its CAP document."""

    feed_type = Atom1Feed
    title = gettext_lazy("Resigrid: active alerts")
    subtitle = gettext_lazy("Published public alerts that have not expired, as CAP 1.2.")

    def link(self) -> str:
        return reverse("alerts:cap_feed")

    def items(self) -> list[Alert]:
        return list(active_public().select_related("issuer_area")[:200])

    def item_title(self, item: Alert) -> str:
        return item.headline

    def item_description(self, item: Alert) -> str:
        return item.description

    def item_link(self, item: Alert) -> str:
        return reverse("alerts:cap_xml", args=[item.pk])

    def item_pubdate(self, item: Alert) -> Any:
        return item.sent

    def item_updateddate(self, item: Alert) -> Any:
        return item.published_at or item.sent

    def item_author_name(self, item: Alert) -> str:
        return item.sender_name or item.sender

    def item_categories(self, item: Alert) -> list[str]:
        return [c for c in (item.category, item.kind, item.level) if c]


def _feed_etag(request: HttpRequest) -> str:
    """Changes when an active alert is added, changed or drops out (or the language differs),
    so that pollers of the feed can use conditional GET."""
    rows = list(active_public().values_list("pk", "updated_at")[:200])
    return hashlib.sha256(f"{get_language()}|{rows}".encode()).hexdigest()[:32]


feed = condition(etag_func=_feed_etag)(ActiveAlertsFeed())


def _issuing_areas(request: HttpRequest) -> QuerySet[Area]:
    return (
        Area.objects.visible_to(request.user, Perm.ISSUE_ALERTS)
        .exclude(level="grid")
        .order_by("code")
    )


def _alert_page(pk: int) -> str | None:
    try:
        return reverse("alerts:detail", args=[pk])
    except NoReverseMatch:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload (or paste) a CAP 1.2 document and import it for one of the user's areas."""
    areas = list(_issuing_areas(request)[:500])
    context: dict[str, Any] = {"areas": areas, "max_bytes": max_bytes(), "area": ""}
    status = 200
    if request.method == "POST":
        code = request.POST.get("area", "")
        context["area"] = code
        try:
            area = _issuing_areas(request).filter(code=code).first()
            if area is None:
                raise DomainError(_("Choose one of your areas."), field="area")
            data = _upload(request)
            result: ImportResult = import_cap(actor=request.user, data=data, area=area)
            context["result"] = result
            context["alert_url"] = _alert_page(result.alert_id)
            context["cap_url"] = reverse("alerts:cap_xml", args=[result.alert_id])
        except CapInvalid as exc:
            context["error"] = str(exc.message)
            context["schema_errors"] = exc.schema_errors
            status = 422
        except PermissionDeniedError as exc:
            context["error"] = str(exc.message)
            status = 403
        except ConflictError as exc:
            context["error"] = str(exc.message)
            status = 409
        except DomainError as exc:
            context["error"] = str(exc.message)
            status = 422
    return render(request, "alerts/cap/import.html", context, status=status)


def _upload(request: HttpRequest) -> bytes:
    limit = max_bytes()
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size is not None and upload.size > limit:
            raise CapInvalid(_("The document is larger than %(limit)d bytes.") % {"limit": limit})
        return bytes(upload.read(limit + 1))
    text = request.POST.get("xml", "")
    if not text.strip():
        raise DomainError(_("Choose a CAP file or paste the XML."), field="file")
    return text.encode()
