"""The institution list (制度清单) and its practice: procedures with versions, inspections,
drills and trainings, and the improvement items that lessons and reviews produce. The skeleton
holds `ImprovementItem` (drills, inspections and after-action reviews all create them); the
institutions app adds the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.models import Unit
from resigrid.response.plans.models import Plan

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class ImprovementSource(models.TextChoices):
    DRILL = "drill", _("Drill or training")
    INSPECTION = "inspection", _("Inspection")
    REVIEW = "review", _("After-action review")
    OTHER = "other", _("Other")


class ImprovementState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ImprovementItemQuerySet(models.QuerySet["ImprovementItem"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> ImprovementItemQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def open(self) -> ImprovementItemQuerySet:
        return self.filter(state=ImprovementState.OPEN)


class ImprovementItem(TimeStampedModel):
    """A lesson turned into work: what to improve, who owns it, by when; optionally the plan
    it revises (an after-action review's items feed plan revisions)."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="improvement_items", verbose_name=_("area")
    )
    source = models.CharField(_("source"), max_length=12, choices=ImprovementSource.choices)
    # The drill, inspection or review it came from (by id: those live in different apps).
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    title = models.CharField(_("what to improve"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("owner unit"),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    state = models.CharField(
        _("state"), max_length=8, choices=ImprovementState.choices, default=ImprovementState.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("plan to revise"),
    )

    objects = ImprovementItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")
        ordering = ["state", "due_date", "pk"]
        indexes = [models.Index(fields=["source", "source_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_unit__isnull=False) | models.Q(owner_user__isnull=False),
                name="improvement_item_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title
