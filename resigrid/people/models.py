"""Households, residents, vulnerability (重点人群), carers (结对帮扶) and volunteers.

Personal data: ID numbers and phones are stored only as AES-GCM ciphertext (`*_enc`) plus a
keyed hash (`*_hash`) for exact search; health free text only as ciphertext. Who is vulnerable is
sensitive: read it through `visible_to(user, Perm.VIEW_VULNERABLE)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, Building, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.people.choices import (
    ContactOutcome,
    ContactWay,
    DisabilityCategory,
    Need,
    Skill,
    Tag,
)

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.accounts.models import User


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> HouseholdQuerySet:
        return restrict_to_scope(self, user, perm, "grid__code")


class Household(TimeStampedModel):
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="household_set", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_set",
        verbose_name=_("building"),
    )
    room = models.CharField(_("room"), max_length=32, blank=True)

    objects = HouseholdQuerySet.as_manager()

    if TYPE_CHECKING:
        members: models.Manager[Person]

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.building or self.grid} {self.room}".strip()


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> PersonQuerySet:
        return restrict_to_scope(self, user, perm, "grid__code")

    def with_tag(self, tag: str) -> PersonQuerySet:
        return self.filter(Exists(Vulnerability.objects.filter(person=OuterRef("pk"), tag=tag)))

    def vulnerable(self) -> PersonQuerySet:
        return self.filter(Exists(Vulnerability.objects.filter(person=OuterRef("pk"))))

    def with_active_carer(self, has: bool = True) -> PersonQuerySet:
        cond = Exists(Carer.objects.filter(person=OuterRef("pk"), active=True))
        return self.filter(cond if has else ~cond)

    def current(self, day: dt.date | None = None) -> PersonQuerySet:
        """People still living here on `day` (today by default): a move-out on a later day
        still counts them, as the per-grid counts do."""
        day = day or timezone.localdate()
        return self.filter(Q(moved_out__isnull=True) | Q(moved_out__gt=day))

    def without_active_carer(self, day: dt.date | None = None) -> PersonQuerySet:
        """Current vulnerable residents nobody is paired with: the list that must stay empty.

        People who have moved out need no carer here, so they are left out (like the counts)."""
        return self.current(day).vulnerable().with_active_carer(False)

    def with_skill(self, skill: str) -> PersonQuerySet:
        return self.filter(
            Exists(VolunteerSkill.objects.filter(volunteer__person=OuterRef("pk"), skill=skill))
        )

    def born_between(self, earliest: dt.date | None, latest: dt.date | None) -> PersonQuerySet:
        qs = self
        if earliest is not None:
            qs = qs.filter(birth_date__gte=earliest)
        if latest is not None:
            qs = qs.filter(birth_date__lte=latest)
        return qs

    def moved_out_before(self, day: dt.date) -> PersonQuerySet:
        return self.filter(moved_out__lt=day, purged_at__isnull=True)


class Person(TimeStampedModel):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class ResidenceType(models.TextChoices):
        REGISTERED = "registered", _("Registered (户籍)")
        RESIDENT = "resident", _("Resident (常住)")
        FLOATING = "floating", _("Floating (流动)")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    # Denormalised from the household so that scope filters need one join, not two.
    # Personal fields are NULL when absent or purged (not ""), so the unique constraint on the
    # ID hash ignores them; hence the DJ001 exemptions below.
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="person_set", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="person_set",
        verbose_name=_("building"),
    )
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    is_head = models.BooleanField(_("head of household"), default=False)
    id_number_enc = models.TextField(_("ID number (encrypted)"), null=True, blank=True)  # noqa: DJ001
    id_number_hash = models.CharField(_("ID number hash"), max_length=64, null=True, blank=True)  # noqa: DJ001
    phone_enc = models.TextField(_("phone (encrypted)"), null=True, blank=True)  # noqa: DJ001
    phone_hash = models.CharField(  # noqa: DJ001
        _("phone hash"), max_length=64, null=True, blank=True, db_index=True
    )
    residence_type = models.CharField(
        _("residence type"),
        max_length=16,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    ethnicity = models.CharField(_("ethnicity"), max_length=16, blank=True)
    moved_in = models.DateField(_("moved in"), null=True, blank=True)
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Health free text (sensitive personal information): ciphertext only.
    health_notes_enc = models.TextField(_("health notes (encrypted)"), null=True, blank=True)  # noqa: DJ001
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    if TYPE_CHECKING:
        vulnerabilities: models.Manager[Vulnerability]
        needs: models.Manager[EmergencyNeed]
        carers: models.Manager[Carer]
        contacts: models.Manager[ContactLog]
        volunteer: Volunteer

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            # Two people never share an ID number; purged people have no hash at all.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(id_number_hash__isnull=False),
                name="uniq_person_id_number_hash",
            ),
        ]
        indexes = [
            # The filtered list: one grid, an age range, newest id first.
            models.Index(fields=["grid", "birth_date"], name="person_grid_birth"),
            models.Index(fields=["moved_out"], name="person_moved_out"),
        ]

    def __str__(self) -> str:
        return self.name


class Vulnerability(models.Model):
    """One tag (重点人群 category) of one person; disability carries its category and grade."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="vulnerabilities", verbose_name=_("person")
    )
    # Denormalised from the person: per-grid counts for the map need no join.
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    tag = models.CharField(_("tag"), max_length=24, choices=Tag.choices)
    disability_category = models.CharField(
        _("disability category"), max_length=16, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True
    )
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        constraints = [
            models.UniqueConstraint(fields=["person", "tag"], name="uniq_person_tag"),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="vulnerability_grade_1_4",
            ),
        ]
        indexes = [models.Index(fields=["tag", "person"], name="vuln_tag_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.tag}"


class EmergencyNeed(models.Model):
    """What a person needs in an emergency; free text (e.g. which medicines) is encrypted."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="needs", verbose_name=_("person")
    )
    need = models.CharField(_("need"), max_length=24, choices=Need.choices)
    detail_enc = models.TextField(_("detail (encrypted)"), null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("emergency need")
        verbose_name_plural = _("emergency needs")
        constraints = [models.UniqueConstraint(fields=["person", "need"], name="uniq_person_need")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.need}"


class CarerQuerySet(models.QuerySet["Carer"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_VULNERABLE) -> CarerQuerySet:
        return restrict_to_scope(self, user, perm, "person__grid__code")

    def active(self) -> CarerQuerySet:
        return self.filter(active=True)


class Carer(TimeStampedModel):
    """A carer paired with a vulnerable person (结对帮扶); a person may have several."""

    class Kind(models.TextChoices):
        GRID_WORKER = "grid_worker", _("Grid worker")
        VOLUNTEER = "volunteer", _("Volunteer")
        NEIGHBOUR = "neighbour", _("Neighbour")
        RELATIVE = "relative", _("Relative")
        OTHER = "other", _("Other")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="carers", verbose_name=_("person cared for")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carer_of",
        verbose_name=_("account"),
    )
    carer_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caring_for",
        verbose_name=_("carer (resident)"),
    )
    name = models.CharField(_("name"), max_length=64)
    phone_enc = models.TextField(_("phone (encrypted)"), null=True, blank=True)  # noqa: DJ001
    phone_hash = models.CharField(  # noqa: DJ001
        _("phone hash"), max_length=64, null=True, blank=True, db_index=True
    )
    active = models.BooleanField(_("active"), default=True)

    objects = CarerQuerySet.as_manager()

    class Meta:
        verbose_name = _("carer")
        verbose_name_plural = _("carers")
        indexes = [models.Index(fields=["person", "active"], name="carer_person_active")]

    def __str__(self) -> str:
        return self.name


class ContactLogQuerySet(models.QuerySet["ContactLog"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_VULNERABLE) -> ContactLogQuerySet:
        return restrict_to_scope(self, user, perm, "person__grid__code")


class ContactLog(models.Model):
    """One visit or call to a cared-for person, by a carer or any staff member."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("person")
    )
    carer = models.ForeignKey(
        Carer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("carer"),
    )
    date = models.DateField(_("date"))
    way = models.CharField(_("way"), max_length=8, choices=ContactWay.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ContactLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"], name="contact_person_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.way} {self.outcome}"


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> VolunteerQuerySet:
        return restrict_to_scope(self, user, perm, "person__grid__code")

    def with_skill(self, skill: str) -> VolunteerQuerySet:
        return self.filter(skills__skill=skill).distinct()

    def free_at(self, bits: int) -> VolunteerQuerySet:
        """Volunteers free in every slot of `bits` (see rules.slot_bits)."""
        return self.annotate(_free=models.F("availability").bitand(bits)).filter(_free=bits)

    def with_totals(self) -> VolunteerQuerySet:
        """Hours and points summed from the service rows (the totals' source of truth)."""
        return self.annotate(
            hours_from_rows=models.Sum("services__hours", default=0),
            points_from_rows=models.Sum("services__points", default=0),
        )


class Volunteer(TimeStampedModel):
    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="volunteer", verbose_name=_("person")
    )
    # 21-bit weekly availability, see rules.py (bit weekday*3 + slot).
    availability = models.PositiveIntegerField(_("weekly availability"), default=0)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True)
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True)
    # Running totals, only ever changed with F() next to a VolunteerService row.
    service_hours = models.DecimalField(
        _("service hours"), max_digits=9, decimal_places=1, default=0
    )
    points = models.IntegerField(_("points"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = VolunteerQuerySet.as_manager()

    if TYPE_CHECKING:
        skills: models.Manager[VolunteerSkill]
        certificates: models.Manager[VolunteerCertificate]
        services: models.Manager[VolunteerService]

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(
                condition=Q(availability__lt=1 << 21), name="volunteer_availability_21_bits"
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class VolunteerSkill(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(_("skill"), max_length=24, choices=Skill.choices)

    class Meta:
        verbose_name = _("volunteer skill")
        verbose_name_plural = _("volunteer skills")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "skill"], name="uniq_volunteer_skill")
        ]
        indexes = [models.Index(fields=["skill", "volunteer"], name="vskill_skill_vol")]

    def __str__(self) -> str:
        return self.skill


class CertificateQuerySet(models.QuerySet["VolunteerCertificate"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> CertificateQuerySet:
        return restrict_to_scope(self, user, perm, "volunteer__person__grid__code")

    def expiring(self, today: dt.date, days: int = 30) -> CertificateQuerySet:
        """Certificates still valid today that expire within `days` days."""
        import datetime as dt_

        return self.filter(expires__gte=today, expires__lte=today + dt_.timedelta(days=days))


class VolunteerCertificate(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    skill = models.CharField(_("skill"), max_length=24, choices=Skill.choices)
    name = models.CharField(_("certificate"), max_length=100)
    number = models.CharField(_("certificate number"), max_length=64, blank=True)
    issued = models.DateField(_("issued"), null=True, blank=True)
    expires = models.DateField(_("expires"), null=True, blank=True, db_index=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer certificate")
        verbose_name_plural = _("volunteer certificates")

    def __str__(self) -> str:
        return self.name


class VolunteerService(models.Model):
    """One stretch of service: the rows the volunteer's totals are made of."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="services")
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    points = models.IntegerField(_("points"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer services")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.hours}h"
