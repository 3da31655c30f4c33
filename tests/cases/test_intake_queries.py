"""Case intake's hot path: the queries one report costs, and the process caches it reads
(the routing snapshot, the grid index, the token's last-use stamp) seeing every change within
their stated bound (CACHE_CHECK_SECONDS, here 1 s on a fake clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client

from resigrid.accounts.models import AccessToken, User
from resigrid.accounts.roles import Role
from resigrid.accounts.services import create_access_token
from resigrid.areas import locator
from resigrid.areas.codes import Level
from resigrid.cases.models import Case, CaseLog
from resigrid.core.errors import ValidationFailed
from resigrid.notify.models import Delivery, Message
from resigrid.notify.services import collected, enqueue
from resigrid.orgs.models import Unit
from resigrid.registers import reads, snapshot
from resigrid.registers.choices import CategoryKind, Priority
from resigrid.registers.models import Category, Deadline, Duty
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import REPORTS, post, report_body
from tests.factories import bind, make_area, square

pytestmark = pytest.mark.django_db


class Clock:
    """A fake `time.monotonic` for the caches' check interval."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Production-like caches: checked at most once a second, on a clock the test moves."""
    settings.CACHE_CHECK_SECONDS = 1.0
    fake = Clock()
    monkeypatch.setattr(snapshot, "_now", fake)
    monkeypatch.setattr(locator, "_now", fake)
    snapshot.invalidate()
    locator.invalidate_grid_index()
    yield fake
    snapshot.invalidate()
    locator.invalidate_grid_index()


def bearer(user: User) -> Client:
    _, raw = create_access_token(user=user, name="phone", days=30)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def statements(queries: Any) -> list[str]:
    """Each captured statement's first words (enough to tell what it is)."""
    return [" ".join(q["sql"].split()[:3]) for q in queries.captured_queries]


def test_one_report_costs_eleven_queries_and_a_copy_with_warm_caches(
    casebook: Casebook,
    resident: User,
    community_staff: User,
    clock: Clock,
    django_assert_num_queries: Any,
) -> None:
    community_staff.email = "staff1@example.cn"
    community_staff.save()
    phone = bearer(resident)
    # Warm: the token's first use is stamped, the grid index and routing snapshot are built.
    assert post(phone, REPORTS, report_body(lon=120.01), key="warm").status_code == 201
    # The token; claim the key; the grid row; the case; its log row; the community's
    # managers; both messages; the preferences; the deliveries (COPY on PostgreSQL, which the
    # ORM does not log); the duplicates nearby; the stored answer. Plus the request's own
    # transaction: BEGIN/COMMIT, a savepoint here inside the test's transaction.
    expected = 12 if connection.vendor == "postgresql" else 13
    with django_assert_num_queries(expected) as queries:
        response = post(phone, REPORTS, report_body(lon=120.09), key="k1")
    assert response.status_code == 201, response.content
    kinds = statements(queries)
    assert [k for k in kinds if "SAVEPOINT" in k] == [kinds[1], kinds[-1]], kinds
    case = Case.objects.get(pk=response.json()["id"])
    # Everything a report writes is there: the log row, a notice to the community (inbox and
    # email of the manager) and a receipt to the reporter (inbox).
    assert CaseLog.objects.filter(case=case).count() == 1
    notices = Message.objects.filter(source=f"cases.case:{case.pk}").order_by("pk")
    assert [m.topic for m in notices] == ["case.new", "case.report"]
    assert sorted(
        Delivery.objects.filter(message__in=notices).values_list("user__username", "channel")
    ) == [("resident", "inbox"), ("staff1", "email"), ("staff1", "inbox")]
    assert response.json()["route"]["lead_unit"] == {
        "id": casebook.city_admin.pk,
        "name": "城管执法队",
    }


def test_a_duplicate_nearby_adds_the_visibility_check_only(
    casebook: Casebook,
    resident: User,
    grid_worker: User,
    community_staff: User,
    clock: Clock,
    django_assert_num_queries: Any,
) -> None:
    phone = bearer(resident)
    assert post(phone, REPORTS, report_body(lon=120.01), key="warm").status_code == 201
    near = report(grid_worker, source="patrol", lon=120.0503)
    # The resident's scope and whether they may read the nearby case: two more queries.
    expected = 14 if connection.vendor == "postgresql" else 15
    with django_assert_num_queries(expected):
        response = post(phone, REPORTS, report_body(), key="k2")
    assert response.json()["duplicates"] == [
        {"id": near.pk, "number": near.number, "state": "reported", "distance_m": 28.9,
         "title": None}
    ]  # fmt: skip
    # Their own earlier report nearby needs no check: they may read it.
    with django_assert_num_queries(expected):
        again = post(phone, REPORTS, report_body(lon=120.0501), key="k3")
    assert [d["title"] for d in again.json()["duplicates"]] == ["垃圾堆在路边", None]


def test_the_snapshot_answers_as_the_uncached_reads(
    casebook: Casebook, tree: Any, clock: Clock
) -> None:
    routing = snapshot.current()
    for category in (casebook.garbage, casebook.environment, casebook.manhole):
        for area in (tree.grid11, tree.grid21, tree.community1, tree.street):
            assert routing.route(category.pk, area.pk) == reads.route(category, area)
        for priority in Priority.values:
            assert routing.deadlines_for(category.pk, priority) == reads.deadlines_for(
                category, priority
            )
    assert set(routing.leaves) == {"01.01", "02.01"}
    assert routing.area_chain_ids(tree.grid11.pk) == [a.pk for a in reads.area_chain(tree.grid11)]


