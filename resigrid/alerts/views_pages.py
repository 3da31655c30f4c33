"""Alert pages for the issuing side: the list of the user's scope, drafting and updating, the
detail page with the lifecycle moves, the integrity check, the live coverage board (htmx
polling) and the delays of each level. Thin: parse → scope → service or read → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.alerts import acks, directives, reads, reads_pages, services
from resigrid.alerts.choices import Kind, State
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.forms import CancelForm, DraftForm, FilterForm, UpdateForm
from resigrid.alerts.models import Alert
from resigrid.areas.codes import Level as AreaLevel
from resigrid.areas.maps import tile_layers
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)

PAGE_SIZE = 30


def _require_rights(request: HttpRequest) -> None:
    if not reads_pages.has_alert_rights(request.user):
        raise PermissionDenied(_("You may not handle alerts."))


def alert_or_404(request: HttpRequest, pk: int) -> Alert:
    """An alert in the user's scope, or one addressed to the user; otherwise 404."""
    user = request.user
    alert = (
        Alert.objects.visible_to(user).filter(pk=pk).select_related("issuer_area").first()
        or Alert.objects.filter(pk=pk, recipients__user_id=user.pk or 0)
        .select_related("issuer_area")
        .first()
    )
    if alert is None:
        raise Http404(_("No such alert."))
    return alert


def apply_errors(form: Any, exc: ValidationFailed) -> None:
    """A service's field errors on the form (unknown names become form-wide errors)."""
    errors = exc.errors or {exc.field or "": [str(exc.message)]}
    for name, msgs in errors.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, str(msg))


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    _require_rights(request)
    user = request.user
    filters = FilterForm(request.GET)
    qs = Alert.objects.visible_to(user).select_related("issuer_area")
    if filters.is_valid():
        for name in ("state", "kind", "level"):
            if filters.cleaned_data[name]:
                qs = qs.filter(**{name: filters.cleaned_data[name]})
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "filters": filters,
            "states": State.choices,
            "kinds": Kind.choices,
            "levels": [(v, label) for v, label in Alert._meta.get_field("level").choices or []],
            "query": query.urlencode(),
            "can_issue": reads_pages.issuer_areas(user).exists(),
        },
    )


