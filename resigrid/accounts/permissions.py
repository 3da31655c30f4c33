"""Who may do what with accounts, tokens and the security log. Reads only.

Decision (documented in docs and the helper report): the security log and user management are
*global*, not area-scoped. Security events belong to accounts, not to areas, and they carry
personal information of every staff member (IP addresses, user agents), so by the
minimum-necessary rule (PIPL art. 6) they are shown only to the central audit/administration role:
a superuser, or someone holding a role that grants the permission on a top-level area (a district;
the area tree's roots are districts). An administrator of a street or a community does not see
the log nor manage accounts here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resigrid.accounts.roles import Perm, roles_granting

if TYPE_CHECKING:
    from resigrid.accounts.models import AccessToken, User


def _is_active_user(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def holds_globally(user: User | Any, perm: Perm) -> bool:
    """`perm` through a superuser flag or a role on a root of the area tree (a district)."""
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    # `area__parent__isnull` instead of importing areas: accounts sits below areas in the layers.
    return bool(
        user.role_bindings.filter(role__in=roles_granting(perm), area__parent__isnull=True).exists()
    )


def can_view_security_log(user: User | Any) -> bool:
    return holds_globally(user, Perm.VIEW_SECURITY_LOG)


def can_manage_users(user: User | Any) -> bool:
    return holds_globally(user, Perm.MANAGE_USERS)


def can_manage_tokens(user: User | Any) -> bool:
    """Any active, logged-in user may keep personal access tokens for their own integrations."""
    return _is_active_user(user)


def can_revoke_token(user: User | Any, token: AccessToken) -> bool:
    """The owner, or a user manager (to cut off a leaked token of someone else)."""
    if not _is_active_user(user):
        return False
    return token.user_id == user.pk or can_manage_users(user)
