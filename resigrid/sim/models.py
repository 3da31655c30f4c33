"""Scenarios (what to simulate, on which area) and their runs (state, progress, snapshot and
results)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class Kind(models.TextChoices):
    EPIDEMIC = "epidemic", _("Epidemic")
    EVACUATION = "evacuation", _("Evacuation")
    SUPPLIES = "supplies", _("Supplies in a lockdown")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScenarioQuerySet(models.QuerySet["Scenario"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.RUN_SIMULATIONS) -> ScenarioQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class Scenario(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="sim_scenarios", verbose_name=_("area")
    )
    # Validated by resigrid.sim.schemas (one pydantic model per kind) before it is saved.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    strategies = models.JSONField(_("strategies"), default=list, blank=True)
    road_file = models.FileField(_("road file"), upload_to="sim/roads/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class RunQuerySet(models.QuerySet["Run"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.RUN_SIMULATIONS) -> RunQuerySet:
        return restrict_to_scope(self, user, perm, "scenario__area__code")


class Run(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(
        _("state"), max_length=8, choices=RunState.choices, default=RunState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    seed = models.PositiveIntegerField(_("seed"), default=0)
    replicates = models.PositiveIntegerField(_("replicates"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_text = models.TextField(_("error"), blank=True)
    # The registry data the run used (compressed npz, see resigrid.sim.snapshot) and its counts.
    snapshot = models.BinaryField(_("snapshot"), null=True, blank=True)
    snapshot_counts = models.JSONField(_("snapshot counts"), default=dict, blank=True)
    # Summaries, series with bands, per-grid values, Pareto points, best strategy, risk points.
    results = models.JSONField(_("results"), null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="sim_run_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id}#{self.pk} {self.state}"

    @property
    def active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    @property
    def snapshot_text(self) -> str:
        """The data the run used, as a translated sentence."""
        from resigrid.sim.snapshot import describe  # snapshot imports these models

        return describe(self.snapshot_counts)
