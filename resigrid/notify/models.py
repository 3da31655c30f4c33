"""The outbox: a message and one delivery row per recipient and channel, written in the same
transaction as the change that caused them. Workers claim deliveries with a lease."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    import datetime as dt

    from resigrid.accounts.models import User


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    # Next channels (WeCom, DingTalk, SMS) are one adapter each.


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
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("recipient"),
    )
    # Where to send when there is no user (an anonymous reporter's email) or to override it.
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    leased_by = models.CharField(_("leased by"), max_length=80, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    external_id = models.CharField(_("external id"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["user", "channel", "read_at"], name="delivery_inbox_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(address=""), name="delivery_has_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.user_id or self.address}"
