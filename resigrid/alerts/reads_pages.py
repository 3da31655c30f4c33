"""Reads behind the alert pages: who sees an alert as staff, the areas a user may issue for or
receive at, the banner of unacknowledged alerts, and the labels of log rows. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import RoleBinding
from resigrid.accounts.roles import Perm, roles_granting
from resigrid.alerts.choices import State
from resigrid.alerts.models import Alert, Recipient, Relay
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, scope_prefixes
from resigrid.areas.permissions import covers

ALERT_PERMS = (Perm.ISSUE_ALERTS, Perm.APPROVE_ALERTS, Perm.RELAY_ALERTS)
LIVE = (State.PUBLISHED, State.UPDATED)
MAX_AREAS = 500  # choices in one form; a district issues for its streets and communities
BANNER_ROWS = 3
MAX_RELAYS = 50

ACTION_LABELS: dict[str, Promise] = {
    "draft": _("Drafted"),
    "approve": _("Approved"),
    "publish": _("Published"),
    "update": _("Superseded by an update"),
    "cancel": _("Cancelled"),
    "expire": _("Expired"),
    "discard": _("Discarded"),
    "forward": _("Forwarded down"),
    "relay_ack": _("Level acknowledged receipt"),
    "report": _("Reported back"),
    "report_update": _("Updated its report"),
    "case": _("Case assigned (上级交办)"),
    "integrity": _("Integrity check failed"),
    "escalate": _("Escalated: not acknowledged in time"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def has_alert_rights(user: Any) -> bool:
    """The user holds some alert right somewhere (the gate of the staff pages)."""
    return any(scope_prefixes(user, perm) != [] for perm in ALERT_PERMS)


def staff_of(user: Any, alert: Alert) -> bool:
    """The user handles this alert as staff of its issuing area (issue, approve or relay there)."""
    code = alert.issuer_area.code
    return any(covers(user, code, perm) for perm in ALERT_PERMS)


def relays_of(user: Any, alert: Alert) -> list[Relay]:
    """The alert's relays at areas where the user may receive and forward alerts, top first."""
    qs = Relay.objects.filter(alert=alert).select_related("area")
    prefixes = scope_prefixes(user, Perm.RELAY_ALERTS)
    if prefixes is None:  # everywhere: the top levels only, not every grid of a city
        return list(qs.order_by("area__code")[:MAX_RELAYS])
    if not prefixes:
        return []
    # The relays at the user's own bound areas, not every grid below them.
    bound = bound_areas(user, Perm.RELAY_ALERTS)
    return list(qs.filter(area_id__in=bound).order_by("area__code"))


def bound_areas(user: Any, perm: Perm) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        RoleBinding.objects.filter(user=user, role__in=roles_granting(perm)).values_list(
            "area_id", flat=True
        )
    )


def issuer_areas(user: Any) -> QuerySet[Area]:
    """Areas the user may issue alerts for (above the grids: a grid is not an issuing body)."""
    return (
        Area.objects.visible_to(user, Perm.ISSUE_ALERTS)
        .exclude(level=Level.GRID)
        .order_by("code")[:MAX_AREAS]
    )


def target_areas(user: Any) -> QuerySet[Area]:
    return Area.objects.visible_to(user, Perm.ISSUE_ALERTS).order_by("code")[:MAX_AREAS]


def pending_relays(user: Any) -> QuerySet[Relay]:
    """Live alerts waiting at the user's own levels (areas bound to a role that relays)."""
    return (
        Relay.objects.filter(
            area_id__in=bound_areas(user, Perm.RELAY_ALERTS), alert__state__in=LIVE
        )
        .select_related("alert", "area")
        .order_by("-received_at", "-pk")
    )


def my_receipts(user: Any) -> QuerySet[Recipient]:
    return (
        Recipient.objects.filter(user_id=getattr(user, "pk", 0) or 0)
        .select_related("alert")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class BannerRow:
    alert_id: int
    headline: str
    level: str
    kind: str


def banner(user: Any) -> list[BannerRow]:
    """Published alerts addressed to the user and not yet acknowledged, newest first. One query
    on the recipient's user index; nothing for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        Recipient.objects.filter(
            user_id=user.pk, acknowledged_at__isnull=True, alert__state=State.PUBLISHED
        )
        .order_by("-alert__published_at", "-alert_id")
        .values_list("alert_id", "alert__headline", "alert__level", "alert__kind")[:BANNER_ROWS]
    )
    return [BannerRow(*row) for row in rows]


@dataclass(frozen=True)
class LevelRow:
    area_id: int
    name: str
    recipients: int
    acknowledged: int


def level_rows(alert: Alert, area: Area) -> list[LevelRow]:
    """Staff receipts at the levels above the grids (street, community) under `area`: the
    grid board does not count them, so they get a row each. One grouped query."""
    rows = (
        Recipient.objects.filter(
            alert=alert, grid__isnull=True, relay__area__code__startswith=area.scope_prefix
        )
        .values("relay__area_id", "relay__area__name", "relay__area__code")
        .annotate(n=Count("pk"), acked=Count("pk", filter=Q(acknowledged_at__isnull=False)))
        .order_by("relay__area__code")
    )
    return [LevelRow(r["relay__area_id"], r["relay__area__name"], r["n"], r["acked"]) for r in rows]
