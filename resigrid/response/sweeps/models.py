"""Models of sweeps contacting every vulnerable person (敲门行动).

Starting a sweep snapshots every current vulnerable person of its area as a `SweepContact`
(the grid is copied onto the row, so that per-grid progress is one GROUP BY over one index).
Each recorded visit or call is a `SweepAttempt`; the contact holds the latest outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope, scope_prefixes
from resigrid.people.models import Person
from resigrid.response.incidents.models import Incident, IncidentTask

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.accounts.models import User


class SweepState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SAFE = "safe", _("Safe")
    NEEDS_HELP = "needs_help", _("Needs help")
    UNREACHABLE = "unreachable", _("Unreachable")


class Method(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")


class SweepQuerySet(models.QuerySet["Sweep"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> SweepQuerySet:
        """Sweeps whose area overlaps the user's scope: the area lies in it, or the user's
        scope lies inside the area (a grid worker sees the community's sweep)."""
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return self.all()
        q = Q(pk__in=[])
        for p in prefixes:
            q |= Q(area__code__startswith=p)
            # The user's subtree lies inside the sweep's area: the area's prefix starts p.
            for length in (6, 9, 12):
                if len(p) > length:
                    q |= Q(area__code=p[:length].ljust(15, "0"))
        return self.filter(q)

    def open(self) -> SweepQuerySet:
        return self.filter(state=SweepState.OPEN)


class Sweep(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="sweeps", verbose_name=_("incident")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=8, choices=SweepState.choices, default=SweepState.OPEN
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set once when the persons not contacted by the deadline were escalated (idempotent).
    overdue_escalated_at = models.DateTimeField(_("overdue escalated at"), null=True, blank=True)

    objects = SweepQuerySet.as_manager()

    if TYPE_CHECKING:
        contacts: models.Manager[SweepContact]

    class Meta:
        verbose_name = _("vulnerable-person sweep")
        verbose_name_plural = _("vulnerable-person sweeps")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "area"],
                condition=Q(state="open"),
                name="uniq_open_sweep_per_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.area_id}"

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.state == SweepState.OPEN and now >= self.deadline


class SweepContactQuerySet(models.QuerySet["SweepContact"]):
    def visible_to(
        self, user: User | Any, perm: Perm = Perm.SWEEP_VULNERABLE
    ) -> SweepContactQuerySet:
        """Contacts of the grids where the user may sweep; who is vulnerable is sensitive, so
        the list also needs VIEW_VULNERABLE there."""
        qs = restrict_to_scope(self, user, perm, "grid__code")
        return restrict_to_scope(qs, user, Perm.VIEW_VULNERABLE, "grid__code")

    def pending(self) -> SweepContactQuerySet:
        return self.filter(outcome="")


class SweepContact(models.Model):
    sweep = models.ForeignKey(
        Sweep, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("sweep")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="sweep_contacts", verbose_name=_("person")
    )
    # Denormalised from the person when the sweep starts: per-grid counts need no join.
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("grid")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sweep_contacts",
        verbose_name=_("assigned to"),
    )
    # "" until the first attempt; then the latest attempt's outcome.
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contacted by"),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The task opened when the person needed help, and the escalation when unreachable.
    help_task = models.ForeignKey(
        IncidentTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("help task"),
    )
    escalation_task = models.ForeignKey(
        IncidentTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalation task"),
    )

    objects = SweepContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("sweep contact")
        verbose_name_plural = _("sweep contacts")
        ordering = ["grid_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "person"], name="uniq_sweep_person"),
        ]
        indexes = [
            models.Index(fields=["sweep", "grid", "outcome"], name="sweepcontact_progress"),
            models.Index(fields=["assigned_to", "sweep"], name="sweepcontact_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.sweep_id} {self.person_id} {self.outcome or '-'}"


class SweepAttempt(models.Model):
    """One visit or call with its outcome; the history of a contact."""

    contact = models.ForeignKey(
        SweepContact, on_delete=models.CASCADE, related_name="history", verbose_name=_("contact")
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The client's key for this tap: a double submit with the same key records nothing more.
    client_key = models.CharField(_("client key"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("sweep attempt")
        verbose_name_plural = _("sweep attempts")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "client_key"],
                condition=~Q(client_key=""),
                name="uniq_sweep_attempt_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.outcome}"
