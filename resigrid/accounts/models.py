"""Users, their roles on areas, personal access tokens and the security-event log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=64, blank=True)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]
    if TYPE_CHECKING:
        role_bindings: RelatedManager[RoleBinding]
        access_tokens: RelatedManager[AccessToken]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_staff_account(self) -> bool:
        """Staff for the password policy: Django staff or any non-resident role."""
        if self.is_staff or self.is_superuser:
            return True
        if self.pk is None:
            return False
        return bool(self.role_bindings.filter(role__in=[r.value for r in STAFF_ROLES]).exists())


class RoleBinding(models.Model):
    """`user` holds `role` on `area` and on every area below it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_bindings", verbose_name=_("user")
    )
    # A string reference: areas sits above accounts in the layering and imports it, not back.
    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="role_bindings", verbose_name=_("area")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role binding")
        verbose_name_plural = _("role bindings")
        constraints = [
            models.UniqueConstraint(fields=["user", "area", "role"], name="uniq_role_binding"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.area_id}"


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def active(self, now: datetime) -> AccessTokenQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def owned_by(self, user: User | Any) -> AccessTokenQuerySet:
        """A user's own tokens (the only ones their pages and API list)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)


class AccessToken(models.Model):
    """A personal access token for API integrations. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def status(self, now: datetime) -> AccessToken.Status:
        if self.revoked_at is not None:
            return AccessToken.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return AccessToken.Status.EXPIRED
        return AccessToken.Status.ACTIVE


class SecurityEvent(models.Model):
    """Append-only audit of security-relevant events (等保: kept at least six months).

    Rows are written only by `services.record_security_event`; the admin and the pages are
    read-only. `username` keeps who it was even if the account is later deleted."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        TOKEN_CREATED = "token_created", _("Access token created")
        TOKEN_REVOKED = "token_revoked", _("Access token revoked")
        TOKEN_REJECTED = "token_rejected", _("Access token rejected")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        EXPORT = "export", _("Export")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="secevent_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"


class PersonalDataAccess(models.Model):
    """One row per unmasked read or export of personal data (PIPL art. 51, GB/T 35273 §9)."""

    class Action(models.TextChoices):
        UNMASKED_READ = "unmasked_read", _("Unmasked read")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        PURGE = "purge", _("Retention purge")

    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personal_data_accesses",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # What was read: a model label ("people.person") and ids, or a ledger name for exports.
    subject = models.CharField(_("subject"), max_length=64)
    object_ids = models.JSONField(_("object ids"), default=list, blank=True)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    scope = models.CharField(_("scope"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data accesses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="pda_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.subject}"
