"""Sensors (monitoring points), their readings, rules over them and each rule's state per sensor;
rule events (the log of firings and clearings); dead letters (messages that could not be read)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.alerts.choices import CapCategory, Level
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.cases.models import Case
from resigrid.core.models import TimeStampedModel
from resigrid.monitoring import rules as logic
from resigrid.monitoring.choices import (
    DeadLetterSource,
    Direction,
    EventKind,
    RuleType,
    SensorKind,
    StateValue,
)
from resigrid.orgs.models import Unit, units_of
from resigrid.registers.choices import Priority

if TYPE_CHECKING:
    from resigrid.accounts.models import User

VIEW_PERM = Perm.VIEW_RESOURCES


class SensorQuerySet(models.QuerySet["Sensor"]):
    def visible_to(self, user: User | Any, perm: Perm = VIEW_PERM) -> SensorQuerySet:
        """Sensors in grids of the user's scope, and those of the units the user acts for."""
        scoped = restrict_to_scope(self, user, perm, "grid__code")
        owned = self.filter(owner_unit__in=units_of(user).values("pk"))
        return self.filter(Q(pk__in=scoped.values("pk")) | Q(pk__in=owned.values("pk")))


class Sensor(TimeStampedModel):
    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SensorKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="sensors", verbose_name=_("grid")
    )
    owner_unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sensors",
        verbose_name=_("owner unit"),
    )
    unit = models.CharField(_("unit of measure"), max_length=16, blank=True)
    min_valid = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_valid = models.FloatField(_("highest valid value"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The newest reading (by its time), kept here for the overview and the silence sweeper.
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    last_at = models.DateTimeField(_("last reading at"), null=True, blank=True)

    objects = SensorQuerySet.as_manager()

    if TYPE_CHECKING:
        readings: models.Manager[Reading]
        rules: models.Manager[Rule]
        rule_states: models.Manager[RuleState]

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        ordering = ["grid__code", "kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_valid__isnull=True)
                | Q(max_valid__isnull=True)
                | Q(min_valid__lte=models.F("max_valid")),
                name="sensor_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Reading(models.Model):
    """One value at one time. (sensor, at) is unique, so a resend is stored once; its index
    serves every range query by sensor and time."""

    id = models.BigAutoField(primary_key=True)
    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="readings", verbose_name=_("sensor")
    )
    at = models.DateTimeField(_("at"))
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(fields=["sensor", "at"], name="uniq_reading_sensor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.at:%Y-%m-%d %H:%M:%S} {self.value}"


class RuleQuerySet(models.QuerySet["Rule"]):
    def visible_to(self, user: User | Any, perm: Perm = VIEW_PERM) -> RuleQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def active(self) -> RuleQuerySet:
        return self.filter(active=True)


class Rule(TimeStampedModel):
    """A rule over one sensor, or over every sensor of a kind inside an area."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="sensor_rules", verbose_name=_("area")
    )
    sensor = models.ForeignKey(
        Sensor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("sensor"),
    )
    sensor_kind = models.CharField(
        _("sensor kind"), max_length=16, choices=SensorKind.choices, blank=True
    )
    type = models.CharField(_("type"), max_length=10, choices=RuleType.choices)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.ABOVE
    )
    fire_level = models.FloatField(_("fire level"), null=True, blank=True)
    clear_level = models.FloatField(_("clear level"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=60)
    active = models.BooleanField(_("active"), default=True)
    # Action: draft a warning.
    action_alert = models.BooleanField(_("draft an alert"), default=False)
    alert_level = models.CharField(
        _("alert level"), max_length=6, choices=Level.choices, blank=True
    )
    alert_event = models.CharField(_("alert event"), max_length=100, blank=True)
    alert_category = models.CharField(
        _("CAP category"), max_length=10, choices=CapCategory.choices, default=CapCategory.MET
    )
    alert_headline = models.CharField(_("headline template"), max_length=160, blank=True)
    alert_description = models.TextField(_("description template"), blank=True)
    alert_instruction = models.TextField(_("instruction"), blank=True)
    # Empty: the community of the sensor's grid; it also issues unless an issuer is set.
    alert_target_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area the alert covers"),
    )
    alert_issuer_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issuing area"),
    )
    # Action: open a case.
    action_case = models.BooleanField(_("open a case"), default=False)
    case_category = models.CharField(_("case category"), max_length=20, blank=True)
    case_priority = models.CharField(
        _("case priority"), max_length=8, choices=Priority.choices, default=Priority.URGENT
    )

    objects = RuleQuerySet.as_manager()

    if TYPE_CHECKING:
        states: models.Manager[RuleState]
        events: models.Manager[RuleEvent]

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["area__code", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sensor__isnull=False) | ~Q(sensor_kind=""),
                name="rule_has_sensor_or_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> logic.Spec:
        return logic.Spec(
            type=self.type,
            direction=self.direction,
            fire_level=self.fire_level,
            clear_level=self.clear_level,
            minutes=self.minutes,
            cooldown_minutes=self.cooldown_minutes,
        )

    def applies_to(self, sensor: Sensor) -> bool:
        if self.sensor_id is not None:
            return self.sensor_id == sensor.pk
        return self.sensor_kind == sensor.kind and sensor.grid.code.startswith(
            self.area.scope_prefix
        )


class RuleState(models.Model):
    """A rule's state for one sensor. While firing, `last_alert` / `last_case` are the alert
    and case its firing made (written in the same transaction as the state)."""

    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, related_name="states", verbose_name=_("rule")
    )
    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="rule_states", verbose_name=_("sensor")
    )
    state = models.CharField(
        _("state"), max_length=8, choices=StateValue.choices, default=StateValue.OK
    )
    since = models.DateTimeField(_("since"), null=True, blank=True)
    pending_since = models.DateTimeField(_("condition holds since"), null=True, blank=True)
    evaluated_until = models.DateTimeField(_("evaluated up to"), null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    last_fired_at = models.DateTimeField(_("last fired at"), null=True, blank=True)
    fire_count = models.PositiveIntegerField(_("firings"), default=0)
    last_alert = models.ForeignKey(
        Alert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last alert"),
    )
    last_case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last case"),
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule state")
        verbose_name_plural = _("rule states")
        constraints = [
            models.UniqueConstraint(fields=["rule", "sensor"], name="uniq_rule_state"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.sensor_id} {self.state}"

    def snapshot(self) -> logic.Snapshot:
        return logic.Snapshot(
            firing=self.state == StateValue.FIRING,
            since=self.since,
            pending_since=self.pending_since,
            last_fired_at=self.last_fired_at,
            evaluated_until=self.evaluated_until,
        )

    def take(self, snap: logic.Snapshot) -> None:
        self.state = StateValue.FIRING if snap.firing else StateValue.OK
        self.since = snap.since
        self.pending_since = snap.pending_since
        self.last_fired_at = snap.last_fired_at
        self.evaluated_until = snap.evaluated_until


class RuleEvent(models.Model):
    """The log of a rule: every firing (with what it made), clearing and failed action."""

    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, related_name="events", verbose_name=_("rule")
    )
    sensor = models.ForeignKey(
        Sensor, on_delete=models.CASCADE, related_name="rule_events", verbose_name=_("sensor")
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=8, choices=EventKind.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    acted = models.BooleanField(_("actions run"), default=False)
    alert = models.ForeignKey(
        Alert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alert"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule event")
        verbose_name_plural = _("rule events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["rule", "at"], name="ruleevent_rule_at")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.sensor_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class DeadLetter(models.Model):
    """A message or item that could not be stored as a reading, kept with the reason."""

    source = models.CharField(_("source"), max_length=8, choices=DeadLetterSource.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    payload = models.TextField(_("payload"))
    error = models.TextField(_("error"))
    received_at = models.DateTimeField(_("received at"), db_index=True)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.topic} {self.error[:40]}"
