"""Controlled lists of the people registry (TextChoices), shared by models, API and ledgers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tag(models.TextChoices):
    """Vulnerable-group tags (重点人群)."""

    LIVING_ALONE = "living_alone", _("Elderly living alone (65+)")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")
    DISABLED = "disabled", _("Disabled")
    BEDRIDDEN = "bedridden", _("Bedridden (disabled)")
    SEMI_DISABLED = "semi_disabled", _("Semi-disabled")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")
    PREGNANT = "pregnant", _("Pregnant")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    SUBSISTENCE = "subsistence", _("Subsistence allowance (低保)")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty (特困)")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class Need(models.TextChoices):
    """What matters in an emergency (evacuation, power cut, lockdown)."""

    MOBILITY = "mobility", _("Mobility aid / wheelchair")
    OXYGEN = "oxygen", _("Oxygen")
    DIALYSIS = "dialysis", _("Dialysis")
    MEDICINES = "medicines", _("Regular medicines")
    LANGUAGE = "language", _("Language / interpreter")
    HEARING = "hearing", _("Hearing")
    SIGHT = "sight", _("Sight")
    COGNITIVE = "cognitive", _("Cognitive")


class ContactWay(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other")


class ContactOutcome(models.TextChoices):
    OK = "ok", _("All right")
    NEEDS_HELP = "needs_help", _("Needs help")
    NOT_REACHED = "not_reached", _("Not reached")


class Skill(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    NURSING = "nursing", _("Nursing")
    RESCUE = "rescue", _("Rescue")
    FIREFIGHTING = "firefighting", _("Firefighting")
    COUNSELLING = "counselling", _("Psychological counselling")
    ELECTRICIAN = "electrician", _("Electrician")
    PLUMBER = "plumber", _("Plumber")
    DRIVER = "driver", _("Driver")
    INTERPRETER = "interpreter", _("Interpreter")
    SIGN_LANGUAGE = "sign_language", _("Sign language")
    IT = "it", _("IT")
    LOGISTICS = "logistics", _("Logistics")
    COOKING = "cooking", _("Cooking")
    CHILDCARE = "childcare", _("Childcare")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    LEGAL = "legal", _("Legal")
