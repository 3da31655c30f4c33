"""Emergency plans (预案): per hazard class and area, with levels, command roles, task templates,
resource needs per 1,000 residents and bulletin templates. The skeleton holds `Plan`; the plans
app adds the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.alerts.choices import Level as AlertLevel
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass, Phase, ResponseLevel
from resigrid.registers.models import Duty
from resigrid.resources.models import Item

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

    revised_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revised from"),
    )

    objects = PlanQuerySet.as_manager()

    if TYPE_CHECKING:
        levels: models.Manager[PlanLevel]
        roles: models.Manager[CommandRole]
        task_templates: models.Manager[TaskTemplate]
        needs: models.Manager[ResourceNeed]
        bulletin_templates: models.Manager[BulletinTemplate]

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["area__code", "hazard_class", "title", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="plan_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


LEVEL_FIELD_HELP = _("Blank: every level")


def _level_field() -> models.CharField[str, str]:
    return models.CharField(
        _("level"),
        max_length=1,
        choices=ResponseLevel.choices,
        blank=True,
        default="",
        help_text=LEVEL_FIELD_HELP,
    )


class PlanLevel(models.Model):
    """A response level the plan defines (I the most severe), and when it is activated."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="levels", verbose_name=_("plan")
    )
    level = models.CharField(_("level"), max_length=1, choices=ResponseLevel.choices)
    criteria = models.TextField(_("activation criteria"))
    alert_level = models.CharField(
        _("warning colour that triggers it"),
        max_length=10,
        choices=AlertLevel.choices,
        blank=True,
        default="",
    )
    trigger_value = models.DecimalField(
        _("trigger threshold"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    trigger_unit = models.CharField(_("threshold unit"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("plan level")
        verbose_name_plural = _("plan levels")
        ordering = ["plan", "level"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "level"], name="uniq_plan_level"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.level}"


class CommandRole(models.Model):
    """A role of the temporary command post (临时指挥部) the plan sets up."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="roles", verbose_name=_("plan")
    )
    level = _level_field()
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    duties = models.TextField(_("duties"), blank=True, default="")
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("command post role")
        verbose_name_plural = _("command post roles")
        ordering = ["plan", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code", "level"], name="uniq_plan_role"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskTemplate(models.Model):
    """A task the plan hands out on activation. Its owner is a unit chosen here, or the lead
    unit of a duty of the responsibility list (权责清单); with neither, the nearest active duty
    for the plan's hazard class, area and the task's phase."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="task_templates", verbose_name=_("plan")
    )
    level = _level_field()
    title = models.CharField(_("title"), max_length=120)
    detail = models.TextField(_("detail"), blank=True, default="")
    phase = models.CharField(
        _("phase"), max_length=10, choices=Phase.choices, default=Phase.RESPOND
    )
    duty = models.ForeignKey(
        Duty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("duty (responsibility list)"),
    )
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner unit"),
    )
    due_offset_minutes = models.PositiveIntegerField(_("due after activation (minutes)"))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")
        ordering = ["plan", "due_offset_minutes", "sort", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duty__isnull=True) | Q(owner_unit__isnull=True),
                name="task_owner_duty_or_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ResourceNeed(models.Model):
    """What the plan needs of an item per 1,000 affected residents; `level_factors` scales it
    per level ({"1": "2", "4": "0.5"}; a level left out: 1)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="needs", verbose_name=_("plan")
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("item")
    )
    per_thousand = models.DecimalField(
        _("quantity per 1,000 residents"), max_digits=12, decimal_places=2
    )
    level_factors = models.JSONField(_("factor per level"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("resource need")
        verbose_name_plural = _("resource needs")
        ordering = ["plan", "item__category", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="uniq_plan_need"),
            models.CheckConstraint(condition=Q(per_thousand__gt=0), name="need_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.per_thousand}"


class BulletinTemplate(models.Model):
    """A bulletin the plan prepares; the body may hold {area}, {level} and {time}."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="bulletin_templates", verbose_name=_("plan")
    )
    level = _level_field()
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("bulletin template")
        verbose_name_plural = _("bulletin templates")
        ordering = ["plan", "sort", "pk"]

    def __str__(self) -> str:
        return self.title
