"""Case categories with their time limits, and the responsibility list (权责清单): who leads and
who supports, per category and area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.models import Unit
from resigrid.registers.choices import CategoryKind, HazardClass, Phase, Priority

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class CategoryQuerySet(models.QuerySet["Category"]):
    def active(self) -> CategoryQuerySet:
        return self.filter(active=True)

    def leaves(self) -> CategoryQuerySet:
        """Categories a case may carry: active ones without active children."""
        return self.active().exclude(children__active=True)


class Category(TimeStampedModel):
    """A node of the category tree. `code` is hierarchical (`01`, `01.03`) and is also the
    Open311 `service_code`."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CategoryQuerySet.as_manager()

    if TYPE_CHECKING:
        children: models.Manager[Category]
        deadlines: models.Manager[Deadline]

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Deadline(models.Model):
    """Minutes allowed per stage for a category and priority. A category without a row for a
    priority takes its nearest ancestor's; the last default is settings.CASE_DEFAULT_DEADLINES."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("category")
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    accept_minutes = models.PositiveIntegerField(_("minutes to accept"))
    dispatch_minutes = models.PositiveIntegerField(_("minutes to dispatch"))
    handle_minutes = models.PositiveIntegerField(_("minutes to handle"))
    verify_minutes = models.PositiveIntegerField(_("minutes to verify"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="uniq_deadline"),
            models.CheckConstraint(
                condition=Q(accept_minutes__gt=0)
                & Q(dispatch_minutes__gt=0)
                & Q(handle_minutes__gt=0)
                & Q(verify_minutes__gt=0),
                name="deadline_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.priority}"


class DutyQuerySet(models.QuerySet["Duty"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> DutyQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def active(self) -> DutyQuerySet:
        return self.filter(active=True)

    def for_cases(self) -> DutyQuerySet:
        """Duties that route cases: set for a case category."""
        return self.filter(category__isnull=False)

    def for_hazards(self) -> DutyQuerySet:
        """Duties of the emergency response: set for a hazard class (plans draw owners here)."""
        return self.filter(category__isnull=True).exclude(hazard_class="")


class Duty(TimeStampedModel):
    """权责清单: for a case category — or a hazard class (突发事件类别) — in an area (and the areas
    below it), in a phase, the lead unit and the support units, and what each must do. Exactly
    one of `category` and `hazard_class` is set; only category duties route cases."""

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="duties",
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    hazard_class = models.CharField(
        _("hazard class"), max_length=20, choices=HazardClass.choices, blank=True, default=""
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="duties", verbose_name=_("area")
    )
    phase = models.CharField(
        _("phase"), max_length=10, choices=Phase.choices, default=Phase.RESPOND
    )
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="lead_duties", verbose_name=_("lead unit")
    )
    support_units = models.ManyToManyField(
        Unit, related_name="support_duties", blank=True, verbose_name=_("support units")
    )
    tasks = models.TextField(_("what each must do"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties (responsibility list)")
        ordering = ["category__code", "area__code", "phase"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area", "phase"],
                condition=Q(active=True),
                name="uniq_active_duty",
            ),
            models.UniqueConstraint(
                fields=["hazard_class", "area", "phase"],
                condition=Q(active=True) & ~Q(hazard_class=""),
                name="uniq_active_hazard_duty",
            ),
            models.CheckConstraint(
                condition=(Q(category__isnull=False) & Q(hazard_class=""))
                | (Q(category__isnull=True) & ~Q(hazard_class="")),
                name="duty_category_xor_hazard",
            ),
        ]

    @property
    def subject_label(self) -> str:
        """The category code and name, or the hazard class label."""
        if self.category_id is not None:
            return str(self.category)
        return str(HazardClass(self.hazard_class).label) if self.hazard_class else ""

    @property
    def subject_code(self) -> str:
        """The category code or the hazard class value."""
        return self.category.code if self.category is not None else self.hazard_class

    def __str__(self) -> str:
        return f"{self.subject_code} @ {self.area.code} → {self.lead_unit}"


class RegisterChange(models.Model):
    """Audit row for every write to the categories, their time limits and the responsibility
    list: who changed what, when, from what to what (written by the services)."""

    class Subject(models.TextChoices):
        CATEGORY = "category", _("Category")
        DEADLINE = "deadline", _("Time limits")
        DUTY = "duty", _("Duty")

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")

    subject = models.CharField(_("subject"), max_length=10, choices=Subject.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    label = models.CharField(_("label"), max_length=200)
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "object_id"], name="regchange_subject_obj")]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id} {self.action}"
