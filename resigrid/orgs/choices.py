"""Controlled lists of the orgs registry (TextChoices), shared by models, API, pages and ledgers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    """Party organisation levels, highest first (党委 > 党总支 > 党支部 > 党小组)."""

    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    BRANCH = "branch", _("Party branch")
    GROUP = "group", _("Party group")


class MemberStatus(models.TextChoices):
    REGULAR = "regular", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("Registered")
    ENDED = "ended", _("Ended")


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("Government department")
    RESIDENT_UNIT = "resident_unit", _("Resident unit (驻区单位)")
    ENTERPRISE = "enterprise", _("Enterprise")
    SHOP = "shop", _("Shop")
    PROPERTY = "property", _("Property management company (物业)")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee (业委会)")
    SOCIAL_ORG = "social_org", _("Social organisation (社会组织)")
    SELF_ORG = "self_org", _("Mass self-organisation (群众自组织)")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team (志愿服务队)")


class Specialty(models.TextChoices):
    """What a unit is good at in a crisis or in daily service."""

    MEDICAL = "medical", _("Medical care")
    RESCUE = "rescue", _("Rescue")
    FIRE = "fire", _("Fire fighting")
    SECURITY = "security", _("Security and patrol")
    TRANSPORT = "transport", _("Transport")
    LOGISTICS = "logistics", _("Logistics and storage")
    CATERING = "catering", _("Catering")
    ACCOMMODATION = "accommodation", _("Accommodation and space")
    ENGINEERING = "engineering", _("Engineering and repair")
    ELECTRICAL = "electrical", _("Electricity and power")
    COMMUNICATION = "communication", _("Communication and IT")
    PSYCHOLOGICAL = "psychological", _("Psychological counselling")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    CHILD_CARE = "child_care", _("Child care")
    LEGAL = "legal", _("Legal aid")
    EDUCATION = "education", _("Education and training")
    CULTURE = "culture", _("Culture and sport")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    MEDIATION = "mediation", _("Dispute mediation")
    OTHER = "other", _("Other")


class CommitmentKind(models.TextChoices):
    PEOPLE = "people", _("People")
    VEHICLES = "vehicles", _("Vehicles")
    SPACE = "space", _("Space")
    GOODS = "goods", _("Goods")
    SERVICES = "services", _("Services")


class TeamRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")
