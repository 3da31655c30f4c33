"""The navigation menu: each entry names the permission it needs somewhere in the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import scope_prefixes
from resigrid.orgs.models import units_of
from resigrid.response.callups.permissions import is_volunteer


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    icon: str  # a Bootstrap Icons name, without the "bi-" prefix
    perm: Perm | None  # None: every logged-in account
    group: str | Promise | None = None  # entries of one group share a dropdown
    # Also shown to accounts acting for a unit (departments receive dispatched cases that way).
    unit_accounts: bool = False
    # With perm None: shown only to the accounts this predicate accepts (e.g. volunteers).
    show_if: Callable[[Any], bool] | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


REGISTRIES = _("Registries")
RESOURCES = _("Supplies and facilities")
LISTS = _("Three lists")
CASES = _("Cases")
WARNINGS = _("Warnings and monitoring")
RESPONSE = _("Emergency response")

ENTRIES = (
    NavEntry(_("Home"), "web:home", "house", Perm.VIEW_AREA),
    NavEntry(_("Map"), "web:map", "map", Perm.VIEW_AREA),
    NavEntry(_("Report a problem"), "cases:report", "megaphone", Perm.VIEW_AREA, CASES),
    NavEntry(_("My cases"), "cases:mine", "person-lines-fill", Perm.VIEW_AREA, CASES),
    NavEntry(_("Case queues"), "cases:queues", "inboxes", Perm.VIEW_CASES, CASES, True),
    NavEntry(_("Map of open cases"), "cases:map", "geo-alt", Perm.VIEW_CASES, CASES, True),
    NavEntry(_("Case metrics"), "case_metrics:page", "bar-chart-line", Perm.VIEW_CASES, CASES),
    NavEntry(_("Residents"), "people:person_list", "people", Perm.VIEW_PEOPLE, REGISTRIES),
    NavEntry(
        _("Vulnerable people"), "people:vulnerable_map", "heart-pulse", Perm.VIEW_PEOPLE, REGISTRIES
    ),
    NavEntry(
        _("Volunteers"), "people:volunteer_list", "person-raised-hand", Perm.VIEW_PEOPLE, REGISTRIES
    ),
    NavEntry(_("Party organisations"), "orgs:tree", "flag", Perm.VIEW_ORGS, REGISTRIES),
    NavEntry(_("Units"), "orgs:units", "buildings", Perm.VIEW_ORGS, REGISTRIES),
    NavEntry(_("Supplies"), "resources:depots", "box-seam", Perm.VIEW_RESOURCES, RESOURCES),
    NavEntry(_("Facilities"), "resources:facilities", "hospital", Perm.VIEW_RESOURCES, RESOURCES),
    NavEntry(_("Alerts"), "alerts:list", "exclamation-triangle", Perm.RELAY_ALERTS, WARNINGS),
    NavEntry(_("My alerts"), "alerts:mine", "bell-fill", None, WARNINGS),
    NavEntry(_("Monitoring"), "monitoring:overview", "activity", Perm.VIEW_RESOURCES, WARNINGS),
    NavEntry(_("Group robots"), "notify:robots", "robot", Perm.EDIT_AREA, WARNINGS),
    NavEntry(_("Responsibility list"), "registers:duties", "diagram-3", Perm.VIEW_ORGS, LISTS),
    NavEntry(_("Case categories"), "registers:categories", "tags", Perm.VIEW_ORGS, LISTS),
    NavEntry(_("Risk register"), "risks:list", "radioactive", Perm.VIEW_RESPONSE, LISTS),
    NavEntry(
        _("Procedures and drills"),
        "institutions:procedures",
        "journal-check",
        Perm.VIEW_RESPONSE,
        LISTS,
    ),
    NavEntry(
        _("Inspection rounds"),
        "institutions:schedules",
        "clipboard-check",
        Perm.VIEW_RESPONSE,
        LISTS,
    ),
    NavEntry(_("Incidents"), "incidents:list", "broadcast", Perm.VIEW_RESPONSE, RESPONSE),
    NavEntry(_("Emergency plans"), "plans:list", "journal-text", Perm.VIEW_RESPONSE, RESPONSE),
    NavEntry(
        _("Volunteer call-ups"), "callups:list", "people-fill", Perm.COORDINATE_VOLUNTEERS, RESPONSE
    ),
    NavEntry(
        _("Volunteer needs"),
        "callups:open",
        "person-raised-hand",
        None,
        RESPONSE,
        show_if=is_volunteer,
    ),
    NavEntry(
        _("Vulnerable-person sweeps"), "sweeps:list", "door-open", Perm.SWEEP_VULNERABLE, RESPONSE
    ),
    NavEntry(_("Supply allocation"), "allocations:list", "truck", Perm.ALLOCATE_SUPPLIES, RESPONSE),
    NavEntry(
        _("Deliveries to confirm"),
        "allocations:deliveries",
        "box-arrow-in-down",
        Perm.SWEEP_VULNERABLE,
        RESPONSE,
    ),
    NavEntry(_("Recovery"), "recovery:list", "bandaid", Perm.MANAGE_RECOVERY, RESPONSE),
    NavEntry(_("Bulletins"), "bulletins:list", "newspaper", Perm.DRAFT_BULLETINS, RESPONSE),
    NavEntry(_("Simulation"), "sim:list", "cpu", Perm.RUN_SIMULATIONS),
    NavEntry(_("Security log"), "accounts:security_log", "shield-lock", Perm.VIEW_SECURITY_LOG),
)


def entries_for(user: Any) -> list[NavEntry]:
    """The entries whose permission the user holds on at least one area (or everywhere)."""
    if not getattr(user, "is_authenticated", False):
        return []
    allowed: dict[Perm, bool] = {}
    acts_for_unit: bool | None = None
    out = []
    for entry in ENTRIES:
        if entry.perm is None:
            if entry.show_if is None or entry.show_if(user):
                out.append(entry)
            continue
        if entry.perm not in allowed:
            allowed[entry.perm] = scope_prefixes(user, entry.perm) != []
        if allowed[entry.perm]:
            out.append(entry)
        elif entry.unit_accounts:
            if acts_for_unit is None:
                acts_for_unit = units_of(user).exists()
            if acts_for_unit:
                out.append(entry)
    return out


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise | None  # None: the entries stand alone in the bar
    entries: list[NavEntry]

    @property
    def url_names(self) -> list[str]:
        return [e.url_name for e in self.entries]


def grouped(entries: list[NavEntry]) -> list[NavGroup]:
    """Consecutive entries of one group share a dropdown (ungrouped ones a run); order kept."""
    groups: list[NavGroup] = []
    for entry in entries:
        if groups and groups[-1].label == entry.group:
            groups[-1].entries.append(entry)
        else:
            groups.append(NavGroup(entry.group, [entry]))
    return groups
