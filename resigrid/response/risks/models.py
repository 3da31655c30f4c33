"""Models of the risk register (风险清单): risk points with their current rating, the history of
assessments and reviews, control measures, and a log of every change of state.

The rating maths lives in `resigrid.response.risk_rules` (pure); `rating.py` applies it with the
configured cut points. `band` is the current band (residual when assessed, else inherent) kept on
the row for fast filtering; `next_review_due` likewise for the overdue list."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, Building, restrict_to_scope
from resigrid.cases.models import Case
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class Method(models.TextChoices):
    MATRIX = "matrix", _("5×5 risk matrix")
    LEC = "lec", _("LEC (work hazards)")


class BandChoice(models.TextChoices):
    """The values of `risk_rules.Band`, labelled 低 / 一般 / 较大 / 重大."""

    LOW = "low", _("Low (blue)")
    GENERAL = "general", _("General (yellow)")
    LARGE = "large", _("Large (orange)")
    MAJOR = "major", _("Major (red)")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONTROLLED = "controlled", _("Controlled")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


class Origin(models.TextChoices):
    MANUAL = "manual", _("Entered by staff")
    SIMULATION = "simulation", _("Found by a simulation")


ACTIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.CONTROLLED, RiskStatus.ESCALATED)


class RiskPointQuerySet(models.QuerySet["RiskPoint"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> RiskPointQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def active(self) -> RiskPointQuerySet:
        return self.exclude(status=RiskStatus.CLOSED)

    def overdue(self, today: dt.date) -> RiskPointQuerySet:
        """Not closed, and the review was due before today (overdue the day after it is due)."""
        return self.active().filter(next_review_due__lt=today)


class RiskPoint(models.Model):
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="risk_points", verbose_name=_("area")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_points",
        verbose_name=_("building"),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    hazard_class = models.CharField(_("hazard class"), max_length=16, choices=HazardClass.choices)
    subtype = models.CharField(_("subtype"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    responsible_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_points",
        verbose_name=_("responsible unit"),
    )
    responsible_person = models.CharField(_("responsible person"), max_length=40, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible account"),
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    # Inherent rating: matrix L, harm, scale, property loss (S = the worst) or LEC L, E, C.
    likelihood = models.PositiveSmallIntegerField(_("likelihood (L)"), null=True, blank=True)
    harm = models.PositiveSmallIntegerField(_("harm to people"), null=True, blank=True)
    scale = models.PositiveSmallIntegerField(_("affected scale"), null=True, blank=True)
    property_loss = models.PositiveSmallIntegerField(_("property loss"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity (S)"), null=True, blank=True)
    lec_l = models.DecimalField(_("LEC L"), max_digits=5, decimal_places=1, null=True, blank=True)
    lec_e = models.DecimalField(_("LEC E"), max_digits=5, decimal_places=1, null=True, blank=True)
    lec_c = models.DecimalField(_("LEC C"), max_digits=5, decimal_places=1, null=True, blank=True)
    score = models.DecimalField(_("risk value (R or D)"), max_digits=9, decimal_places=2)
    inherent_band = models.CharField(_("inherent level"), max_length=8, choices=BandChoice.choices)
    # Residual rating after controls (same method; never above the inherent factors).
    residual_likelihood = models.PositiveSmallIntegerField(
        _("residual likelihood"), null=True, blank=True
    )
    residual_severity = models.PositiveSmallIntegerField(
        _("residual severity"), null=True, blank=True
    )
    residual_lec_l = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    residual_lec_e = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    residual_lec_c = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    residual_score = models.DecimalField(
        _("residual risk value"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    residual_band = models.CharField(
        _("residual level"), max_length=8, choices=BandChoice.choices, blank=True
    )
    band = models.CharField(_("level"), max_length=8, choices=BandChoice.choices, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    last_reviewed_on = models.DateField(_("last reviewed on"))
    next_review_due = models.DateField(_("next review due"), db_index=True)
    # Escalation (上报): a case opened upward, to the parent area of `area`.
    escalated_case = models.OneToOneField(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_point",
        verbose_name=_("escalation case"),
    )
    escalated_to = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Where the entry came from; a simulation's risk point is entered at most once.
    origin = models.CharField(
        _("origin"), max_length=12, choices=Origin.choices, default=Origin.MANUAL
    )
    sim_run_id = models.PositiveIntegerField(_("simulation run"), null=True, blank=True)
    sim_point_key = models.CharField(_("simulation risk point"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RiskPointQuerySet.as_manager()

    if TYPE_CHECKING:
        reviews: models.Manager[RiskReview]
        controls: models.Manager[RiskControl]
        log: models.Manager[RiskLog]

    class Meta:
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        ordering = ["next_review_due", "pk"]
        indexes = [
            models.Index(fields=["hazard_class", "band"], name="risk_class_band_idx"),
            models.Index(fields=["status", "next_review_due"], name="risk_status_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sim_run_id", "sim_point_key"],
                condition=Q(sim_run_id__isnull=False),
                name="risk_one_entry_per_sim_point",
            ),
            models.CheckConstraint(
                condition=(Q(lon__isnull=True) & Q(lat__isnull=True))
                | (Q(lon__isnull=False) & Q(lat__isnull=False)),
                name="risk_lon_lat_together",
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(escalated_case__isnull=False),
                name="risk_escalated_has_case",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def colour(self) -> str:
        return BAND_COLOURS[self.band]

    @property
    def is_active(self) -> bool:
        return self.status != RiskStatus.CLOSED


BAND_COLOURS = {"low": "blue", "general": "yellow", "large": "orange", "major": "red"}


class ReviewKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Initial assessment")
    REASSESSMENT = "reassessment", _("Reassessment")
    REVIEW = "review", _("Periodic review")


class RiskReview(models.Model):
    """One assessment or review: who, when, the ratings then, the note, the next due date."""

    risk = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("kind"), max_length=12, choices=ReviewKind.choices)
    reviewed_on = models.DateField(_("reviewed on"))
    at = models.DateTimeField(_("at"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    factors = models.JSONField(_("factors"), default=dict)
    score = models.DecimalField(_("risk value"), max_digits=9, decimal_places=2)
    band = models.CharField(_("inherent level"), max_length=8, choices=BandChoice.choices)
    residual_score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    residual_band = models.CharField(
        _("residual level"), max_length=8, choices=BandChoice.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    next_due = models.DateField(_("next review due"))

    class Meta:
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.kind} {self.reviewed_on}"


class ControlState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PLACE = "in_place", _("In place")
    RETIRED = "retired", _("Retired")


class RiskControl(models.Model):
    """A control measure (管控措施) with its owner and state."""

    risk = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="controls")
    measure = models.CharField(_("measure"), max_length=300)
    owner = models.CharField(_("owner"), max_length=60, blank=True)
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner unit"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ControlState.choices, default=ControlState.PLANNED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.measure


class RiskLog(models.Model):
    """Every change of a risk point: who, when, what, from which status to which, note."""

    risk = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("risk log entry")
        verbose_name_plural = _("risk log entries")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk_id} {self.action}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the code stays in ``action``)."""
        return str(LOG_LABELS.get(self.action, self.action))

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(code: str) -> str:
    return str(RiskStatus(code).label) if code in RiskStatus.values else code


LOG_LABELS = {
    "create": pgettext_lazy("risk log", "Entered"),
    "update": pgettext_lazy("risk log", "Edited"),
    "review": pgettext_lazy("risk log", "Reviewed"),
    "close": pgettext_lazy("risk log", "Closed"),
    "control": pgettext_lazy("risk log", "Control added"),
    "control_state": pgettext_lazy("risk log", "Control changed"),
    "escalate": pgettext_lazy("risk log", "Escalated"),
}
