"""Models of allocation of relief supplies to grids.

An `AllocationPlan` (for an incident or just an area) holds the needs per grid and item
(`NeedLine`, from the activated plan's per-1,000 figures × the grid's residents, or entered by
hand) and the lines the transport solver proposes (`AllocationLine`: so many units of one lot of
one depot to one grid). Reserving the plan writes a reservation movement per line (stock kind
`reserve`, with the lot), issuing writes the stock-out and releases the reservation, and the
grid confirms what arrived. Quantities are whole units (the solver is integral).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.resources.models import Batch, Depot, Item
from resigrid.response.incidents.models import Incident

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RESERVED = "reserved", _("Reserved")
    ISSUED = "issued", _("Issued")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class LineState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    RESERVED = "reserved", _("Reserved")
    ISSUED = "issued", _("Issued")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class NeedSource(models.TextChoices):
    PLAN = "plan", _("Plan per 1,000 residents")
    ENTERED = "entered", _("Entered")


class AllocationPlanQuerySet(models.QuerySet["AllocationPlan"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> AllocationPlanQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class AllocationPlan(models.Model):
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocation_plans",
        verbose_name=_("incident"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    title = models.CharField(_("title"), max_length=160)
    state = models.CharField(
        _("state"), max_length=10, choices=PlanState.choices, default=PlanState.DRAFT
    )
    needed_by = models.DateField(_("delivery date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    total_distance_m = models.BigIntegerField(_("total distance (unit·m)"), default=0)
    total_shortage = models.PositiveIntegerField(_("total shortage"), default=0)
    # Solver figures: wall time, arcs, depots, grids, expired lots left out, penalty.
    figures = models.JSONField(_("solver figures"), default=dict, blank=True)

    objects = AllocationPlanQuerySet.as_manager()

    if TYPE_CHECKING:
        needs: models.Manager[NeedLine]
        lines: models.Manager[AllocationLine]
        events: models.Manager[AllocationEvent]

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NeedLine(models.Model):
    plan = models.ForeignKey(
        AllocationPlan, on_delete=models.CASCADE, related_name="needs", verbose_name=_("plan")
    )
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    source = models.CharField(_("source"), max_length=8, choices=NeedSource.choices)
    per_thousand = models.DecimalField(
        _("per 1,000 residents"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    population = models.PositiveIntegerField(_("affected residents"), null=True, blank=True)
    shortage = models.PositiveIntegerField(_("shortage"), default=0)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["grid__code", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "grid", "item"], name="uniq_need_grid_item"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.item_id}: {self.quantity}"


class AllocationLineQuerySet(models.QuerySet["AllocationLine"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> AllocationLineQuerySet:
        return restrict_to_scope(self, user, perm, "plan__area__code", "grid__code")

    def to_confirm(self) -> AllocationLineQuerySet:
        return self.filter(state=LineState.ISSUED)


class AllocationLine(models.Model):
    plan = models.ForeignKey(
        AllocationPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    depot = models.ForeignKey(Depot, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    state = models.CharField(
        _("state"), max_length=10, choices=LineState.choices, default=LineState.PROPOSED
    )
    received_quantity = models.PositiveIntegerField(_("quantity received"), null=True, blank=True)
    received_note = models.CharField(_("note on receipt"), max_length=500, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery confirmed by"),
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = AllocationLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["plan", "item__code", "grid__code", "depot_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="alloc_line_qty_positive"),
        ]
        indexes = [models.Index(fields=["grid", "state"], name="alloc_line_grid_state")]

    def __str__(self) -> str:
        return f"{self.quantity} {self.item_id} {self.depot_id}→{self.grid_id}"

    @property
    def reference(self) -> str:
        """The reference written on this line's stock movements."""
        return f"alloc:{self.plan_id}:{self.pk}"

    @property
    def discrepancy(self) -> int | None:
        if self.received_quantity is None:
            return None
        return self.received_quantity - self.quantity


class AllocationEvent(models.Model):
    """The plan's own log (also written to the incident's log when there is an incident)."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=32)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation event")
        verbose_name_plural = _("allocation events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the code stays in ``action``)."""
        return str(EVENT_LABELS.get(self.action, self.action))


EVENT_LABELS = {
    "created": pgettext_lazy("allocation log", "Created"),
    "needs": pgettext_lazy("allocation log", "Needs set"),
    "computed": pgettext_lazy("allocation log", "Computed"),
    "reserved": pgettext_lazy("allocation log", "Stock reserved"),
    "issued": pgettext_lazy("allocation log", "Issued"),
    "delivered": pgettext_lazy("allocation log", "Delivery confirmed"),
    "discrepancy": pgettext_lazy("allocation log", "Delivered with a discrepancy"),
    "all_delivered": pgettext_lazy("allocation log", "All delivered"),
    "cancelled": pgettext_lazy("allocation log", "Cancelled"),
}
