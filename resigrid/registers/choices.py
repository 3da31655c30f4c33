"""Choices shared by the registers and the apps above them (cases, response)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    """GB/T 30428 splits city-management cases into events (事件) and facilities (部件)."""

    EVENT = "event", _("Event (事件)")
    FACILITY = "facility", _("Facility (部件)")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")


class Phase(models.TextChoices):
    PREVENT = "prevent", _("Prevent")
    RESPOND = "respond", _("Respond")
    RECOVER = "recover", _("Recover")
