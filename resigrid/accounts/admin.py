"""Admin: users with their role bindings, tokens (revoke only) and the read-only security log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import (
    AccessToken,
    PersonalDataAccess,
    RoleBinding,
    SecurityEvent,
    User,
)
from resigrid.accounts.services import revoke_access_token
from resigrid.core.errors import DomainError


class RoleBindingInline(admin.TabularInline[RoleBinding, User]):
    model = RoleBinding
    extra = 0
    autocomplete_fields = ("area",)
    readonly_fields = ("created_at",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")},
        ),
    )
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "email")
    readonly_fields = ("last_login", "date_joined")
    inlines = (RoleBindingInline,)


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin[RoleBinding]):
    list_display = ("user", "role", "area", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "area__code", "area__name")
    autocomplete_fields = ("user", "area")
    readonly_fields = ("created_at",)


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin[AccessToken]):
    """Tokens are created by their owners (the raw token is shown once, to them); here an
    administrator can only look and revoke."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "token_hash",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        user = request.user
        assert isinstance(user, User)  # noqa: S101  (the admin requires a logged-in user)
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                revoke_access_token(actor=user, token_id=token.pk, request=request)
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                return
            count += 1
        self.message_user(request, _("%(n)d tokens revoked.") % {"n": count}, messages.SUCCESS)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin[SecurityEvent]):
    """Audit records are protected: no add, change or delete, even for a superuser."""

    list_display = ("at", "kind", "username", "ip_address", "path")
    list_filter = ("kind", "at")
    search_fields = ("username", "ip_address", "path")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "kind",
        "user",
        "username",
        "ip_address",
        "user_agent",
        "path",
        "detail",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin[PersonalDataAccess]):
    """Read-only: the personal-data access log is evidence, like the security log."""

    list_display = ("at", "user", "action", "subject", "row_count", "ip_address")
    list_filter = ("action", "subject")
    search_fields = ("user__username", "subject")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