def test_a_changed_duty_is_routed_within_a_second(
    casebook: Casebook, tree: Any, resident: User, clock: Clock
) -> None:
    phone = bearer(resident)
    first = post(phone, REPORTS, report_body(), key="a").json()
    assert first["route"]["lead_unit"]["name"] == "城管执法队"
    # Another process (or raw SQL) puts a community rule in place: no signal reaches us.
    team = Unit.objects.create(kind="property", name="东湖保洁", area=tree.community1)
    Duty.objects.bulk_create(
        [Duty(category=casebook.environment, area=tree.community1, lead_unit=team)]
    )
    clock.now += 0.5  # inside the bound: the snapshot may still answer from memory
    assert post(phone, REPORTS, report_body(), key="b").json()["route"]["lead_unit"]["name"] in (
        "城管执法队",
        "东湖保洁",
    )
    clock.now += 0.6  # past it
    assert post(phone, REPORTS, report_body(), key="c").json()["route"]["lead_unit"] == {
        "id": team.pk,
        "name": "东湖保洁",
    }


def test_changed_time_limits_start_the_next_clocks_within_a_second(
    casebook: Casebook, resident: User, clock: Clock
) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        assert report(resident).stage_due == dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
        Deadline.objects.filter(category=casebook.environment).update(accept_minutes=15)
        clock.now += 1.0
        assert report(resident).stage_due == dt.datetime(2026, 11, 2, 9, 15, tzinfo=dt.UTC)


def test_a_new_category_is_usable_at_once_and_a_retired_one_within_a_second(
    casebook: Casebook, resident: User, clock: Clock
) -> None:
    report(resident)  # the snapshot is built
    Category.objects.bulk_create(
        [
            Category(
                code="01.02", name="乱堆物料", kind=CategoryKind.EVENT, parent=casebook.environment
            )
        ]
    )
    # A code the snapshot does not know makes it look again at once.
    assert report(resident, category="01.02").category.code == "01.02"
    Category.objects.filter(code="01.01").update(active=False, updated_at=dt.datetime.now(dt.UTC))
    clock.now += 1.0
    with pytest.raises(ValidationFailed) as info:
        report(resident, category="01.01")
    assert info.value.field == "category"


def test_a_new_grid_is_located_within_a_second(tree: Any, casebook: Casebook, clock: Clock,
                                               resident: User) -> None:  # fmt: skip
    report(resident)  # the grid index is built
    with pytest.raises(ValidationFailed):
        report(resident, lon=120.25, lat=30.35)
    # Written around the services (they would also drop this process's index at commit).
    make_area("330106001002009", "西湖九网格", Level.GRID, tree.community2,
              square(120.2, 30.3, 0.1))  # fmt: skip
    clock.now += 1.0
    assert report(resident, lon=120.25, lat=30.35).grid.code == "330106001002009"


def test_managers_are_read_fresh_on_every_report(
    casebook: Casebook, tree: Any, resident: User, clock: Clock, community_staff: User
) -> None:
    case = report(resident)
    assert [u.username for u in _told(case, "case.new")] == ["staff1"]
    community_staff.is_active = False
    community_staff.save()
    street = User.objects.create(username="streetboss")
    bind(street, tree.street, Role.STREET_STAFF)
    # No one left in the community: the street hears it, at once (no cache in between).
    assert [u.username for u in _told(report(resident), "case.new")] == ["streetboss"]


def _told(case: Case, topic: str) -> list[User]:
    message = Message.objects.get(source=f"cases.case:{case.pk}", topic=topic)
    ids = Delivery.objects.filter(message=message, channel="inbox").values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def test_bad_input_leaves_the_callers_transaction_usable(
    casebook: Casebook, resident: User
) -> None:
    with transaction.atomic():
        with pytest.raises(ValidationFailed):
            report(resident, category="99.99")
        with pytest.raises(ValidationFailed):
            report(resident, lon=10.0, lat=10.0)
        # No savepoint was needed: the same transaction goes on.
        assert report(resident).pk is not None
    assert Case.objects.count() == 1


def test_the_token_is_stamped_at_most_once_a_minute(resident: User) -> None:
    t0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False) as traveller:
        token, raw = create_access_token(user=resident, name="phone", days=30)
        phone = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        stamps = []
        for step in (0, 30, 30, 1):  # at 0 s, 30 s, 60 s and 61 s
            traveller.shift(dt.timedelta(seconds=step))
            assert phone.get("/api/accounts/me").status_code == 200
            stamps.append(AccessToken.objects.get(pk=token.pk).last_used_at)
    assert stamps == [t0, t0, t0 + dt.timedelta(seconds=60), t0 + dt.timedelta(seconds=60)]


def test_collected_notices_are_written_together_or_not_at_all(
    resident: User, community_staff: User
) -> None:
    community_staff.email = "staff1@example.cn"
    community_staff.save()
    with transaction.atomic(), collected():
        first = enqueue(topic="t.one", subject="One", users=[community_staff])
        second = enqueue(topic="t.two", subject="Two", users=[resident], emails=["a@b.cn"])
        assert first.pk is None and not Message.objects.exists()
    assert [first.pk, second.pk] == list(
        Message.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert sorted(Delivery.objects.values_list("message__topic", "channel", "address")) == sorted(
        [("t.one", "inbox", ""), ("t.one", "email", ""), ("t.two", "inbox", ""),
         ("t.two", "email", "a@b.cn")]
    )  # fmt: skip
    with pytest.raises(RuntimeError), transaction.atomic(), collected():
        enqueue(topic="t.three", subject="Three", users=[resident])
        raise RuntimeError
    assert not Message.objects.filter(topic="t.three").exists()
    with pytest.raises(ValidationFailed), collected():
        enqueue(topic="t.four", subject="Four", phones=["not a phone"])
    assert not Message.objects.filter(topic="t.four").exists()
