"""Alert pages for the receiving side: my alerts, the one-click acknowledgement (also from the
banner on every page), the signed-link page that needs no login, and a level's relay page
(acknowledge, forward down with a local addition, report back on a directive)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.alerts import acks, directives, reads_pages, rules
from resigrid.alerts.choices import Kind, State
from resigrid.alerts.distribution import alert_text
from resigrid.alerts.forms import ForwardForm, ReportForm
from resigrid.alerts.models import Recipient, Relay
from resigrid.alerts.views_pages import alert_or_404, apply_errors, board_context
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)

MINE_ROWS = 200


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "alerts/mine.html",
        {
            "receipts": list(reads_pages.my_receipts(user)[:MINE_ROWS]),
            "relays": list(reads_pages.pending_relays(user)[:MINE_ROWS]),
        },
    )


def _next(request: HttpRequest, fallback: str) -> str:
    """Back to the page the button was on (same site only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """“I have received it”: the user's own receipt, in one click."""
    alert = alert_or_404(request, pk)
    try:
        acks.acknowledge(actor=request.user, alert_id=alert.pk)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
    else:
        messages.success(
            request, _("Receipt confirmed: %(headline)s") % {"headline": alert.headline}
        )
    return redirect(_next(request, reverse("alerts:detail", args=[alert.pk])))


# --- the signed link ---


def _token_problem(token: str) -> tuple[int, str] | None:
    """(status, message) when the token is not a genuine, unexpired one; None when it is."""
    try:
        rules.check_ack_token(token, key=acks.token_key(), now=timezone.now())
    except rules.BadToken as exc:
        if str(exc) == "expired":
            return 400, _("This acknowledgement link has expired.")
        return 404, _("This acknowledgement link is not valid.")
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def ack_token(request: HttpRequest, token: str) -> HttpResponse:
    """No login: GET shows the alert and one button (GET never writes: chat apps prefetch
    links); POST acknowledges. A forged or expired token writes nothing."""
    problem = _token_problem(token)
    if problem is not None:
        status, message = problem
        return render(request, "alerts/ack_token.html", {"problem": message}, status=status)
    rid = rules.check_ack_token(token, key=acks.token_key(), now=timezone.now())
    recipient = Recipient.objects.select_related("alert").filter(pk=rid).first()
    if recipient is None:
        message = _("This acknowledgement link is not valid.")
        return render(request, "alerts/ack_token.html", {"problem": message}, status=404)
    if request.method == "POST":
        try:
            acks.acknowledge_by_token(token=token)
        except ValidationFailed as exc:
            return render(
                request, "alerts/ack_token.html", {"problem": str(exc.message)}, status=400
            )
        except (ConflictError, NotFoundError) as exc:
            context: dict[str, Any] = {"problem": str(exc.message), "alert": recipient.alert}
            return render(request, "alerts/ack_token.html", context, status=409)
        return redirect(request.path + "?done=1")
    alert = recipient.alert
    closed = alert.state not in (State.PUBLISHED, State.UPDATED, State.EXPIRED)
    return render(
        request,
        "alerts/ack_token.html",
        {
            "alert": alert,
            "recipient": recipient,
            "text": alert_text(alert),
            "closed": closed,
            "done": request.GET.get("done") == "1",
        },
    )


# --- a level's relay ---


def relay_or_404(request: HttpRequest, pk: int) -> Relay:
    """A relay at an area the user sees (else 404) and may relay for (else 403)."""
    relay = (
        Relay.objects.select_related("alert", "alert__issuer_area", "area", "parent__area")
        .filter(pk=pk)
        .first()
    )
    if relay is None or not Area.objects.visible_to(request.user).filter(pk=relay.area_id).exists():
        raise Http404(_("No such relay."))
    if not covers(request.user, relay.area.code, Perm.RELAY_ALERTS):
        raise PermissionDenied(
            _("You may not receive alerts for %(area)s.") % {"area": relay.area.name}
        )
    return relay


def _additions(relay: Relay) -> list[dict[str, str]]:
    """Local additions made above this level, top first (each marked as not original)."""
    out: list[dict[str, str]] = []
    parent = relay.parent
    seen = 0
    while parent is not None and seen < 6:
        if parent.local_addition:
            out.append({"area": parent.area.name, "text": parent.local_addition})
        parent = (
            Relay.objects.select_related("area", "parent").filter(pk=parent.parent_id).first()
            if parent.parent_id
            else None
        )
        seen += 1
    return list(reversed(out))


def relay_context(
    relay: Relay, forward_form: ForwardForm | None = None, report_form: ReportForm | None = None
) -> dict[str, Any]:
    alert = relay.alert
    live = alert.state in (State.PUBLISHED, State.UPDATED)
    has_children = Area.objects.filter(parent=relay.area).exists()
    directive = alert.kind == Kind.DIRECTIVE
    return {
        "relay": relay,
        "alert": alert,
        "text": alert_text(alert),
        "intact": relay.intact and relay.received_sha256 == alert.content_sha256,
        "additions": _additions(relay),
        "can_ack": live and relay.acknowledged_at is None,
        "can_forward": alert.state == State.PUBLISHED
        and alert.cascade == "relay"
        and relay.forwarded_at is None
        and has_children,
        "forward_form": forward_form or ForwardForm(),
        "directive": directive,
        "can_report": directive and alert.state in directives.REPORTABLE,
        "report_form": report_form or ReportForm(initial={"report": relay.report}),
        "children": list(relay.children.select_related("area").order_by("area__code")),
        **board_context(alert, relay.area),
    }


@login_required
@require_GET
def relay_page(request: HttpRequest, pk: int) -> HttpResponse:
    relay = relay_or_404(request, pk)
    return render(request, "alerts/relay.html", relay_context(relay))


RELAY_ACTIONS = ("acknowledge", "forward", "report")


@login_required
@require_POST
def relay_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in RELAY_ACTIONS:
        raise Http404(_("No such action."))
    relay = relay_or_404(request, pk)
    user = request.user
    forward_form = ForwardForm(request.POST) if action == "forward" else None
    report_form = ReportForm(request.POST) if action == "report" else None
    form = forward_form or report_form
    try:
        if action == "acknowledge":
            acks.acknowledge_relay(actor=user, relay_id=relay.pk)
            messages.success(request, _("Receipt confirmed for %(area)s.") % {"area": relay.area})
        elif forward_form is not None and forward_form.is_valid():
            created = acks.forward(
                actor=user,
                relay_id=relay.pk,
                local_addition=forward_form.cleaned_data["local_addition"],
            )
            messages.success(
                request,
                _("Forwarded to %(n)d areas below.") % {"n": len(created)},
            )
        elif report_form is not None and report_form.is_valid():
            directives.report_back(
                actor=user, relay_id=relay.pk, report=report_form.cleaned_data["report"]
            )
            messages.success(request, _("Your report is sent to the issuer."))
    except ValidationFailed as exc:
        if form is None:
            raise
        apply_errors(form, exc)
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
        return redirect("alerts:relay", pk=relay.pk)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    if form is not None and form.errors:
        relay.refresh_from_db()
        context = relay_context(relay, forward_form, report_form)
        return render(request, "alerts/relay.html", context, status=422)
    return redirect("alerts:relay", pk=relay.pk)
