"""Roles and what each may do: a pure table, no database access."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    COMMUNITY_SECRETARY = "community_secretary", _("Community Party secretary")
    STREET_STAFF = "street_staff", _("Street office staff")
    DISTRICT_STAFF = "district_staff", _("District staff")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    ADMIN = "admin", _("Administrator")


class Perm(models.TextChoices):
    """Verbs checked by `can_*` predicates. A role grants a verb on its area's whole subtree."""

    VIEW_AREA = "area.view", _("View areas and maps")
    EDIT_AREA = "area.edit", _("Edit areas, grids and buildings")
    IMPORT_AREA = "area.import", _("Import and export area boundaries")
    VIEW_PEOPLE = "people.view", _("View residents")
    EDIT_PEOPLE = "people.edit", _("Edit residents, households, carers and volunteers")
    VIEW_VULNERABLE = "people.vulnerable", _("See who is vulnerable and why (sensitive data)")
    UNMASK_PERSONAL = "people.unmask", _("See unmasked personal data")
    EXPORT_PERSONAL = "people.export", _("Export ledgers that hold personal data")
    IMPORT_LEDGER = "ledger.import", _("Import ledgers from Excel")
    VIEW_ORGS = "orgs.view", _("View party organisations and units")
    EDIT_ORGS = "orgs.edit", _("Edit party organisations, units and commitments")
    VIEW_RESOURCES = "resources.view", _("View depots, stock and facilities")
    EDIT_RESOURCES = "resources.edit", _("Edit depots, facilities and the item catalogue")
    MOVE_STOCK = "resources.stock", _("Record stock movements")
    VIEW_CASES = "cases.view", _("View cases in the area")
    MANAGE_CASES = "cases.manage", _("Accept, dispatch, close and supervise cases")
    VERIFY_CASES = "cases.verify", _("Verify handled cases on site")
    EDIT_DUTIES = "registers.duties", _("Edit the responsibility list and case time limits")
    ISSUE_ALERTS = "alerts.issue", _("Draft and publish alerts for the area")
    APPROVE_ALERTS = "alerts.approve", _("Approve alerts before publication")
    RELAY_ALERTS = "alerts.relay", _("Acknowledge alerts for the area and forward them down")
    # Admin only (a gateway account bound as admin on a district): it can acknowledge for anyone
    # holding a signed link, across the whole tree.
    ACK_GATEWAY = "alerts.ack_gateway", _("Send residents' alert acknowledgements in bulk")
    MANAGE_SENSORS = "monitoring.sensors", _("Add and change sensors and their rules")
    SEND_READINGS = "monitoring.readings", _("Send sensor readings for the area")
    RUN_SIMULATIONS = "sim.run", _("Create and run simulation scenarios for the area")
    VIEW_RESPONSE = "response.view", _("View risks, plans, drills and incidents of the area")
    MANAGE_RISKS = "response.risks", _("Keep the risk register: rate, review and escalate risks")
    MANAGE_INSTITUTIONS = (
        "response.institutions",
        _("Keep procedures, inspections, drills and improvement items"),
    )
    MANAGE_PLANS = "response.plans", _("Write and revise emergency plans")
    COMMAND_INCIDENTS = (
        "response.command",
        _("Open incidents, activate plans and take decisions in the command post"),
    )
    COORDINATE_VOLUNTEERS = "response.volunteers", _("Call up and assign volunteers")
    ALLOCATE_SUPPLIES = "response.supplies", _("Allocate, issue and deliver relief supplies")
    SWEEP_VULNERABLE = "response.sweep", _("Contact vulnerable people in a sweep and record it")
    DRAFT_BULLETINS = "response.bulletins", _("Draft public bulletins and rumour rebuttals")
    APPROVE_BULLETINS = "response.bulletins_approve", _("Approve and publish public bulletins")
    MANAGE_RECOVERY = "response.recovery", _("Assess and track recovery needs; run reviews")
    MANAGE_USERS = "accounts.manage", _("Manage accounts and roles")
    VIEW_SECURITY_LOG = "accounts.security_log", _("View the security log")


