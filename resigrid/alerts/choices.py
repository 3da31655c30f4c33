"""CAP 1.2 code lists and the Chinese warning profile."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    WARNING = "warning", _("Warning (预警)")
    NOTICE = "notice", _("Notice (通知)")
    DIRECTIVE = "directive", _("Directive (指令)")


class Level(models.TextChoices):
    """突发事件应对法: 一级 红 is the highest."""

    RED = "red", _("Red (level I)")
    ORANGE = "orange", _("Orange (level II)")
    YELLOW = "yellow", _("Yellow (level III)")
    BLUE = "blue", _("Blue (level IV)")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    UPDATED = "updated", _("Superseded by an update")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class Status(models.TextChoices):
    ACTUAL = "Actual", "Actual"
    EXERCISE = "Exercise", "Exercise"
    SYSTEM = "System", "System"
    TEST = "Test", "Test"
    DRAFT = "Draft", "Draft"


class MsgType(models.TextChoices):
    ALERT = "Alert", "Alert"
    UPDATE = "Update", "Update"
    CANCEL = "Cancel", "Cancel"


class Scope(models.TextChoices):
    PUBLIC = "Public", "Public"
    RESTRICTED = "Restricted", "Restricted"
    PRIVATE = "Private", "Private"


class CapCategory(models.TextChoices):
    GEO = "Geo", _("Geophysical")
    MET = "Met", _("Meteorological")
    SAFETY = "Safety", _("Public safety")
    SECURITY = "Security", _("Security")
    RESCUE = "Rescue", _("Rescue and recovery")
    FIRE = "Fire", _("Fire")
    HEALTH = "Health", _("Public health")
    ENV = "Env", _("Environment")
    TRANSPORT = "Transport", _("Transport")
    INFRA = "Infra", _("Infrastructure")
    CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear or explosive")
    OTHER = "Other", _("Other")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate")
    EXPECTED = "Expected", _("Expected")
    FUTURE = "Future", _("Future")
    PAST = "Past", _("Past")
    UNKNOWN = "Unknown", _("Unknown")


class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme")
    SEVERE = "Severe", _("Severe")
    MODERATE = "Moderate", _("Moderate")
    MINOR = "Minor", _("Minor")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


class RecipientRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT = "resident", _("Resident")
    CARER = "carer", _("Carer of a vulnerable person")


class Source(models.TextChoices):
    MANUAL = "manual", _("Written here")
    CAP_IMPORT = "cap_import", _("Imported CAP")
    SENSOR = "sensor", _("Sensor rule")
