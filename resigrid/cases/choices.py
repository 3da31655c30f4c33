from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    PATROL = "patrol", _("Grid worker patrol")
    HOTLINE = "hotline", _("Hotline 12345")
    SENSOR = "sensor", _("Sensor rule")
    ASSIGNED = "assigned", _("Assigned by a higher level (上级交办)")
    INSPECTION = "inspection", _("Inspection finding")
    OPEN311 = "open311", _("Open311 client")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Resolution(models.TextChoices):
    """The reporter's answer to "was the problem solved?" at the follow-up (回访), which 解决率
    counts (12345: 解决 / 部分解决 / 未解决)."""

    RESOLVED = "resolved", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    UNRESOLVED = "unresolved", _("Not resolved")


class PhotoStage(models.TextChoices):
    REPORT = "report", _("Report")
    RESULT = "result", _("Result")
    VERIFY = "verify", _("Verification")


class RequestKind(models.TextChoices):
    POSTPONE = "postpone", _("Postponement (延期)")
    SUSPEND = "suspend", _("Suspension (缓办)")
    REOPEN = "reopen", _("Reopen after an unsatisfied rating")
