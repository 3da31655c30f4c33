"""Reads of the institution list for pages and the API (scoped by `visible_to`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import User
from resigrid.core.errors import ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions.drills import people_of, units_of
from resigrid.response.institutions.models import (
    Drill,
    ImprovementItem,
    ImprovementSource,
    ImprovementState,
    InspectionSchedule,
)

STATUSES = ("open", "overdue", "done")


def improvements(user: Any, status: str = "") -> QuerySet[ImprovementItem]:
    """Improvement items of the user's scope: all, open, overdue or done (closed)."""
    qs = ImprovementItem.objects.visible_to(user).select_related("area", "owner_unit", "owner_user")
    if status == "open":
        return qs.open()
    if status == "overdue":
        return qs.overdue(timezone.localdate())
    if status == "done":
        return qs.closed()
    if status:
        raise ValidationFailed(_("Unknown status: open, overdue or done."), field="status")
    return qs


def lessons_of(drill: Drill) -> QuerySet[ImprovementItem]:
    return ImprovementItem.objects.filter(
        source=ImprovementSource.DRILL, source_id=drill.pk
    ).select_related("owner_unit", "owner_user")


def owner_choices(drill: Drill) -> tuple[QuerySet[User], QuerySet[Unit]]:
    """Accounts and units that may own a lesson of the drill (those of its area)."""
    users = User.objects.filter(people_of(drill.area)).order_by("full_name", "pk")
    units = Unit.objects.filter(units_of(drill.area)).order_by("name", "pk")
    return users, units


def counts(user: Any) -> dict[str, int]:
    today = timezone.localdate()
    qs = ImprovementItem.objects.visible_to(user)
    return {
        "open": qs.filter(state=ImprovementState.OPEN).count(),
        "overdue": qs.filter(Q(state=ImprovementState.OPEN) & Q(due_date__lt=today)).count(),
    }


def due_for(user: Any, today: Any) -> list[InspectionSchedule]:
    """Active schedules the user is responsible for that are due today or overdue."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        InspectionSchedule.objects.filter(responsible_user=user, active=True, next_due__lte=today)
        .select_related("area")
        .order_by("next_due")[:20]
    )
