"""Read side of bulletins: the public list (published only, any area or one area's subtree)
and the rows the API and pages show."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from resigrid.areas.codes import ancestor_codes
from resigrid.areas.models import Area
from resigrid.core.errors import DomainError
from resigrid.registers.choices import ResponseLevel
from resigrid.response.bulletins.models import Bulletin, BulletinQuerySet
from resigrid.response.incidents.models import Incident

PUBLIC_LIMIT = 100


def public(area_code: str | None = None) -> BulletinQuerySet:
    """Published bulletins, newest first; with an area code, those of that area and the areas
    above and below it (a resident of a grid reads the street's releases too)."""
    qs = Bulletin.objects.published().select_related("area").order_by("-published_at", "-pk")
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return qs.none()
        ancestors = ancestor_codes(area.code)
        qs = qs.filter(area__code__startswith=area.scope_prefix) | qs.filter(
            area__code__in=ancestors
        )
    return qs


def bulletin_row(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.pk,
        "incident_id": b.incident_id,
        "area_id": b.area_id,
        "area_code": b.area.code,
        "area_name": b.area.name,
        "kind": b.kind,
        "title": b.title,
        "body": b.body,
        "rumour": b.rumour,
        "state": b.state,
        "drafted_by": b.drafted_by.display_name,
        "drafted_at": b.drafted_at,
        "approved_by": b.approved_by.display_name if b.approved_by else None,
        "approved_at": b.approved_at,
        "published_at": b.published_at,
        "withdrawn_at": b.withdrawn_at,
        "withdraw_reason": b.withdraw_reason,
    }


def public_row(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.pk,
        "area_code": b.area.code,
        "area_name": b.area.name,
        "kind": b.kind,
        "title": b.title,
        "body": b.body,
        "rumour": b.rumour,
        "published_at": b.published_at,
    }


def plan_templates(incident: Incident | None) -> list[dict[str, str]]:
    """The bulletin templates of the incident's activated plan at its level, placeholders
    ({area}, {level}, {time}) filled in; empty when there is no plan or it gives none."""
    if incident is None or incident.plan_id is None or not incident.plan_level:
        return []
    from resigrid.response.plans.activation import activation_for

    try:
        activation = activation_for(incident.plan, ResponseLevel(incident.plan_level))  # type: ignore[arg-type]
    except (NotImplementedError, DomainError, ValueError):
        return []
    when = timezone.localtime(incident.activated_at or incident.opened_at)
    values = {
        "{area}": incident.area.name,
        "{level}": str(ResponseLevel(incident.plan_level).label),
        "{time}": f"{when:%Y-%m-%d %H:%M}",
    }

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    return [{"title": fill(b.title), "body": fill(b.body)} for b in activation.bulletins]
