"""Models of recovery needs and after-action reviews.

A `NeedsAssessment` is one visit to one household during an incident; it records one
`HouseholdNeed` per kind of need found (housing, necessities, medical, psychological,
livelihood). Each need is matched to a unit's commitment (资源清单 line) or to a service named in
free text, optionally becomes an `IncidentTask` of the unit, and is tracked to closure with an
outcome. Medical and psychological needs are health data (PIPL art. 28): their free text is shown
only to holders of `Perm.VIEW_VULNERABLE` on the household's grid (see `reads.py`).

An `AfterActionReview` (复盘) records what went well and wrong; its findings are
`institutions.ImprovementItem` rows (source=review, source_id=review.pk), never a model of
this app. One review per incident; later ones must name the review they follow up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.models import Commitment, Unit
from resigrid.people.models import Household
from resigrid.response.incidents.models import Incident, IncidentTask

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class NeedKind(models.TextChoices):
    HOUSING = "housing", _("Housing")
    NECESSITIES = "necessities", _("Daily necessities")
    MEDICAL = "medical", _("Medical")
    PSYCHOLOGICAL = "psychological", _("Psychological")
    LIVELIHOOD = "livelihood", _("Livelihood")


# Health data (PIPL art. 28): details only with Perm.VIEW_VULNERABLE on the household's grid.
SENSITIVE_KINDS = frozenset({NeedKind.MEDICAL.value, NeedKind.PSYCHOLOGICAL.value})


class NeedSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class NeedState(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class NeedOutcome(models.TextChoices):
    MET = "met", _("Met")
    PARTLY_MET = "partly_met", _("Partly met")
    NOT_MET = "not_met", _("Not met (referred on)")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")


class NeedsAssessmentQuerySet(models.QuerySet["NeedsAssessment"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> NeedsAssessmentQuerySet:
        return restrict_to_scope(self, user, perm, "grid__code")


class NeedsAssessment(models.Model):
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="needs_assessments",
        verbose_name=_("incident"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="needs_assessments",
        verbose_name=_("household"),
    )
    # Denormalised from the household: scope filters need one join.
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"), db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = NeedsAssessmentQuerySet.as_manager()

    if TYPE_CHECKING:
        needs: models.Manager[HouseholdNeed]

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["-assessed_at", "-pk"]
        indexes = [models.Index(fields=["incident", "household"])]

    def __str__(self) -> str:
        return f"{self.incident_id} · {self.household}"


class HouseholdNeedQuerySet(models.QuerySet["HouseholdNeed"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> HouseholdNeedQuerySet:
        return restrict_to_scope(self, user, perm, "grid__code")

    def open(self) -> HouseholdNeedQuerySet:
        return self.exclude(state=NeedState.CLOSED)

    def sensitive(self) -> HouseholdNeedQuerySet:
        return self.filter(kind__in=SENSITIVE_KINDS)


class HouseholdNeed(TimeStampedModel):
    assessment = models.ForeignKey(
        NeedsAssessment,
        on_delete=models.CASCADE,
        related_name="needs",
        verbose_name=_("assessment"),
    )
    # Denormalised from the assessment: dashboard counts and scope filters need no join.
    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="household_needs",
        verbose_name=_("incident"),
    )
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=NeedSeverity.choices)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=NeedState.choices, default=NeedState.OPEN
    )
    # What meets it: a unit's commitment, or a unit and/or a service named in words.
    matched_commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recovery_needs",
        verbose_name=_("matched commitment"),
    )
    matched_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recovery_needs",
        verbose_name=_("matched unit"),
    )
    matched_service = models.CharField(_("matched service"), max_length=200, blank=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    task = models.ForeignKey(
        IncidentTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("task"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=NeedOutcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)

    objects = HouseholdNeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household need")
        verbose_name_plural = _("household needs")
        ordering = ["pk"]
        indexes = [models.Index(fields=["incident", "state", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind"], name="uniq_recovery_need_kind_per_assessment"
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="recovery_need_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.assessment_id}"

    @property
    def is_sensitive(self) -> bool:
        return self.kind in SENSITIVE_KINDS


class AfterActionReviewQuerySet(models.QuerySet["AfterActionReview"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE
    ) -> AfterActionReviewQuerySet:
        return restrict_to_scope(self, user, perm, "incident__area__code")


class AfterActionReview(models.Model):
    """复盘: one per incident; a later review must name the one it follows up."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("incident")
    )
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    held_at = models.DateTimeField(_("held at"))
    participants = models.TextField(_("participants"), blank=True)
    participant_accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("participating accounts"),
    )
    went_well = models.TextField(_("what went well"), blank=True)
    went_wrong = models.TextField(_("what went wrong"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AfterActionReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-action review")
        verbose_name_plural = _("after-action reviews")
        ordering = ["held_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(follow_up_of__isnull=True),
                name="uniq_first_review_per_incident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident} · {self.held_at:%Y-%m-%d}"
