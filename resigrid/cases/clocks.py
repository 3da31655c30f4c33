"""Deadlines of the case stages: pure arithmetic over database timestamps (no timers)."""

from __future__ import annotations

import datetime as dt

from resigrid.cases.workflow import Stage
from resigrid.registers.reads import StageMinutes


def stage_minutes(limits: StageMinutes, stage: Stage) -> int:
    return {
        Stage.ACCEPT: limits.accept,
        Stage.DISPATCH: limits.dispatch,
        Stage.HANDLE: limits.handle,
        Stage.VERIFY: limits.verify,
    }[stage]


def due(start: dt.datetime, minutes: int) -> dt.datetime:
    return start + dt.timedelta(minutes=minutes)


def escalation_level(stage_due: dt.datetime, now: dt.datetime, stage_length_min: int) -> int:
    """0 before the deadline; 1 once it passed (the community is told); 2 when a further full
    stage length passed (the street); 3 after two more (the district). Never above 3."""
    if now <= stage_due:
        return 0
    late = (now - stage_due).total_seconds() / 60
    length = max(stage_length_min, 1)
    return min(3, 1 + int(late // length))
