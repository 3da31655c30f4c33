"""Helpers for the cases API tests (no tests here): requests, photos, a case moved to a state."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from resigrid.accounts.models import User
from resigrid.cases import intake, services
from resigrid.cases.models import Case

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
Z0 = "2026-11-02T09:00:00Z"
REPORTS = "/api/cases/reports"
CASES = "/api/cases/"


def post(client: Client, url: str, body: Any = None, *, key: str | None = None, **headers: str):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def report_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "01.01",
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运。",
        "lon": 120.05,
        "lat": 30.05,
    }
    body.update(extra)
    return body


def jpeg(width: int = 64, height: int = 48, *, gps: bool = True) -> bytes:
    """A real JPEG; with an EXIF block carrying a GPS tag (which must never reach storage)."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (30.0, 3.0, 0.0)}
        exif[0x0110] = "PhoneModel X"
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(width: int, height: int, *, noise: bool = False) -> bytes:
    import os

    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (0, 90, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def fix_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tracking codes handed out in order: TRACKCODE001, TRACKCODE002, …"""
    numbers = itertools.count(1)
    monkeypatch.setattr(intake, "new_tracking_code", lambda: f"TRACKCODE{next(numbers):03d}")


def move_to(
    case: Case, state: str, *, manager: User, unit: User, verifier: User, **kw: Any
) -> Case:
    """Take a reported case along the happy path until it is in `state` (through services)."""
    path = ["accepted", "registered", "dispatched", "in_progress", "handled", "verified", "closed"]
    steps = {
        "accepted": lambda: services.accept(actor=manager, case_id=case.pk),
        "registered": lambda: services.register(actor=manager, case_id=case.pk),
        "dispatched": lambda: services.dispatch(actor=manager, case_id=case.pk, **kw),
        "in_progress": lambda: services.start(actor=unit, case_id=case.pk),
        "handled": lambda: services.handle(actor=unit, case_id=case.pk, result="已清运。"),
        "verified": lambda: services.verify(actor=verifier, case_id=case.pk, passed=True),
        "closed": lambda: services.close(actor=manager, case_id=case.pk),
    }
    start = path.index(case.state) + 1 if case.state in path else 0
    for name in path[start : path.index(state) + 1]:
        steps[name]()
    case.refresh_from_db()
    return case


_tokens = itertools.count(1)


def client_of(user: User) -> Client:
    """A fresh client carrying a Bearer token of `user`: unlike a session, it survives clock
    shifts past the idle timeout (and `client_for` reuses one client for every user)."""
    from resigrid.accounts.services import create_access_token

    _, raw = create_access_token(user=user, name=f"tests-{next(_tokens)}", days=365)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
