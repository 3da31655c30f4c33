"""The navigation menu: each entry names the permission it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import scope_prefixes


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    icon: str
    perm: Perm

    @property
    def url(self) -> str:
        return reverse(self.url_name)


ENTRIES = [
    NavEntry(_("Home"), "web:home", "house", Perm.VIEW_AREA),
    NavEntry(_("Map"), "web:map", "map", Perm.VIEW_AREA),
]


def entries_for(user: Any) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [e for e in ENTRIES if scope_prefixes(user, e.perm) != []]
