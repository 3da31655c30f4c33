"""Emergency plans (预案): per hazard class and area, with levels, command roles, task templates,
resource needs per 1,000 residents and bulletin templates. The skeleton holds `Plan`; the plans
app adds the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.registers.choices import HazardClass

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> PlanQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def active(self) -> PlanQuerySet:
        return self.filter(active=True)


class Plan(TimeStampedModel):
    title = models.CharField(_("title"), max_length=120)
    hazard_class = models.CharField(_("hazard class"), max_length=20, choices=HazardClass.choices)
    hazard_subtype = models.CharField(_("hazard subtype"), max_length=60, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="plans", verbose_name=_("area")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    active = models.BooleanField(_("active"), default=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["area__code", "hazard_class", "title"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"
