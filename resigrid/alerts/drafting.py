"""Drafting alerts: the one entry point for people (pages, API) and for the platform's own
rules (a sensor crossing a threshold drafts a warning by itself)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.roles import Perm
from resigrid.alerts.choices import (
    CapCategory,
    Certainty,
    Kind,
    Level,
    Severity,
    Source,
    State,
    Urgency,
)
from resigrid.alerts.models import Alert, AlertLog
from resigrid.alerts.rules import SEVERITY_OF_LEVEL
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import PermissionDeniedError, ValidationFailed


@dataclass
class Draft:
    issuer_area_id: int
    target_area_ids: Sequence[int]
    kind: str
    event: str
    headline: str
    description: str
    category: str = CapCategory.OTHER
    level: str = ""
    instruction: str = ""
    urgency: str = Urgency.EXPECTED
    severity: str = ""  # from the level when empty
    certainty: str = Certainty.LIKELY
    area_desc: str = ""
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    ack_minutes: int = 30
    cascade: str = "direct"
    polygons: list[Any] = field(default_factory=list)


def _errors(d: Draft) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if d.kind not in Kind.values:
        fail("kind", _("Choose warning, notice or directive."))
    if d.kind == Kind.WARNING and d.level not in Level.values:
        fail("level", _("A warning needs a colour level (blue, yellow, orange or red)."))
    if d.level and d.level not in Level.values:
        fail("level", _("Unknown level."))
    if d.category not in CapCategory.values:
        fail("category", _("Unknown CAP category."))
    if d.urgency not in Urgency.values:
        fail("urgency", _("Unknown urgency."))
    if d.severity and d.severity not in Severity.values:
        fail("severity", _("Unknown severity."))
    if d.certainty not in Certainty.values:
        fail("certainty", _("Unknown certainty."))
    for name, limit in (("event", 100), ("headline", 160)):
        value = str(getattr(d, name)).strip()
        if not value:
            fail(name, _("This field is required."))
        elif len(value) > limit:
            fail(name, _("At most %(n)d characters.") % {"n": limit})
    if not d.description.strip():
        fail("description", _("This field is required."))
    if not d.target_area_ids:
        fail("target_areas", _("Choose the areas the alert covers."))
    if not 1 <= d.ack_minutes <= 7 * 24 * 60:
        fail("ack_minutes", _("Between 1 minute and 7 days."))
    if d.cascade not in ("direct", "relay"):
        fail("cascade", _("Unknown distribution."))
    if d.onset and d.expires and d.expires <= d.onset:
        fail("expires", _("The alert must expire after its onset."))
    return errors


@transaction.atomic
def draft_alert(
    *,
    actor: Any,
    draft: Draft,
    source: str = Source.MANUAL,
    source_ref: str = "",
    system: bool = False,
) -> Alert:
    """A new alert in state draft. The issuer must hold ISSUE_ALERTS on the issuing area and
    every target area must lie inside the issuing area (`system=True`: a platform rule, no actor).
    """
    errors = _errors(draft)
    issuer = Area.objects.filter(pk=draft.issuer_area_id).first()
    if issuer is None:
        errors.setdefault("issuer_area", []).append(_("Unknown area."))
    targets = list(Area.objects.filter(pk__in=list(draft.target_area_ids)))
    if len(targets) != len(set(draft.target_area_ids)):
        errors.setdefault("target_areas", []).append(_("Unknown area."))
    if errors or issuer is None:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], field=first, errors=errors)
    if not system and not covers(actor, issuer.code, Perm.ISSUE_ALERTS):
        raise PermissionDeniedError(
            _("You may not issue alerts for %(area)s.") % {"area": issuer.name}
        )
    outside = [a.name for a in targets if not a.is_within(issuer)]
    if outside:
        raise PermissionDeniedError(
            _("The alert covers areas outside %(area)s: %(names)s.")
            % {"area": issuer.name, "names": "、".join(outside)}
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    severity = draft.severity or (
        SEVERITY_OF_LEVEL[Level(draft.level)] if draft.level else Severity.UNKNOWN
    )
    alert = Alert.objects.create(
        identifier=f"draft-{timezone.now():%Y%m%d%H%M%S%f}-{issuer.pk}",
        sender=f"resigrid@{issuer.code}",
        sender_name=issuer.name,
        kind=draft.kind,
        level=draft.level,
        category=draft.category,
        event=draft.event.strip(),
        urgency=draft.urgency,
        severity=severity,
        certainty=draft.certainty,
        headline=draft.headline.strip(),
        description=draft.description.strip(),
        instruction=draft.instruction.strip(),
        area_desc=draft.area_desc.strip() or "、".join(a.name for a in targets),
        polygons=draft.polygons,
        geocodes=[a.code for a in targets],
        onset=draft.onset,
        expires=draft.expires,
        ack_minutes=draft.ack_minutes,
        cascade=draft.cascade,
        issuer_area=issuer,
        source=source,
        source_ref=source_ref[:120],
        created_by=user,
    )
    alert.target_areas.set(targets)
    AlertLog.objects.create(
        alert=alert,
        at=timezone.now(),
        actor=user,
        action="draft",
        to_state=State.DRAFT,
        area=issuer,
    )
    return alert
