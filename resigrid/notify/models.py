"""The outbox: a message and one delivery row per recipient and channel, written in the same
transaction as the change that caused them. Workers claim deliveries with a lease."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import restrict_to_scope
from resigrid.core.pii import decrypt

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.accounts.models import User


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


# Channels a person can choose and order for themselves (robots serve groups, the inbox is always
# written).
PERSONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)
ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


# Who lists and adds robots for an area. No notify verb exists yet: editing the area is the
# closest (community staff and secretaries, street and district staff).
ROBOTS_PERM = Perm.EDIT_AREA


class Message(models.Model):
    """What to say once, whoever receives it. `topic` names the event (e.g. `case.accepted`);
    `source` points at the object it is about (e.g. `cases.case:42`)."""

    topic = models.CharField(_("topic"), max_length=60, db_index=True)
    source = models.CharField(_("source"), max_length=60, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    if TYPE_CHECKING:
        deliveries: models.Manager[Delivery]

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def inbox_of(self, user: User | Any) -> DeliveryQuerySet:
        return self.filter(channel=Channel.INBOX, user=user)

    def unread(self) -> DeliveryQuerySet:
        return self.filter(read_at__isnull=True)

    def due(self, now: dt.datetime) -> DeliveryQuerySet:
        """Pending or failed-but-retryable rows whose time has come and whose lease (if any)
        has run out."""
        return self.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.RETRY],
            next_attempt_at__lte=now,
        ).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRY = "retry", _("Waiting to retry")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Given up")

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Indexed by delivery_inbox_idx, whose first column is the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_index=False,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    # Where to send when there is no user (an anonymous reporter's email) or to override it.
    address = models.CharField(_("address"), max_length=254, blank=True)
    # A phone number without a user account, encrypted at rest (resigrid.core.pii).
    address_enc = models.TextField(_("address (encrypted)"), blank=True)
    robot = models.ForeignKey(
        "notify.Robot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # a partial index below: most rows have no robot
        related_name="deliveries",
        verbose_name=_("robot"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    leased_by = models.CharField(_("leased by"), max_length=80, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    # An earlier attempt may have reached the other side (timed out after sending, or its worker
    # died holding the lease): a channel that can ask the other side does so before resending.
    uncertain = models.BooleanField(_("outcome of an earlier attempt unknown"), default=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Confirmed by the receiving system (an SMS delivery receipt).
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        # A fan-out writes 100,000 inbox rows at once: keep the indexes few, and the due index
        # partial (inbox rows are born sent and never enter it).
        indexes = [
            models.Index(fields=["user", "channel", "read_at"], name="delivery_inbox_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "retry"]),
                name="delivery_open_due_idx",
            ),
            models.Index(
                fields=["robot"], condition=Q(robot__isnull=False), name="delivery_robot_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False)
                | ~Q(address="")
                | ~Q(address_enc="")
                | Q(robot__isnull=False),
                name="delivery_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        who = self.user_id or self.address or (f"robot {self.robot_id}" if self.robot_id else "…")
        return f"{self.channel} → {who}"


class RobotQuerySet(models.QuerySet["Robot"]):
    def visible_to(self, user: User | Any, perm: Perm = ROBOTS_PERM) -> RobotQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def active(self) -> RobotQuerySet:
        return self.filter(active=True)


class Robot(models.Model):
    """A group chat's robot (企业微信群机器人 / 钉钉自定义机器人) serving an area: a message to
    the robot reaches everyone in the group. The webhook URL (it carries the robot's key) and the
    DingTalk signing secret are credentials: both are encrypted at rest."""

    class Kind(models.TextChoices):
        WECOM = Channel.WECOM.value, Channel.WECOM.label
        DINGTALK = Channel.DINGTALK.value, Channel.DINGTALK.label

    class Format(models.TextChoices):
        TEXT = "text", _("Plain text")
        MARKDOWN = "markdown", _("Markdown")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="robots", verbose_name=_("area")
    )
    webhook_enc = models.TextField(_("webhook URL (encrypted)"))
    webhook_hint = models.CharField(_("webhook"), max_length=120, blank=True)
    secret_enc = models.TextField(_("signing secret (encrypted)"), blank=True)
    message_format = models.CharField(
        _("message format"), max_length=10, choices=Format.choices, default=Format.TEXT
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RobotQuerySet.as_manager()

    if TYPE_CHECKING:
        area_id: int

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="robot_unique_name_in_area"),
        ]

    def __str__(self) -> str:
        return self.name

    def webhook_url(self) -> str:
        return decrypt(self.webhook_enc) if self.webhook_enc else ""

    def secret(self) -> str:
        return decrypt(self.secret_enc) if self.secret_enc else ""


class RobotSlot(models.Model):
    """The robot's send slots, NOTIFY_ROBOT_RATE_LIMIT of them: a send takes the slot used
    longest ago, and only if that was at least a window (60 s) ago. So no more than the limit
    leave in any window, whichever worker on whichever host sends (rows, not process memory)."""

    robot = models.ForeignKey(
        Robot, on_delete=models.CASCADE, related_name="slots", verbose_name=_("robot")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    used_at = models.DateTimeField(_("used at"))

    class Meta:
        verbose_name = _("robot send slot")
        verbose_name_plural = _("robot send slots")
        constraints = [
            models.UniqueConstraint(fields=["robot", "number"], name="robotslot_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.robot_id}#{self.number}"


class ChannelPreference(models.Model):
    """How a person wants to be reached beyond the inbox: channels in order (the first usable one
    is used, the next ones are fallbacks when it gives up), and a phone number for SMS
    (encrypted at rest; accounts hold no phone number elsewhere)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channel_preference",
        verbose_name=_("user"),
    )
    channels = models.JSONField(_("channels in order"), default=list, blank=True)
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return ", ".join(self.channels) or "inbox"

    def phone(self) -> str:
        return decrypt(self.phone_enc) if self.phone_enc else ""


class SmsReceipt(models.Model):
    """A delivery receipt from the SMS gateway, one row per gateway message id (a repeated
    callback changes nothing)."""

    message_id = models.CharField(_("gateway message id"), max_length=120, unique=True)
    client_ref = models.CharField(_("client reference"), max_length=120, db_index=True)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("delivery"),
    )
    status = models.CharField(_("status"), max_length=20)
    error = models.CharField(_("error"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SMS receipt")
        verbose_name_plural = _("SMS receipts")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.status}"
