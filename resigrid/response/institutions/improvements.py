"""Improvement items: the one service drills, inspections and after-action reviews use to turn a
lesson into work with an owner and a due date, and to close it."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area
from resigrid.areas.permissions import covers
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.orgs.models import Unit
from resigrid.response.institutions.models import (
    ImprovementItem,
    ImprovementSource,
    ImprovementState,
)
from resigrid.response.plans.models import Plan


def add_improvement_item(
    *,
    actor: User,
    area: Area,
    source: ImprovementSource,
    source_id: int | None,
    title: str,
    due_date: date,
    owner_unit: Unit | None = None,
    owner_user: User | None = None,
    detail: str = "",
    plan: Plan | None = None,
    perm: Perm = Perm.MANAGE_INSTITUTIONS,
) -> ImprovementItem:
    """A lesson with an owner and a due date. `perm` is the right the caller's flow needs on
    `area` (an after-action review passes MANAGE_RECOVERY)."""
    if not covers(actor, area.code, perm):
        raise PermissionDeniedError(_("You may not add improvement items for this area."))
    title = title.strip()
    if not title:
        raise ValidationFailed(_("Say what is to be improved."), field="title")
    if len(title) > 200:
        raise ValidationFailed(
            _("What to improve is too long (at most 200 characters)."), field="title"
        )
    if owner_unit is None and owner_user is None:
        raise ValidationFailed(_("An improvement item needs an owner."), field="owner")
    if plan is not None and not covers(actor, plan.area.code, Perm.VIEW_RESPONSE):
        raise ValidationFailed(_("That plan is not one you can see."), field="plan")
    return ImprovementItem.objects.create(
        area=area,
        source=source,
        source_id=source_id,
        title=title,
        detail=detail.strip(),
        owner_unit=owner_unit,
        owner_user=owner_user,
        due_date=due_date,
        plan=plan,
    )


def close_improvement_item(
    *, actor: User, item: ImprovementItem, done: bool = True, perm: Perm = Perm.MANAGE_INSTITUTIONS
) -> ImprovementItem:
    """Mark an open item done (or dropped). A closed item cannot be closed again."""
    with transaction.atomic():
        locked = ImprovementItem.objects.select_for_update().select_related("area").get(pk=item.pk)
        if not covers(actor, locked.area.code, perm):
            raise PermissionDeniedError(_("You may not change improvement items of this area."))
        if locked.state != ImprovementState.OPEN:
            raise ConflictError(
                _("This improvement item is already closed."), state=str(locked.state)
            )
        locked.state = ImprovementState.DONE if done else ImprovementState.DROPPED
        locked.done_at = timezone.now()
        locked.save(update_fields=["state", "done_at", "updated_at"])
        return locked
