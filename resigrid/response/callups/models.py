"""Models of volunteer call-ups and assignments.

A `CallUp` is a published need (skills, how many people, where, when). Volunteers sign up
(`SignUp`); the platform proposes one `Assignment` per slot (the optim solver: skills,
availability, no double booking, least total travel) with its explanation; the coordinator
confirms; the volunteer reports back and service hours and points accrue on the people side.

A volunteer logs in through a `VolunteerAccount`: the people registry has no link from a
resident to an account, so this app keeps the smallest one (one account ↔ one volunteer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.people.models import Volunteer, VolunteerService
from resigrid.response.incidents.models import Incident

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class VolunteerAccount(models.Model):
    """The account a volunteer logs in with (made by a coordinator or the people office)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_account",
        verbose_name=_("account"),
    )
    volunteer = models.OneToOneField(
        Volunteer,
        on_delete=models.CASCADE,
        related_name="account",
        verbose_name=_("volunteer"),
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer account")
        verbose_name_plural = _("volunteer accounts")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.volunteer_id}"


class CallUpState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class CallUpQuerySet(models.QuerySet["CallUp"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.COORDINATE_VOLUNTEERS
    ) -> CallUpQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def open(self) -> CallUpQuerySet:
        return self.filter(state=CallUpState.OPEN)


class CallUp(models.Model):
    """A need for volunteers: `count` people with all of `skills`, at a place, in a window."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callups",
        verbose_name=_("incident"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="callups", verbose_name=_("area")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # Skill codes as the people registry has them (resigrid.people.choices.Skill), sorted.
    skills = models.JSONField(_("skills required"), default=list, blank=True)
    count = models.PositiveIntegerField(_("volunteers needed"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    state = models.CharField(
        _("state"), max_length=10, choices=CallUpState.choices, default=CallUpState.DRAFT
    )
    # Who the last proposal drew on: the signed-up volunteers only, or also the area's.
    proposed_from = models.CharField(_("proposed from"), max_length=10, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = CallUpQuerySet.as_manager()

    if TYPE_CHECKING:
        signups: models.Manager[SignUp]
        assignments: models.Manager[Assignment]

    class Meta:
        verbose_name = _("call-up")
        verbose_name_plural = _("call-ups")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="callup_window"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="callup_count_positive"),
        ]
        indexes = [models.Index(fields=["state", "starts_at"], name="callup_state_start")]

    def __str__(self) -> str:
        return self.title


class SignUpState(models.TextChoices):
    ACTIVE = "active", _("Signed up")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SignUp(models.Model):
    callup = models.ForeignKey(
        CallUp, on_delete=models.CASCADE, related_name="signups", verbose_name=_("call-up")
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="callup_signups"
    )
    at = models.DateTimeField(_("signed up at"), auto_now=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SignUpState.choices, default=SignUpState.ACTIVE
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["callup", "volunteer"], name="uniq_signup"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.callup_id}"


class AssignmentState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    REPORTED = "reported", _("Reported back")


# States that hold a slot and the volunteer (booked: confirmed or reported).
HOLDING = (AssignmentState.PROPOSED, AssignmentState.CONFIRMED, AssignmentState.REPORTED)
BOOKED = (AssignmentState.CONFIRMED, AssignmentState.REPORTED)


class Source(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    AREA = "area", _("Volunteer of the area")


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.COORDINATE_VOLUNTEERS
    ) -> AssignmentQuerySet:
        return restrict_to_scope(self, user, perm, "callup__area__code")

    def booked(self) -> AssignmentQuerySet:
        return self.filter(state__in=BOOKED)


class Assignment(models.Model):
    """One slot of a call-up given to one volunteer, with why (skills, distance)."""

    callup = models.ForeignKey(
        CallUp, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("call-up")
    )
    slot = models.PositiveIntegerField(_("slot"))
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="callup_assignments"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    # {"skills": [codes], "distance_m": int, "source": ..., "available": "signed_up"|"weekly"}
    explanation = models.JSONField(_("explanation"), default=dict)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=AssignmentState.choices,
        default=AssignmentState.PROPOSED,
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    report = models.TextField(_("report back"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)
    points = models.IntegerField(_("points"), default=0)
    service = models.OneToOneField(
        VolunteerService,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callup_assignment",
        verbose_name=_("service record"),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["callup", "slot"]
        constraints = [
            # One holder per slot, and a volunteer holds at most one slot of a call-up.
            models.UniqueConstraint(
                fields=["callup", "slot"],
                condition=Q(state__in=["proposed", "confirmed", "reported"]),
                name="uniq_assignment_slot",
            ),
            models.UniqueConstraint(
                fields=["callup", "volunteer"],
                condition=Q(state__in=["proposed", "confirmed", "reported"]),
                name="uniq_assignment_volunteer",
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "state"], name="assignment_vol_state"),
        ]

    def __str__(self) -> str:
        return f"{self.callup_id}#{self.slot} → {self.volunteer_id}"
