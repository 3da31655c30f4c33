"""Models of public bulletins (信息发布) and rumour rebuttals (辟谣).

A bulletin is drafted, approved by someone else, published (pushed through the notify outbox
and shown on the public page) and may be withdrawn with a reason. Every step is a log row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, restrict_to_scope
from resigrid.notify.models import Message
from resigrid.response.incidents.models import Incident

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class Kind(models.TextChoices):
    OFFICIAL = "official", _("Official release")
    REBUTTAL = "rebuttal", _("Rumour rebuttal")


class BulletinState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BulletinQuerySet(models.QuerySet["Bulletin"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_RESPONSE) -> BulletinQuerySet:
        return restrict_to_scope(self, user, perm, "area__code")

    def published(self) -> BulletinQuerySet:
        return self.filter(state=BulletinState.PUBLISHED)

    def awaiting_approval(self) -> BulletinQuerySet:
        return self.filter(state=BulletinState.DRAFT)


class Bulletin(models.Model):
    incident = models.ForeignKey(
        Incident,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bulletins",
        verbose_name=_("incident"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    # For a rebuttal: the rumour as it circulates.
    rumour = models.TextField(_("rumour"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=BulletinState.choices, default=BulletinState.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    drafted_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The outbox message sent on publication.
    message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-published_at", "-drafted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                name="bulletin_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(kind="rebuttal") | ~Q(rumour=""),
                name="bulletin_rebuttal_has_rumour",
            ),
        ]
        indexes = [models.Index(fields=["state", "published_at"], name="bulletin_public")]

    def __str__(self) -> str:
        return self.title


class BulletinLog(models.Model):
    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.CASCADE, related_name="log", verbose_name=_("bulletin")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("bulletin log entry")
        verbose_name_plural = _("bulletin log")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.action}"

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the code stays in ``action``)."""
        return str(ACTION_LABELS.get(self.action, self.action))


ACTION_LABELS = {
    "drafted": pgettext_lazy("bulletin log", "Drafted"),
    "edited": pgettext_lazy("bulletin log", "Edited"),
    "approved": pgettext_lazy("bulletin log", "Approved"),
    "published": pgettext_lazy("bulletin log", "Published"),
    "withdrawn": pgettext_lazy("bulletin log", "Withdrawn"),
}
