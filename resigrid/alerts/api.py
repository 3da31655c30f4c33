"""Alerts API: list and detail (visible_to), draft, approve, publish, update, cancel, forward,
acknowledge (session or token; a signed link needs no login), read receipts, the coverage board,
the integrity check and per-level delays.

Thin: parse → `visible_to` → service or read → schema. Alerts outside the caller's scope answer
404; moves without the right answer 403; bad input 422 naming the field; a move the lifecycle
does not allow answers 409 with the current `state`. Wired at /api/alerts/ by config/api.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from resigrid.alerts import acks, directives, reads, services
from resigrid.alerts.drafting import Draft, draft_alert
from resigrid.alerts.models import Alert, Relay
from resigrid.alerts.schemas import (
    AlertDetailOut,
    AlertOut,
    CancelIn,
    ConflictOut,
    DelaysOut,
    DraftIn,
    ErrorOut,
    ForwardIn,
    ReceiptOut,
    RelayOut,
    TokenIn,
    UpdateIn,
    VerifyOut,
)
from resigrid.alerts.schemas_acks import AckBatchIn, AckBatchOut
from resigrid.alerts.schemas_directives import (
    BoardLevelsOut,
    CaseIn,
    CaseOut,
    RelayReportOut,
    ReportIn,
    ReportsOut,
)
from resigrid.areas.models import Area
from resigrid.core.errors import NotFoundError

_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MOVE_ERRORS: dict[int, Any] = {**_ERRORS, 409: ConflictOut}


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


def _alert(request: HttpRequest, pk: int) -> Alert:
    alert = Alert.objects.visible_to(_user(request)).filter(pk=pk).first()
    if alert is None:
        raise NotFoundError(_("No such alert."))
    return alert


def _relay(request: HttpRequest, pk: int) -> Relay:
    relay = Relay.objects.filter(pk=pk).select_related("area").first()
    if (
        relay is None
        or not Area.objects.visible_to(_user(request)).filter(pk=relay.area_id).exists()
    ):
        raise NotFoundError(_("No such relay."))
    return relay


def _detail(request: HttpRequest, alert: Alert) -> dict[str, Any]:
    data = AlertOut.from_orm(alert).dict()
    data["target_area_ids"] = list(alert.target_areas.values_list("pk", flat=True))
    receipt = reads.my_receipt(user=_user(request), alert=alert)
    data["receipt"] = ReceiptOut.from_orm(receipt).dict() if receipt else None
    return data


def build_router() -> Router:
    """The router (a function so tests can mount a fresh copy on an API of their own)."""
    router = Router()

    @router.get("", response=list[AlertOut], summary="Alerts issued in or relayed into my scope")
    def list_alerts(request: HttpRequest, state: str = "", limit: int = 100) -> Any:
        qs = Alert.objects.visible_to(_user(request))
        if state:
            qs = qs.filter(state=state)
        return list(qs[: max(1, min(limit, 500))])

    @router.post("", response={201: AlertDetailOut, **_ERRORS}, summary="Draft an alert")
    def create(request: HttpRequest, payload: DraftIn) -> Any:
        alert = draft_alert(actor=_user(request), draft=Draft(**payload.dict()))
        return Status(201, _detail(request, alert))

    @router.post(
        "/ack", response={200: ReceiptOut, **_ERRORS}, auth=None, summary="Acknowledge by link"
    )
    def ack_by_token(request: HttpRequest, payload: TokenIn) -> Any:
        return acks.acknowledge_by_token(token=payload.token)

    @router.post(
        "/acks",
        response={200: AckBatchOut, 403: ErrorOut, 422: ErrorOut},
        summary="Acknowledge by link tokens in bulk (SMS gateway, app sync)",
    )
    def ack_batch(request: HttpRequest, payload: AckBatchIn) -> Any:
        acks.check_gateway(_user(request))
        outcomes = acks.acknowledge_many_by_token(tokens=payload.tokens, channel=payload.channel)
        counts = dict.fromkeys(("acknowledged", "already", "invalid", "expired", "closed"), 0)
        for o in outcomes:
            counts[o.outcome] += 1
        results = [
            {"token_index": i, "outcome": o.outcome, "acknowledged_at": o.acknowledged_at}
            for i, o in enumerate(outcomes)
        ]
        return {**counts, "results": results}

    @router.get("/{pk}", response={200: AlertDetailOut, 404: ErrorOut})
    def detail(request: HttpRequest, pk: int) -> Any:
        return _detail(request, _alert(request, pk))

    @router.post("/{pk}/approve", response={200: AlertDetailOut, **MOVE_ERRORS})
    def approve(request: HttpRequest, pk: int) -> Any:
        alert = services.approve(actor=_user(request), alert_id=_alert(request, pk).pk)
        return _detail(request, alert)

    @router.post("/{pk}/publish", response={200: AlertDetailOut, **MOVE_ERRORS})
    def publish(request: HttpRequest, pk: int) -> Any:
        alert = services.publish(actor=_user(request), alert_id=_alert(request, pk).pk)
        return _detail(request, alert)

    @router.post(
        "/{pk}/update", response={201: AlertDetailOut, **MOVE_ERRORS}, summary="Issue an update"
    )
    def update(request: HttpRequest, pk: int, payload: UpdateIn) -> Any:
        new = services.update(
            actor=_user(request), alert_id=_alert(request, pk).pk, changes=payload.changes
        )
        return Status(201, _detail(request, new))

    @router.post("/{pk}/cancel", response={200: AlertDetailOut, **MOVE_ERRORS})
    def cancel(request: HttpRequest, pk: int, payload: CancelIn) -> Any:
        alert = services.cancel(
            actor=_user(request), alert_id=_alert(request, pk).pk, note=payload.note
        )
        return _detail(request, alert)

    @router.post("/{pk}/acknowledge", response={200: ReceiptOut, **MOVE_ERRORS})
    def acknowledge(request: HttpRequest, pk: int) -> Any:
        return acks.acknowledge(actor=_user(request), alert_id=_alert(request, pk).pk)

    @router.post("/{pk}/read", response={200: ReceiptOut | None, 404: ErrorOut})
    def read(request: HttpRequest, pk: int) -> Any:
        return acks.mark_read(actor=_user(request), alert_id=_alert(request, pk).pk)

    @router.get("/{pk}/relays", response={200: list[RelayOut], 404: ErrorOut})
    def relays(request: HttpRequest, pk: int) -> Any:
        alert = _alert(request, pk)
        visible = Area.objects.visible_to(_user(request)).values("pk")
        return list(alert.relays.filter(area__in=visible).order_by("area__code"))

    @router.post("/relays/{relay_id}/acknowledge", response={200: RelayOut, **MOVE_ERRORS})
    def acknowledge_relay(request: HttpRequest, relay_id: int) -> Any:
        return acks.acknowledge_relay(actor=_user(request), relay_id=_relay(request, relay_id).pk)

    @router.post("/relays/{relay_id}/forward", response={201: list[RelayOut], **MOVE_ERRORS})
    def forward(request: HttpRequest, relay_id: int, payload: ForwardIn) -> Any:
        created = acks.forward(
            actor=_user(request),
            relay_id=_relay(request, relay_id).pk,
            local_addition=payload.local_addition,
        )
        return Status(201, created)

    @router.post(
        "/relays/{relay_id}/report",
        response={200: RelayReportOut, **MOVE_ERRORS},
        summary="Report back on a directive (this level)",
    )
    def report_back(request: HttpRequest, relay_id: int, payload: ReportIn) -> Any:
        return directives.report_back(
            actor=_user(request), relay_id=_relay(request, relay_id).pk, report=payload.report
        )

    @router.post(
        "/relays/{relay_id}/case",
        response={201: CaseOut, **MOVE_ERRORS},
        summary="Hand this level a case (上级交办)",
    )
    def directive_case(request: HttpRequest, relay_id: int, payload: CaseIn) -> Any:
        case = directives.create_case(
            actor=_user(request),
            relay_id=_relay(request, relay_id).pk,
            category_code=payload.category,
            title=payload.title,
            description=payload.description,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            priority=payload.priority,
        )
        return Status(201, case)

    @router.get(
        "/{pk}/reports",
        response={200: ReportsOut, 404: ErrorOut},
        summary="Which levels reported back on a directive, which are late",
    )
    def reports(request: HttpRequest, pk: int) -> Any:
        # Each level sees the levels in its own scope; the issuer sees them all.
        visible = Area.objects.visible_to(_user(request)).values("pk")
        return dataclasses.asdict(directives.reports(alert=_alert(request, pk), areas=visible))

    @router.get(
        "/{pk}/board", response={200: BoardLevelsOut, 404: ErrorOut}, summary="Coverage board"
    )
    def board(request: HttpRequest, pk: int, area_id: int) -> Any:
        alert = _alert(request, pk)
        area = Area.objects.visible_to(_user(request)).filter(pk=area_id).first()
        if area is None:
            raise NotFoundError(_("No such area."))
        result = reads.board(alert=alert, area=area)

        def row(r: reads.BoardRow) -> dict[str, Any]:
            return {
                **dataclasses.asdict(r),
                "delivered_pct": r.delivered_pct,
                "read_pct": r.read_pct,
                "acknowledged_pct": r.acknowledged_pct,
            }

        return {
            "area_id": result.area_id,
            "total": row(result.total),
            "grids": [row(g) for g in result.grids],
            "levels": [row(x) for x in result.levels],
            "everyone": row(result.everyone),
        }

    @router.get("/{pk}/verify", response={200: VerifyOut, 404: ErrorOut}, summary="Integrity")
    def verify(request: HttpRequest, pk: int) -> Any:
        alert = _alert(request, pk)
        return dataclasses.asdict(services.verify(alert))

    @router.get("/{pk}/delays", response={200: DelaysOut, 404: ErrorOut}, summary="Level delays")
    def delays(request: HttpRequest, pk: int) -> Any:
        return dataclasses.asdict(reads.delays(alert=_alert(request, pk)))

    return router


router = build_router()
