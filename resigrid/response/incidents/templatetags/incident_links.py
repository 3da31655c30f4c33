"""`{% open_incident_button alert=alert %}` / `{% open_incident_button case=case %}`: on the alert
and case pages, a link to the open incident from it, or, for those who may command incidents in
its area, a button that opens one (the alerts and cases apps only name the tag)."""

from __future__ import annotations

from typing import Any

from django import template

from resigrid.alerts.models import Alert
from resigrid.cases.models import Case
from resigrid.response.incidents import permissions, sources
from resigrid.response.incidents.models import Incident

register = template.Library()


@register.inclusion_tag("incidents/_open_button.html", takes_context=True)
def open_incident_button(
    context: dict[str, Any], alert: Alert | None = None, case: Case | None = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or (alert is None and case is None):
        return {"show": False}
    if alert is not None:
        area = sources.alert_area(alert)
        existing = Incident.objects.visible_to(user).filter(source_alert=alert)
        query = f"alert={alert.pk}"
    else:
        assert case is not None  # noqa: S101 - one of the two, checked above
        area = case.grid.parent or case.grid
        existing = Incident.objects.visible_to(user).filter(source_case=case)
        query = f"case={case.pk}"
    return {
        "show": True,
        "existing": existing.open().order_by("-opened_at").first(),
        "may_open": permissions.can_open_within(user, area),
        "query": query,
    }
