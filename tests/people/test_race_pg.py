"""Two creates of the same ID number at once on PostgreSQL, each in its own transaction: the
unique constraint lets exactly one through and the other gets the field's translated error."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from resigrid.accounts.models import User
from resigrid.core import pii
from resigrid.core.errors import ValidationFailed
from resigrid.people import services
from resigrid.people.models import Person
from tests.people.conftest import People, make_id

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_creates_with_one_id_number_only_one_wins(
    people: People, community_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two transactions at once: run with DATABASE_URL (PostgreSQL)")
    id_number = make_id(dt.date(1962, 8, 9), 135)
    before = Person.objects.count()
    # Both threads pass the friendly duplicate lookup before either inserts, so the race is
    # decided by the database's unique constraint every time, not by timing luck.
    looked_up = threading.Barrier(2)
    lookup = services._duplicate_message

    def lookup_then_wait(actor: Any, id_hash: str, exclude_pk: int | None) -> str | None:
        found = lookup(actor, id_hash, exclude_pk)
        looked_up.wait(timeout=10)
        return found

    monkeypatch.setattr(services, "_duplicate_message", lookup_then_wait)
    outcomes: list[tuple[str, str, Any]] = []
    lock = threading.Lock()

    def create(name: str) -> None:
        outcome: tuple[str, str, Any]
        try:
            with translation.override("zh-hans"):
                services.create_person(
                    actor=community_admin,
                    household=people.home11,
                    data={"name": name, "id_number": id_number},
                )
            outcome = ("ok", name, None)
        except ValidationFailed as exc:
            outcome = ("refused", str(exc.message), (exc.field, exc.errors))
        except Exception as exc:  # a raw IntegrityError must fail the test
            outcome = ("raised", repr(exc), None)
        finally:
            connections.close_all()  # each thread has its own connection; close it
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=create, args=(name,)) for name in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    winner = next(o[1] for o in outcomes if o[0] == "ok")
    refused = next(o for o in outcomes if o[0] == "refused")
    assert refused[1:] == (
        "该身份证号码刚刚已被他人登记。",
        ("id_number", {"id_number": ["该身份证号码已登记。"]}),
    )
    assert Person.objects.count() == before + 1
    stored = Person.objects.get(id_number_hash=pii.keyed_hash(id_number))
    assert (stored.name, stored.household_id) == (winner, people.home11.pk)
