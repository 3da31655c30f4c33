"""Controlled lists of supplies and facilities (TextChoices)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemCategory(models.TextChoices):
    WATER = "water", _("Drinking water")
    FOOD = "food", _("Food")
    MEDICINE = "medicine", _("Medicine")
    MEDICAL_SUPPLIES = "medical_supplies", _("Medical supplies")
    SHELTER = "shelter", _("Shelter and tents")
    BEDDING = "bedding", _("Bedding")
    LIGHTING = "lighting", _("Lighting")
    POWER = "power", _("Power")
    RESCUE_TOOLS = "rescue_tools", _("Rescue tools")
    PROTECTIVE = "protective", _("Protective equipment")
    HYGIENE = "hygiene", _("Hygiene")
    OTHER = "other", _("Other")


class MovementKind(models.TextChoices):
    IN = "in", _("Stock in")
    OUT = "out", _("Stock out")
    ADJUST = "adjust", _("Adjustment")
    RESERVE = "reserve", _("Reservation")
    RELEASE = "release", _("Release of a reservation")


class FacilityKind(models.TextChoices):
    SHELTER = "shelter", _("Emergency shelter")
    AED = "aed", _("AED")
    HYDRANT = "hydrant", _("Fire hydrant")
    MEDICAL_POINT = "medical_point", _("Medical point")
    LOUDSPEAKER = "loudspeaker", _("Loudspeaker (大喇叭)")
    OTHER = "other", _("Other")


class FacilityStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    MAINTENANCE = "maintenance", _("Under maintenance")


class Amenity(models.TextChoices):
    WATER = "water", _("Water")
    POWER = "power", _("Power")
    TOILETS = "toilets", _("Toilets")
    SHOWERS = "showers", _("Showers")
    KITCHEN = "kitchen", _("Kitchen")
    MEDICAL = "medical", _("Medical")
    ACCESSIBLE = "accessible", _("Accessible")
    HEATING = "heating", _("Heating")
    COOLING = "cooling", _("Cooling")
