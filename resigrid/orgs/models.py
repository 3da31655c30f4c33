"""Party organisations (党组织) and members; units (共建单位, 社会组织, 物业 …) and commitments.

Scope: every row is reached through an area (the organisation's or the unit's); a role on an area
covers its subtree. Unit contacts' phones are personal data: ciphertext plus a keyed hash only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.core.models import TimeStampedModel
from resigrid.orgs.choices import (
    CommitmentKind,
    MemberStatus,
    OrgKind,
    RegistrationStatus,
    Specialty,
    TeamRole,
    UnitKind,
)
from resigrid.people.models import Person, Volunteer

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class PartyOrgQuerySet(models.QuerySet["PartyOrg"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> PartyOrgQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")


class PartyOrg(TimeStampedModel):
    """One node of the Party organisation tree; a group on a grid is a grid party cell."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="party_orgs", verbose_name=_("area served")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    secretary = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_orgs_led",
        verbose_name=_("secretary"),
    )

    objects = PartyOrgQuerySet.as_manager()

    if TYPE_CHECKING:
        children: models.Manager[PartyOrg]
        members: models.Manager[PartyMember]

    class Meta:
        verbose_name = _("Party organisation")
        verbose_name_plural = _("Party organisations")
        ordering = ["area__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="uniq_partyorg_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.name


class PartyMemberQuerySet(models.QuerySet["PartyMember"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> PartyMemberQuerySet:
        # Seen where the member's organisation is and where the member lives.
        return restrict_to_scope(self, user, perm, "org__area__code", "person__grid__code")


class PartyMember(TimeStampedModel):
    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="party_member", verbose_name=_("person")
    )
    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    joined = models.DateField(_("joined the Party"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.REGULAR
    )
    # 在职党员: works in a unit and registers to serve in the community where they live.
    in_service = models.BooleanField(_("in-service member"), default=False)
    employer = models.ForeignKey(
        "Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employed_members",
        verbose_name=_("employer unit"),
    )

    objects = PartyMemberQuerySet.as_manager()

    if TYPE_CHECKING:
        registrations: models.Manager[InServiceRegistration]
        service_records: models.Manager[ServiceRecord]

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["org", "person__name"]

    def __str__(self) -> str:
        return str(self.person)


class InServiceRegistration(models.Model):
    """An in-service member's report to the community where they live (在职党员到社区报到)."""

    member = models.ForeignKey(
        PartyMember,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("member"),
    )
    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    registered = models.DateField(_("registered on"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.ACTIVE,
    )

    class Meta:
        verbose_name = _("in-service registration")
        verbose_name_plural = _("in-service registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "community"],
                condition=Q(status="active"),
                name="uniq_active_registration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.community_id}"


class ServiceRecord(models.Model):
    member = models.ForeignKey(
        PartyMember,
        on_delete=models.CASCADE,
        related_name="service_records",
        verbose_name=_("member"),
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    activity = models.CharField(_("activity"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="service_record_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.activity}"


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> UnitQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def with_specialty(self, specialty: str) -> UnitQuerySet:
        return self.filter(
            models.Exists(
                UnitSpecialty.objects.filter(unit=models.OuterRef("pk"), specialty=specialty)
            )
        )


class Unit(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(  # noqa: DJ001 - NULL, not "", so the unique constraint skips blanks
        _("unified social credit code"), max_length=18, null=True, blank=True
    )
    scale = models.PositiveIntegerField(_("staff"), default=0)
    has_party_org = models.BooleanField(_("has a Party organisation"), default=False)
    co_building = models.BooleanField(_("co-building member (共建单位)"), default=False)
    co_building_since = models.DateField(_("co-building since"), null=True, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="units", verbose_name=_("area")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    volunteers: models.ManyToManyField[Volunteer, TeamMembership] = models.ManyToManyField(
        Volunteer,
        through="TeamMembership",
        related_name="teams",
        blank=True,
        verbose_name=_("team members"),
    )

    objects = UnitQuerySet.as_manager()

    if TYPE_CHECKING:
        specialties: models.Manager[UnitSpecialty]
        contacts: models.Manager[UnitContact]
        commitments: models.Manager[Commitment]
        memberships: models.Manager[TeamMembership]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["area__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(credit_code__isnull=False),
                name="uniq_unit_credit_code",
            ),
            models.UniqueConstraint(fields=["area", "name"], name="uniq_unit_name_in_area"),
        ]

    def __str__(self) -> str:
        return self.name

    def specialty_values(self) -> list[str]:
        return sorted(s.specialty for s in self.specialties.all())


class UnitSpecialty(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.CharField(_("specialty"), max_length=20, choices=Specialty.choices)

    class Meta:
        verbose_name = _("unit specialty")
        verbose_name_plural = _("unit specialties")
        constraints = [
            models.UniqueConstraint(fields=["unit", "specialty"], name="uniq_unit_specialty")
        ]
        indexes = [models.Index(fields=["specialty", "unit"], name="unitspec_spec_unit")]

    def __str__(self) -> str:
        return self.specialty


class UnitContactQuerySet(models.QuerySet["UnitContact"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> UnitContactQuerySet:
        return restrict_to_scope(self, user, perm, "unit__area__code")


class UnitContact(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=64)
    role = models.CharField(_("role"), max_length=64, blank=True)
    phone_enc = models.TextField(_("phone (encrypted)"), null=True, blank=True)  # noqa: DJ001
    phone_hash = models.CharField(  # noqa: DJ001
        _("phone hash"), max_length=64, null=True, blank=True, db_index=True
    )

    objects = UnitContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit contact")
        verbose_name_plural = _("unit contacts")
        ordering = ["unit", "id"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A volunteer in a volunteer team (a Unit of kind volunteer_team)."""

    team = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("volunteer")
    )
    role = models.CharField(
        _("role"), max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    joined = models.DateField(_("joined"), null=True, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="uniq_team_volunteer")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.volunteer_id} {self.role}"


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_ORGS) -> CommitmentQuerySet:
        return restrict_to_scope(self, user, perm, "unit__area__code")

    def valid_on(self, day: Any) -> CommitmentQuerySet:
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class Commitment(TimeStampedModel):
    """One line of a unit's resource list (资源清单): what it offers, how much, on what terms."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CommitmentKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    uom = models.CharField(_("unit of measure"), max_length=16)
    conditions = models.TextField(_("conditions"), blank=True)
    for_emergency = models.BooleanField(_("available in an emergency"), default=True)
    for_daily = models.BooleanField(_("available for daily service"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    contact = models.ForeignKey(
        UnitContact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("contact"),
    )

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["unit", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="commitment_quantity_pos"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="commitment_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class UnitAccount(models.Model):
    """A user who acts for a unit: receives its dispatched cases and answers its whistles."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("unit")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unit_accounts",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit account")
        verbose_name_plural = _("unit accounts")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="uniq_unit_account")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


def units_of(user: User | Any) -> models.QuerySet[Unit]:
    """The units `user` acts for (none for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(accounts__user=user)
