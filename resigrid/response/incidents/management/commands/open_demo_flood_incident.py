"""Open the demo's flood incident from its red rainstorm alert and activate the flood plan (for
scripted walk-throughs; the demo itself leaves this to the user). Idempotent: an incident
already open for the alert is reused, a plan already active at the level is left as it is."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resigrid.accounts.models import User
from resigrid.alerts.models import Alert
from resigrid.core.errors import DomainError
from resigrid.registers.choices import HazardClass
from resigrid.response.incidents import activate, services
from resigrid.response.incidents.models import Incident


class Command(BaseCommand):
    help = "Open the demo flood incident from the red rainstorm alert and activate the plan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="street", help="the commander (default street)")
        parser.add_argument("--level", default="2", help="response level 1-4 (default 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account {options['username']!r}.")
        alert = (
            Alert.objects.visible_to(user)
            .filter(level="red", event="暴雨", headline__endswith="暴雨红色预警")
            .exclude(state__in=["draft", "approved"])
            .order_by("-published_at")
            .first()
        )
        if alert is None:
            raise CommandError("No red rainstorm alert in the account's scope: seed the demo.")
        try:
            incident = Incident.objects.open().filter(source_alert=alert).first()
            if incident is None:
                incident = services.open_incident(actor=user, alert_id=alert.pk)
            plan = next(
                (
                    p
                    for p in activate.plans_for(incident, user)
                    if p.hazard_class == HazardClass.NATURAL and "防汛" in p.title
                ),
                None,
            )
            if plan is None:
                raise CommandError("No active flood plan covers the alert's area.")
            if not (incident.plan_id == plan.pk and incident.plan_level == options["level"]):
                activate.activate_plan(
                    actor=user, incident_id=incident.pk, plan_id=plan.pk, level=options["level"]
                )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        tasks = incident.tasks.count()
        self.stdout.write(f"incident {incident.pk}: {incident.title} — {tasks} tasks")
