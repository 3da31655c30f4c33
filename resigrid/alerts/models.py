"""Alerts (CAP 1.2 with the Chinese profile), their relay down the area tree, every recipient's
delivery and acknowledgement, and door-knock visits for those without a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.alerts.choices import (
    CapCategory,
    Certainty,
    Kind,
    Level,
    MsgType,
    RecipientRole,
    Scope,
    Severity,
    Source,
    State,
    Status,
    Urgency,
)
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.people.models import Carer, Person

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class AlertQuerySet(models.QuerySet["Alert"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_AREA) -> AlertQuerySet:
        """Alerts issued in the user's scope or relayed into it."""
        issued = restrict_to_scope(self, user, perm, "issuer_area__code")
        relayed = restrict_to_scope(self, user, perm, "relays__area__code")
        return self.filter(Q(pk__in=issued.values("pk")) | Q(pk__in=relayed.values("pk")))

    def active(self) -> AlertQuerySet:
        return self.filter(state=State.PUBLISHED)


class Alert(models.Model):
    # CAP <alert>
    identifier = models.CharField(_("identifier"), max_length=80, unique=True)
    sender = models.CharField(_("sender"), max_length=120)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTUAL
    )
    msg_type = models.CharField(
        _("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.PUBLIC)
    note = models.TextField(_("note"), blank=True)
    # CAP references of an Update or Cancel ("sender,identifier,sent" of what it replaces).
    references = models.TextField(_("references"), blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    # CAP <info> (one, in Chinese)
    language = models.CharField(_("language"), max_length=10, default="zh-CN")
    category = models.CharField(_("CAP category"), max_length=10, choices=CapCategory.choices)
    event = models.CharField(_("event"), max_length=100)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    certainty = models.CharField(_("certainty"), max_length=10, choices=Certainty.choices)
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"))
    instruction = models.TextField(_("instruction"), blank=True)
    web = models.URLField(_("web"), blank=True)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    effective = models.DateTimeField(_("effective"), null=True, blank=True)
    onset = models.DateTimeField(_("onset"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    # CAP <area>: description, polygons as GeoJSON-style rings [[lon, lat], …], geocodes.
    area_desc = models.CharField(_("area description"), max_length=300)
    polygons = models.JSONField(_("polygons"), default=list, blank=True)
    geocodes = models.JSONField(_("geocodes"), default=list, blank=True)

    # Ours
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WARNING)
    level = models.CharField(_("level"), max_length=6, choices=Level.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.MANUAL
    )
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True)
    issuer_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="issued_alerts", verbose_name=_("issued by")
    )
    target_areas = models.ManyToManyField(
        Area, related_name="targeted_alerts", verbose_name=_("areas it covers")
    )
    # direct: every level and recipient gets it at publication (levels acknowledge and may add
    # local notes); relay: each level receives it and forwards it on to the level below.
    cascade = models.CharField(
        _("distribution"),
        max_length=8,
        choices=[("direct", _("Everyone at once")), ("relay", _("Level by level"))],
        default="direct",
    )
    # Minutes each receiving level has to acknowledge (and, for a directive, report back).
    ack_minutes = models.PositiveIntegerField(_("minutes to acknowledge"), default=30)
    # SHA-256 of the canonical original text (see rules.canonical_text), fixed at publication.
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or expired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AlertQuerySet.as_manager()

    if TYPE_CHECKING:
        relays: models.Manager[Relay]
        recipients: models.Manager[Recipient]
        log: models.Manager[AlertLog]

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="warning") | ~Q(level=""), name="alert_warning_has_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.headline}"


class Relay(models.Model):
    """The alert at one area on its way down (street → community → grid): when it arrived, the
    SHA-256 of the text that arrived (compared with the original), when this level forwarded it
    with what local addition, and, for a directive, this level's report back."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="relays", verbose_name=_("alert")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="alert_relays", verbose_name=_("area")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("from"),
    )
    received_at = models.DateTimeField(_("received at"))
    received_sha256 = models.CharField(_("SHA-256 received"), max_length=64)
    intact = models.BooleanField(_("text intact"), default=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("forwarded by"),
    )
    local_addition = models.TextField(_("local addition"), blank=True)
    reported_at = models.DateTimeField(_("reported back at"), null=True, blank=True)
    report = models.TextField(_("report back"), blank=True)
    overdue_notified_at = models.DateTimeField(_("lateness notified at"), null=True, blank=True)

    if TYPE_CHECKING:
        children: models.Manager[Relay]

    class Meta:
        verbose_name = _("relay")
        verbose_name_plural = _("relays")
        constraints = [models.UniqueConstraint(fields=["alert", "area"], name="uniq_relay")]

    def __str__(self) -> str:
        return f"{self.alert_id} @ {self.area_id}"


class RecipientQuerySet(models.QuerySet["Recipient"]):
    def unacknowledged(self) -> RecipientQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class Recipient(models.Model):
    """One person who must get the alert: an account (staff, party member, volunteer, resident
    with an account) or a registered resident reached by phone. Times are filled as the notify
    deliveries and acknowledgements come in."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("alert")
    )
    relay = models.ForeignKey(
        Relay, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("through")
    )
    grid = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("grid"),
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=14, choices=RecipientRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_receipts",
        verbose_name=_("account"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_receipts",
        verbose_name=_("resident"),
    )
    message_id = models.BigIntegerField(_("notify message"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ack_channel = models.CharField(_("acknowledged through"), max_length=12, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        indexes = [
            models.Index(fields=["alert", "grid", "acknowledged_at"], name="recipient_board_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(person__isnull=False),
                name="recipient_is_someone",
            ),
            models.UniqueConstraint(
                fields=["alert", "user"],
                condition=Q(user__isnull=False),
                name="uniq_recipient_user",
            ),
            models.UniqueConstraint(
                fields=["alert", "person"],
                condition=Q(person__isnull=False),
                name="uniq_recipient_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id or self.person_id}"


class Visit(models.Model):
    """A door-knock (上门告知): a vulnerable person with no channel of their own, or a recipient
    who did not acknowledge in time, is told in person by a carer or the grid worker."""

    class Reason(models.TextChoices):
        NO_CHANNEL = "no_channel", _("No channel of their own")
        NOT_ACKNOWLEDGED = "not_acknowledged", _("Did not acknowledge in time")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="visits", verbose_name=_("alert")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="alert_visits", verbose_name=_("resident")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    carer = models.ForeignKey(
        Carer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carer"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alert_visits",
        verbose_name=_("who goes"),
    )
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("door-knock visit")
        verbose_name_plural = _("door-knock visits")
        constraints = [
            models.UniqueConstraint(fields=["alert", "person"], name="uniq_alert_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} · {self.person_id}"


class AlertLog(models.Model):
    """Every move of an alert (draft, approve, publish, forward, update, cancel, expire,
    integrity failure) with who and when."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="log", verbose_name=_("alert")
    )
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert log entry")
        verbose_name_plural = _("alert log")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"


# CAP interchange records (their own module; imported here so that the app registers them).
from resigrid.alerts.cap.models import CapFeedState, CapImport  # noqa: E402, F401