def _map_config(issuers: list[Area]) -> dict[str, Any]:
    """The drawing map: tiles and the outline of the first issuing area to start from."""
    return {
        "tiles": tile_layers(),
        "outline": issuers[0].boundary if issuers and issuers[0].boundary else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def alert_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    issuers = list(reads_pages.issuer_areas(user))
    if not issuers:
        raise PermissionDenied(_("You may not issue alerts."))
    targets = list(reads_pages.target_areas(user))
    form = DraftForm(request.POST or None, issuers=issuers, targets=targets)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        draft = Draft(
            issuer_area_id=d["issuer_area"],
            target_area_ids=d["target_areas"],
            kind=d["kind"],
            level=d["level"],
            category=d["category"],
            event=d["event"],
            headline=d["headline"],
            description=d["description"],
            instruction=d["instruction"],
            urgency=d["urgency"],
            severity=d["severity"],
            certainty=d["certainty"],
            area_desc=d["area_desc"],
            onset=d["onset"],
            expires=d["expires"],
            ack_minutes=d["ack_minutes"],
            cascade=d["cascade"],
            polygons=d["polygons"],
        )
        try:
            alert = draft_alert(actor=user, draft=draft)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except PermissionDeniedError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The alert is drafted. Check it, then publish it."))
            return redirect("alerts:detail", pk=alert.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "alerts/form.html",
        {"form": form, "map_config": _map_config(issuers), "mode": "new"},
        status=status,
    )


def _moves(user: Any, alert: Alert) -> list[str]:
    """The lifecycle buttons this user may use on this alert now."""
    code = alert.issuer_area.code
    issue = covers(user, code, Perm.ISSUE_ALERTS)
    moves = []
    needs_approval = services.approval_required(alert.issuer_area.level)
    if (
        alert.state == State.DRAFT
        and needs_approval
        and covers(user, code, Perm.APPROVE_ALERTS)
        and alert.created_by_id != user.pk
    ):
        moves.append("approve")
    if issue and (
        alert.state == State.APPROVED or (alert.state == State.DRAFT and not needs_approval)
    ):
        moves.append("publish")
    if issue and alert.state == State.PUBLISHED:
        moves += ["update", "cancel"]
    return moves


def _board_area(request: HttpRequest, alert: Alert) -> Area | None:
    """The area whose grids the board shows: ?area= if visible, else the issuing area for its
    staff, else the user's highest level that received the alert."""
    user = request.user
    wanted = request.GET.get("area", "")
    if wanted.isdigit():
        area = Area.objects.visible_to(user).filter(pk=int(wanted)).first()
        if area is None:
            raise Http404(_("No such area."))
        return area
    if reads_pages.staff_of(user, alert):
        return alert.issuer_area
    relays = reads_pages.relays_of(user, alert)
    return relays[0].area if relays else None


def board_context(alert: Alert, area: Area | None) -> dict[str, Any]:
    if area is None or alert.state == State.DRAFT or alert.state == State.APPROVED:
        return {"board": None, "board_area": area, "alert": alert}
    result = reads.board(alert=alert, area=area)
    prefixes = [a.scope_prefix for a in alert.target_areas.all()]
    grids = [g for g in result.grids if any(g.code.startswith(p) for p in prefixes)]
    return {
        "board": result,
        "grids": grids,
        "levels": reads_pages.level_rows(alert, area),
        "board_area": area,
        "alert": alert,
    }


def _delays(user: Any, alert: Alert) -> dict[str, Any]:
    result = reads.delays(alert=alert)
    if reads_pages.staff_of(user, alert):
        rows = result.relays
    else:
        visible = set(
            Area.objects.visible_to(user)
            .filter(pk__in=[r.area_id for r in result.relays])
            .values_list("pk", flat=True)
        )
        rows = [r for r in result.relays if r.area_id in visible]
    medians = [
        {
            "level": level,
            "label": AreaLevel(level).label if level in AreaLevel.values else level,
            **values,
        }
        for level, values in result.medians.items()
    ]
    return {"rows": rows, "medians": medians}


def detail_context(
    request: HttpRequest, alert: Alert, cancel_form: CancelForm | None = None
) -> dict[str, Any]:
    user = request.user
    staff = reads_pages.staff_of(user, alert)
    relays = reads_pages.relays_of(user, alert)
    published = bool(alert.content_sha256)
    log = [
        {"row": row, "label": reads_pages.action_label(row.action)}
        for row in alert.log.select_related("actor", "area")
    ]
    return {
        "alert": alert,
        "staff": staff,
        "moves": _moves(user, alert) if staff else [],
        "approval_required": services.approval_required(alert.issuer_area.level),
        "cancel_form": cancel_form or CancelForm(),
        "targets": list(alert.target_areas.order_by("code")),
        "receipt": reads.my_receipt(user=user, alert=alert),
        "my_relays": relays,
        "verification": services.verify(alert) if published and (staff or relays) else None,
        "delays": _delays(user, alert) if published and (staff or relays) else None,
        "log": log if staff or relays else [],
        "superseded_by": alert.superseded_by.order_by("pk").first(),
        "reports": directives.reports(alert=alert)
        if published and staff and alert.kind == Kind.DIRECTIVE
        else None,
        **board_context(alert, _board_area(request, alert) if staff or relays else None),
    }


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = alert_or_404(request, pk)
    receipt = acks.mark_read(actor=request.user, alert_id=alert.pk)  # the read receipt
    context = detail_context(request, alert)
    context["receipt"] = receipt
    if not (context["staff"] or context["my_relays"]):
        return render(request, "alerts/receipt.html", context)
    return render(request, "alerts/detail.html", context)


@login_required
@require_GET
def alert_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The coverage board alone, for htmx polling every 15 s."""
    alert = alert_or_404(request, pk)
    if not (
        reads_pages.staff_of(request.user, alert) or reads_pages.relays_of(request.user, alert)
    ):
        raise PermissionDenied(_("You may not see the coverage of this alert."))
    return render(request, "alerts/_board.html", board_context(alert, _board_area(request, alert)))


MOVE_PERMS = {
    "approve": Perm.APPROVE_ALERTS,
    "publish": Perm.ISSUE_ALERTS,
    "cancel": Perm.ISSUE_ALERTS,
}


@login_required
@require_POST
def alert_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    """Approve, publish or cancel; a refused move comes back with a clear message."""
    if move not in MOVE_PERMS:
        raise Http404(_("No such action."))
    alert = alert_or_404(request, pk)
    user = request.user
    if not covers(user, alert.issuer_area.code, MOVE_PERMS[move]):
        raise PermissionDenied(
            _("You may not do this for alerts of %(area)s.") % {"area": alert.issuer_area.name}
        )
    cancel_form = CancelForm(request.POST) if move == "cancel" else None
    try:
        if move == "approve":
            services.approve(actor=user, alert_id=alert.pk)
            messages.success(request, _("The alert is approved."))
        elif move == "publish":
            services.publish(actor=user, alert_id=alert.pk)
            messages.success(request, _("The alert is published and on its way."))
        else:
            assert cancel_form is not None  # noqa: S101 - made above for this move
            if cancel_form.is_valid():
                services.cancel(
                    actor=user, alert_id=alert.pk, note=cancel_form.cleaned_data["note"]
                )
                messages.success(request, _("The alert is cancelled; everyone who got it is told."))
    except ValidationFailed as exc:
        assert cancel_form is not None  # noqa: S101 - only cancel validates input
        apply_errors(cancel_form, exc)
    except ConflictError as exc:
        messages.warning(request, str(exc.message))
        return redirect("alerts:detail", pk=alert.pk)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    if cancel_form is not None and cancel_form.errors:
        alert.refresh_from_db()
        context = detail_context(request, alert, cancel_form)
        return render(request, "alerts/detail.html", context, status=422)
    return redirect("alerts:detail", pk=alert.pk)


@login_required
@require_http_methods(["GET", "POST"])
def alert_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A CAP Update: the changed fields go out as a new alert that supersedes this one."""
    alert = alert_or_404(request, pk)
    if not covers(request.user, alert.issuer_area.code, Perm.ISSUE_ALERTS):
        raise PermissionDenied(
            _("You may not update alerts of %(area)s.") % {"area": alert.issuer_area.name}
        )
    if alert.state != State.PUBLISHED:
        messages.warning(request, _("Only a published alert can be updated."))
        return redirect("alerts:detail", pk=alert.pk)
    form = UpdateForm(request.POST or None, alert=alert)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.update(actor=request.user, alert_id=alert.pk, changes=form.changes())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except ConflictError as exc:
            messages.warning(request, str(exc.message))
            return redirect("alerts:detail", pk=alert.pk)
        else:
            messages.success(request, _("The update is published and replaces the alert."))
            return redirect("alerts:detail", pk=new.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "alerts/form.html",
        {"form": form, "alert": alert, "mode": "update", "map_config": None},
        status=status,
    )
