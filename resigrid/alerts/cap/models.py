"""Records of CAP interchange (app "alerts"): one row per CAP message imported (its original
identifier, sender and sent, unique together so that a message is never imported twice, even by
two imports at once), and one row per polled feed (its HTTP validators for conditional GET)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CapImport(models.Model):
    """A CAP message taken in: `key` is the SHA-256 of "sender identifier sent" (the CAP
    uniqueness triple; the three are also kept in full). `alert` is the alert it became (a new
    draft) or the alert it applied to (an Update or Cancel of an alert we hold)."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Imported as a new alert")
        UPDATED = "updated", _("Applied as an update")
        CANCELLED = "cancelled", _("Applied as a cancellation")

    key = models.CharField(_("key"), max_length=64, unique=True)
    identifier = models.TextField(_("CAP identifier"))
    sender = models.TextField(_("CAP sender"))
    sent = models.CharField(_("CAP sent"), max_length=40)
    alert = models.ForeignKey(
        "alerts.Alert",
        on_delete=models.CASCADE,
        related_name="cap_imports",
        verbose_name=_("alert"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    source_url = models.URLField(_("fetched from"), max_length=500, blank=True, db_index=True)
    sha256 = models.CharField(_("SHA-256 of the document"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        app_label = "alerts"
        verbose_name = _("CAP import")
        verbose_name_plural = _("CAP imports")

    def __str__(self) -> str:
        return f"{self.sender} {self.identifier} {self.sent}"


class CapFeedState(models.Model):
    """What the last poll of a configured feed saw: the validators to send next time, and when
    it last worked or failed (and why)."""

    url = models.URLField(_("feed URL"), max_length=500, unique=True)
    etag = models.CharField(_("ETag"), max_length=200, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=60, blank=True)
    checked_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    ok_at = models.DateTimeField(_("last succeeded at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        app_label = "alerts"
        verbose_name = _("CAP feed")
        verbose_name_plural = _("CAP feeds")

    def __str__(self) -> str:
        return self.url
