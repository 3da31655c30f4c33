"""Incidents (突发事件): opened from an alert, a case or by hand; a plan activated at a level
creates the command post roster and the tasks; every decision is logged. The skeleton holds
`Incident`, `IncidentTask` and `IncidentLog`; the incidents app adds the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.cases.models import Case
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass, ResponseLevel
from resigrid.response.plans.models import Plan

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class IncidentState(models.TextChoices):
    ACTIVE = "active", _("Active")
    STABILISED = "stabilised", _("Stabilised")
    RECOVERY = "recovery", _("Recovery")
    CLOSED = "closed", _("Closed")


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> IncidentQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def open(self) -> IncidentQuerySet:
        return self.exclude(state=IncidentState.CLOSED)


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=160)
    hazard_class = models.CharField(_("hazard class"), max_length=20, choices=HazardClass.choices)
    hazard_subtype = models.CharField(_("hazard subtype"), max_length=60, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("area")
    )
    level = models.CharField(_("level"), max_length=1, choices=ResponseLevel.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=IncidentState.choices, default=IncidentState.ACTIVE
    )
    description = models.TextField(_("description"), blank=True)
    # Where it came from: an alert, a case, or neither (opened by hand).
    source_alert = models.ForeignKey(
        Alert,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("from alert"),
    )
    source_case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("from case"),
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("activated plan"),
    )
    plan_level = models.CharField(
        _("plan level activated"), max_length=1, choices=ResponseLevel.choices, blank=True
    )
    activated_at = models.DateTimeField(_("plan activated at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # One open incident per alert (the service says which one; this is the backstop).
            models.UniqueConstraint(
                fields=["source_alert"],
                condition=Q(source_alert__isnull=False) & ~Q(state="closed"),
                name="incident_one_open_per_alert",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskOrigin(models.TextChoices):
    PLAN = "plan", _("From the plan")
    COMMAND = "command", _("Command decision")
    SWEEP = "sweep", _("Vulnerable-person sweep")
    RECOVERY = "recovery", _("Recovery need")
    OTHER = "other", _("Other")


class IncidentTaskQuerySet(models.QuerySet["IncidentTask"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> IncidentTaskQuerySet:
        return restrict_to_scope(self, user, perm, "incident__area__code")

    def open(self) -> IncidentTaskQuerySet:
        return self.filter(state=TaskState.OPEN)


class IncidentTask(models.Model):
    """A piece of work in an incident: from the plan's task templates, a command decision, a
    sweep contact that needs help, or a recovery need. Owned by a unit and/or a person."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("incident")
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=TaskOrigin.choices)
    # Where the task is (a grid or the incident's area); None: the whole incident.
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_tasks",
        verbose_name=_("owner unit"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident_tasks",
        verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=TaskState.choices, default=TaskState.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # For tasks from a plan: "<plan id>:<task title>", so re-activating the plan at another
    # level does not create the same task twice.
    plan_key = models.CharField(_("plan task key"), max_length=240, blank=True)

    objects = IncidentTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        ordering = ["state", "due_at", "pk"]
        indexes = [models.Index(fields=["incident", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "plan_key"],
                condition=~Q(plan_key=""),
                name="incident_task_plan_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentLog(models.Model):
    """Every decision and transition of an incident, in the same transaction as the change."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="log", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("incident log entry")
        verbose_name_plural = _("incident log")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.action}"


class CommandPostMember(models.Model):
    """A seat of the temporary command post (临时指挥部) created when a plan is activated: the
    role from the plan, the unit that fills it and, once assigned, the person."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="roster", verbose_name=_("incident")
    )
    role_code = models.CharField(_("role code"), max_length=40)
    role_name = models.CharField(_("role"), max_length=100)
    duties = models.TextField(_("duties"), blank=True)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="command_seats",
        verbose_name=_("unit"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="command_seats",
        verbose_name=_("person"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("command post member")
        verbose_name_plural = _("command post roster")
        ordering = ["incident", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role_code"], name="command_post_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_name} ({self.incident_id})"
