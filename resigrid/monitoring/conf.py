"""Monitoring settings, with their defaults (config/settings.py may set any of them from the
environment: RESIGRID_MQTT_HOST, RESIGRID_MQTT_PORT, RESIGRID_MQTT_USERNAME,
RESIGRID_MQTT_PASSWORD, RESIGRID_MQTT_TOPIC, RESIGRID_MQTT_CLIENT_ID)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "MQTT_HOST": "127.0.0.1",
    "MQTT_PORT": 1883,
    "MQTT_USERNAME": "",
    "MQTT_PASSWORD": "",
    # `+` stands for the sensor code.
    "MQTT_TOPIC": "resigrid/sensors/+/readings",
    "MQTT_CLIENT_ID": "resigrid-readings",
    # A reading stamped more than this far ahead of the server clock is refused.
    "MONITORING_MAX_FUTURE_MINUTES": 5,
    # … and one older than this many days (a device with a reset clock).
    "MONITORING_MAX_AGE_DAYS": 366,
    # Items per HTTP request.
    "MONITORING_MAX_BATCH": 10_000,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
