"""The institution list (制度清单) and its practice: procedures with versions, inspections,
drills and trainings, and the improvement items that lessons and reviews produce. The skeleton
holds `ImprovementItem` (drills, inspections and after-action reviews all create them); the
institutions app adds the rest."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.cases.models import Case
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.models import Unit
from resigrid.registers.models import Category
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

    def overdue(self, today: dt.date) -> ImprovementItemQuerySet:
        return self.filter(state=ImprovementState.OPEN, due_date__lt=today)

    def closed(self) -> ImprovementItemQuerySet:
        return self.exclude(state=ImprovementState.OPEN)


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

    def is_overdue(self, today: dt.date) -> bool:
        return self.state == ImprovementState.OPEN and self.due_date < today


# ---------------------------------------------------------------------------------------------
# Procedures (制度) and their versions


class ProcedureKind(models.TextChoices):
    SURVEY = "survey", _("Risk survey")
    INSPECTION = "inspection", _("Routine inspection")
    TRAINING = "training", _("Training and drills")
    RESPONSE = "response", _("Emergency response")
    RISK = "risk", _("Risk handling")


class ProcedureQuerySet(models.QuerySet["Procedure"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> ProcedureQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class Procedure(TimeStampedModel):
    """One rule of the institution list. Its text lives in versions; `current` is the newest."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("area")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ProcedureKind.choices)
    title = models.CharField(_("title"), max_length=120)
    current = models.ForeignKey(
        "ProcedureVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ProcedureQuerySet.as_manager()

    if TYPE_CHECKING:
        versions: models.Manager[ProcedureVersion]

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["area__code", "kind", "title"]
        constraints = [
            models.UniqueConstraint(fields=["area", "title"], name="procedure_title_unique_in_area")
        ]

    def __str__(self) -> str:
        return self.title


class ProcedureVersion(models.Model):
    """One version of a procedure's text. Written once, never changed: a revision is a new row."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name=_("procedure")
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    effective_on = models.DateField(_("effective date"))
    approved_by = models.CharField(_("approved by"), max_length=80)
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="procedure_version_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.number}"


# ---------------------------------------------------------------------------------------------
# Inspection schedules, checklists and inspections


class Cadence(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    EVERY_N_DAYS = "days", _("Every N days")


class ScheduleQuerySet(models.QuerySet["InspectionSchedule"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> ScheduleQuerySet:
        """The schedules of the user's scope, and those the user is responsible for."""
        scoped = restrict_to_scope(self, user, perm, "area__code")
        if getattr(user, "is_authenticated", False):
            return self.filter(
                models.Q(pk__in=scoped.values("pk")) | models.Q(responsible_user=user)
            )
        return scoped

    def active(self) -> ScheduleQuerySet:
        return self.filter(active=True)

    def overdue(self, today: dt.date) -> ScheduleQuerySet:
        return self.filter(active=True, next_due__lt=today)


class InspectionSchedule(TimeStampedModel):
    """A recurring inspection with its checklist: who inspects what, how often, when next."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="inspection_schedules", verbose_name=_("area")
    )
    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schedules",
        verbose_name=_("procedure"),
    )
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=200, blank=True)
    # Where findings are reported (WGS84); empty: a point inside the schedule's area.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices)
    every_days = models.PositiveSmallIntegerField(_("every N days"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_schedules",
        verbose_name=_("responsible unit"),
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_schedules",
        verbose_name=_("responsible account"),
    )
    next_due = models.DateField(_("next due"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ScheduleQuerySet.as_manager()

    if TYPE_CHECKING:
        items: models.Manager[ChecklistItem]
        inspections: models.Manager[Inspection]

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["next_due", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(cadence="days")
                | models.Q(every_days__gte=1, every_days__lte=366),
                name="schedule_every_days_set",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date) -> bool:
        return self.active and self.next_due < today


class ChecklistItem(models.Model):
    schedule = models.ForeignKey(
        InspectionSchedule,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("inspection schedule"),
    )
    position = models.PositiveSmallIntegerField(_("order"))
    question = models.CharField(_("question"), max_length=200)
    # The case category a finding on this item opens (can be changed on the finding).
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case category"),
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["schedule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "position"], name="checklist_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.question


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> InspectionQuerySet:
        return self.filter(schedule__in=InspectionSchedule.objects.visible_to(user, perm))


class Inspection(models.Model):
    """One run of a schedule: who, when, an answer per checklist item, the cases it opened."""

    schedule = models.ForeignKey(
        InspectionSchedule,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspection schedule"),
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("inspector"),
    )
    at = models.DateTimeField(_("inspected at"))
    note = models.TextField(_("note"), blank=True)
    # A resubmission of the same form (or an API retry) carries the same key.
    key = models.CharField(_("idempotency key"), max_length=64)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    if TYPE_CHECKING:
        answers: models.Manager[InspectionAnswer]

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "key"], name="inspection_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.at:%Y-%m-%d}"


class Answer(models.TextChoices):
    OK = "ok", _("OK")
    FINDING = "finding", _("Finding")
    NA = "na", _("Not applicable")


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="answers", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    result = models.CharField(_("result"), max_length=8, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    case = models.OneToOneField(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_answer",
        verbose_name=_("case opened"),
    )

    class Meta:
        verbose_name = _("inspection answer")
        verbose_name_plural = _("inspection answers")
        ordering = ["inspection", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_answer_unique"),
            models.CheckConstraint(
                condition=models.Q(case__isnull=True) | models.Q(result="finding"),
                name="inspection_case_only_for_finding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.result}"


# ---------------------------------------------------------------------------------------------
# Drills and trainings


class DrillKind(models.TextChoices):
    DRILL = "drill", _("Drill")
    TRAINING = "training", _("Training")


class DrillQuerySet(models.QuerySet["Drill"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> DrillQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class Drill(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=DrillKind.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="drills", verbose_name=_("area")
    )
    title = models.CharField(_("title"), max_length=120)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drills",
        verbose_name=_("plan exercised"),
    )
    scenario = models.TextField(_("scenario"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    head_count = models.PositiveIntegerField(_("head count"), default=0)
    participant_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="drills",
        verbose_name=_("participating accounts"),
    )
    participant_units = models.ManyToManyField(
        Unit, blank=True, related_name="drills", verbose_name=_("participating units")
    )
    evaluation = models.TextField(_("evaluation"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = DrillQuerySet.as_manager()

    if TYPE_CHECKING:
        scores: models.Manager[DrillScore]

    class Meta:
        verbose_name = _("drill or training")
        verbose_name_plural = _("drills and trainings")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="drill_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class DrillScore(models.Model):
    """The evaluation of one aspect of a drill on a 1–5 scale."""

    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="scores", verbose_name=_("drill")
    )
    aspect = models.CharField(_("aspect"), max_length=60)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("drill score")
        verbose_name_plural = _("drill scores")
        ordering = ["drill", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "aspect"], name="drill_score_aspect_unique"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="drill_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aspect}: {self.score}"
