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


class HazardClass(models.TextChoices):
    """The four classes of emergencies (GB/T 35561 突发事件分类与编码; 突发事件应对法)."""

    NATURAL = "natural", _("Natural disaster")
    ACCIDENT = "accident", _("Accident")
    PUBLIC_HEALTH = "public_health", _("Public health")
    SOCIAL_SECURITY = "social_security", _("Social security")


class ResponseLevel(models.TextChoices):
    """Emergency response levels, I the most severe (红), IV the least (蓝)."""

    I = "1", _("Level I (red)")  # noqa: E741
    II = "2", _("Level II (orange)")
    III = "3", _("Level III (yellow)")
    IV = "4", _("Level IV (blue)")