STAFF_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.COMMUNITY_SECRETARY,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.DEPARTMENT_STAFF,
        Role.ADMIN,
    }
)

_STAFF_COMMON = {Perm.VIEW_AREA, Perm.VIEW_PEOPLE, Perm.VIEW_ORGS, Perm.VIEW_RESOURCES}
_CASES = {Perm.VIEW_CASES, Perm.MANAGE_CASES, Perm.VERIFY_CASES}
_ALERTS = {Perm.ISSUE_ALERTS, Perm.RELAY_ALERTS}
# Monitoring points are run by the community and the levels above it; a gateway account bound to
# a community sends readings for its sensors (a unit's account sends for the unit's own sensors
# without any role: resigrid.monitoring.permissions).
_MONITORING = {Perm.MANAGE_SENSORS, Perm.SEND_READINGS}
# Emergency response (issue 6): the community and the levels above keep the three lists and run
# incidents; grid workers see them and do the door-knocking of the sweep.
_RESPONSE = {
    Perm.VIEW_RESPONSE,
    Perm.MANAGE_RISKS,
    Perm.MANAGE_INSTITUTIONS,
    Perm.MANAGE_PLANS,
    Perm.COORDINATE_VOLUNTEERS,
    Perm.ALLOCATE_SUPPLIES,
    Perm.SWEEP_VULNERABLE,
    Perm.DRAFT_BULLETINS,
    Perm.MANAGE_RECOVERY,
}
# Those who visit and care for people see who is vulnerable by name; higher levels see counts.
_COMMUNITY = (
    _STAFF_COMMON
    | _CASES
    | _ALERTS
    | _MONITORING
    | _RESPONSE
    | {
        Perm.EDIT_PEOPLE,
        Perm.VIEW_VULNERABLE,
        Perm.EDIT_AREA,
        Perm.IMPORT_LEDGER,
        Perm.EXPORT_PERSONAL,
        Perm.EDIT_ORGS,
        Perm.EDIT_RESOURCES,
        Perm.MOVE_STOCK,
    }
)
_HIGHER = (
    _STAFF_COMMON
    | _CASES
    | _ALERTS
    | _MONITORING
    | _RESPONSE
    | {
        Perm.COMMAND_INCIDENTS,
        Perm.APPROVE_BULLETINS,
        Perm.APPROVE_ALERTS,
        Perm.EDIT_DUTIES,
        Perm.EDIT_AREA,
        Perm.IMPORT_AREA,
        Perm.EDIT_ORGS,
        Perm.EDIT_RESOURCES,
        Perm.MOVE_STOCK,
        Perm.RUN_SIMULATIONS,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.RESIDENT: frozenset({Perm.VIEW_AREA}),
    Role.GRID_WORKER: frozenset(
        _STAFF_COMMON
        | {
            Perm.EDIT_PEOPLE,
            Perm.VIEW_VULNERABLE,
            Perm.VIEW_CASES,
            Perm.VERIFY_CASES,
            Perm.RELAY_ALERTS,
            Perm.VIEW_RESPONSE,
            Perm.SWEEP_VULNERABLE,
            Perm.MANAGE_RECOVERY,  # household needs assessments in their own grid
        }
    ),
    Role.COMMUNITY_STAFF: frozenset(_COMMUNITY),
    Role.COMMUNITY_SECRETARY: frozenset(
        _COMMUNITY
        | {
            Perm.IMPORT_AREA,
            Perm.UNMASK_PERSONAL,
            Perm.APPROVE_ALERTS,
            Perm.RUN_SIMULATIONS,
            Perm.COMMAND_INCIDENTS,
            Perm.APPROVE_BULLETINS,
        }
    ),
    Role.STREET_STAFF: frozenset(_HIGHER),
    Role.DISTRICT_STAFF: frozenset(_HIGHER),
    Role.DEPARTMENT_STAFF: frozenset(
        {Perm.VIEW_AREA, Perm.VIEW_ORGS, Perm.VIEW_RESOURCES, Perm.VIEW_RESPONSE}
    ),
    Role.ADMIN: frozenset(Perm),
}


def roles_granting(perm: Perm) -> list[str]:
    return [role.value for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
