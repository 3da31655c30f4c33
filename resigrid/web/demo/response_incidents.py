"""Demo data of the incidents app (issue 6). The demo opens no incident: the walk-through opens
one live from the street's red rainstorm alert (alert page → "Open an incident" → activate the
flood plan 防汛应急预案 at level II). `manage.py open_demo_flood_incident` does the same from a
script. This seed only checks that the path is there."""

from __future__ import annotations

from resigrid.alerts.models import Alert
from resigrid.response.plans.models import Plan


def seed(*, seed: int, street_id: int, community_ids: list[int]) -> dict[str, int]:
    """Nothing written; the counts say whether the walk-through has what it needs."""
    alerts = Alert.objects.filter(
        issuer_area_id=street_id, level="red", headline__endswith="暴雨红色预警"
    ).count()
    plans = Plan.objects.filter(area_id=street_id, title="防汛应急预案", active=True).count()
    return {"rainstorm_alerts_to_open_from": alerts, "flood_plans": plans}
