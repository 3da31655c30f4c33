"""Sensor kinds, rule types and states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SensorKind(models.TextChoices):
    WATER_LEVEL = "water_level", _("Water level")
    RAINFALL = "rainfall", _("Rainfall")
    SMOKE = "smoke", _("Smoke")
    GAS = "gas", _("Combustible gas")
    TEMPERATURE = "temperature", _("Temperature")
    CROWD = "crowd", _("Crowd density")
    COUNT = "count", _("Count (e.g. fever cases)")


# The unit of measure a new sensor of each kind gets when none is given.
DEFAULT_UNITS: dict[str, str] = {
    SensorKind.WATER_LEVEL: "m",
    SensorKind.RAINFALL: "mm",
    SensorKind.SMOKE: "%/m",
    SensorKind.GAS: "%LEL",
    SensorKind.TEMPERATURE: "°C",
    SensorKind.CROWD: "人/m²",
    SensorKind.COUNT: "例",
}


class RuleType(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold held for N minutes")
    RATE = "rate", _("Rate of change over a window")
    SILENCE = "silence", _("No reading for N minutes")


class Direction(models.TextChoices):
    ABOVE = "above", _("At or above")
    BELOW = "below", _("At or below")


class StateValue(models.TextChoices):
    OK = "ok", _("OK")
    FIRING = "firing", _("Firing")


class EventKind(models.TextChoices):
    FIRE = "fire", _("Fired")
    CLEAR = "clear", _("Cleared")
    FAILED = "failed", _("Action failed")


class DeadLetterSource(models.TextChoices):
    MQTT = "mqtt", _("MQTT")
    HTTP = "http", _("HTTP")
