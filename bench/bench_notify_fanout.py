"""Benchmark: fan-out of one message to 100,000 users on PostgreSQL (issue 5).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_notify \\
        .venv/bin/python bench/bench_notify_fanout.py [--users 100000] [--robots 1000] [--sms 0]

Uses a dedicated database (created if missing, migrated; the users are made once and reused;
the outbox tables are emptied at the start of every run; DATABASE_URL is not touched).

  1. rows: `enqueue(users=<100,000 active users>, robots=<N group robots>, phones=<M numbers>)`
     in one transaction — an inbox row per user (delivered at once), a row per robot and per
     phone waiting for the workers;
  2. the anchor, in the same run: a raw psycopg COPY of the same number of rows into the same
     table (then removed);
  3. delivered: two worker processes (the `notify_worker --loop` loop) drain the robot and SMS rows
     against a fake WeCom / SMS server on 127.0.0.1 (tests/notify/fakehttp.py, threaded); the
     time from the start of `enqueue` until no row is left pending.
Goals (issue 5): rows < 10 s, delivered < 60 s. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_notify"
)
ENV = {
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "RESIGRID_SECRET_KEY": "bench-" + "k" * 50,
    "RESIGRID_LOG_LEVEL": "ERROR",
}
os.environ.update(ENV)

import psycopg  # noqa: E402

GOAL_ROWS_S = 10.0
GOAL_DELIVERED_S = 60.0


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed_users(count: int) -> None:
    from django.contrib.auth.hashers import make_password

    from resigrid.accounts.models import User

    have = User.objects.filter(username__startswith="fan-").count()
    if have >= count:
        return
    password = make_password(None)
    batch: list[User] = []
    for i in range(have, count):
        batch.append(User(username=f"fan-{i:07d}", full_name=f"居民{i}", password=password))
        if len(batch) == 10_000:
            User.objects.bulk_create(batch)
            batch.clear()
    User.objects.bulk_create(batch)


def seed_robots(count: int, url: str) -> list[object]:
    from resigrid.accounts.models import User
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.core.pii import encrypt
    from resigrid.notify.models import Robot, RobotSlot
    from resigrid.notify.robots import EPOCH

    district, _ = Area.objects.get_or_create(
        code="330106000000000", defaults={"name": "压测区", "level": Level.DISTRICT}
    )
    street, _ = Area.objects.get_or_create(
        code="330106001000000",
        defaults={"name": "压测街道", "level": Level.STREET, "parent": district},
    )
    area, _ = Area.objects.get_or_create(
        code="330106001001000",
        defaults={"name": "压测社区", "level": Level.COMMUNITY, "parent": street},
    )
    Robot.objects.filter(name__startswith="fan-robot-").delete()
    root = User.objects.filter(username="fan-0000000").first()
    robots = Robot.objects.bulk_create(
        Robot(
            name=f"fan-robot-{i:05d}",
            kind=Robot.Kind.WECOM,
            area=area,
            webhook_enc=encrypt(f"{url}?key=r{i}"),
            webhook_hint=f"…r{i}",
            created_by=root,
        )
        for i in range(count)
    )
    RobotSlot.objects.bulk_create(
        RobotSlot(robot=r, number=n, used_at=EPOCH) for r in robots for n in range(20)
    )
    return list(robots)


def empty_outbox() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE notify_smsreceipt, notify_delivery, notify_message RESTART IDENTITY CASCADE"
        )


def raw_copy(rows: int, message_id: int, user_ids: list[int]) -> float:
    """COPY of `rows` inbox-like rows (the same columns enqueue fills), in one transaction."""
    now = dt.datetime.now(dt.UTC).isoformat()
    buf = io.StringIO()
    for i in range(rows):
        uid = user_ids[i % len(user_ids)]
        buf.write(
            f"{message_id}\tinbox\t{uid}\t\t\tsent\t0\t{now}\t\\N\t\t\t\tf\t{now}\t\\N\t\\N\t{now}\n"
        )
    data = buf.getvalue()
    cols = (
        "message_id, channel, user_id, address, address_enc, status, attempts, next_attempt_at,"
        " lease_until, leased_by, last_error, external_id, uncertain, sent_at, delivered_at,"
        " read_at, created_at"
    )
    with psycopg.connect(BENCH_URL) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY notify_delivery ({cols}) FROM STDIN") as copy:
            copy.write(data)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DELETE FROM notify_delivery WHERE message_id = %s", (message_id,))
        conn.commit()
    return elapsed


def start_workers(n: int, sms_url: str, status_url: str) -> list[subprocess.Popen[bytes]]:
    """`n` worker processes: this script in --as-worker mode (the notify_worker loop, with the
    SMS gateway settings pointed at the fake server)."""
    env = {**os.environ, **ENV, "BENCH_SMS_URL": sms_url, "BENCH_SMS_STATUS_URL": status_url}
    return [
        subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, __file__, "--as-worker", f"bench-{i}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(n)
    ]


def run_worker(name: str) -> int:
    """The body of one worker process: `manage.py notify_worker --loop` with a 0.2 s idle wait
    and batches of 200, until SIGTERM."""
    import django

    django.setup()
    from django.conf import settings

    from resigrid.notify.worker import run_forever

    settings.NOTIFY_SMS_URL = os.environ.get("BENCH_SMS_URL", "")
    settings.NOTIFY_SMS_STATUS_URL = os.environ.get("BENCH_SMS_STATUS_URL", "")
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(True))
    run_forever(worker=name, limit=200, interval=0.2, should_stop=lambda: bool(stopping))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--robots", type=int, default=1000)
    parser.add_argument("--sms", type=int, default=0, help="phone numbers to text as well")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--as-worker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_worker:
        return run_worker(args.as_worker)

    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import override_settings

    from resigrid.accounts.models import User
    from resigrid.notify.models import Delivery, Message
    from resigrid.notify.services import enqueue
    from tests.notify.fakehttp import FakeHttpServer, SmsGateway, ok_json

    call_command("migrate", verbosity=0)
    seed_users(args.users)
    server = FakeHttpServer().start()
    gateway = SmsGateway()
    server.default = lambda r: gateway(r) if r.path.startswith("/sms/") else ok_json(r)
    empty_outbox()
    robots = seed_robots(args.robots, server.url("/cgi-bin/webhook/send"))
    phones = [f"139{i:08d}" for i in range(args.sms)]
    users = User.objects.filter(username__startswith="fan-", is_active=True).order_by("id")
    users = users.only("id", "email", "is_active")[: args.users]

    read_started = time.perf_counter()
    list(users.values_list("id", "email", "is_active"))
    read_s = time.perf_counter() - read_started

    sms_env = {
        "NOTIFY_SMS_URL": server.url("/sms/send"),
        "NOTIFY_SMS_STATUS_URL": server.url("/sms/status"),
    }
    workers = start_workers(
        args.workers, sms_env["NOTIFY_SMS_URL"], sms_env["NOTIFY_SMS_STATUS_URL"]
    )
    try:
        time.sleep(2.0)  # workers up and idle
        with override_settings(**sms_env):
            started = time.perf_counter()
            with transaction.atomic():
                message = enqueue(
                    topic="alert.published",
                    subject="暴雨红色预警",
                    body="预计未来3小时内降雨量将达100毫米以上，请立即转移到安全地带。",
                    url="/alerts/1/",
                    users=users,
                    robots=robots,  # type: ignore[arg-type]
                    phones=phones,
                )
            rows_s = time.perf_counter() - started
        total = Delivery.objects.filter(message=message).count()
        user_ids = list(users.values_list("id", flat=True)[:1000])
        anchor = Message.objects.create(topic="bench.anchor", subject="anchor")
        copy_s = raw_copy(total, anchor.pk, user_ids)
        anchor.delete()
        # Delivered: every row sent (or given up), measured from the start of enqueue.
        while True:
            waiting = Delivery.objects.filter(
                message=message, status__in=["pending", "retry"]
            ).count()
            if waiting == 0:
                break
            if time.perf_counter() - started > 600:
                break
            time.sleep(0.05)
        delivered_s = time.perf_counter() - started
        states = dict(
            Delivery.objects.filter(message=message)
            .values("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    finally:
        for p in workers:
            p.send_signal(signal.SIGTERM)
        for p in workers:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        server.stop()
    connection.close()
    posts = len(server.to("POST", "/cgi-bin/webhook/send"))
    sms_posts = len(server.to("POST", "/sms/send"))
    print(
        f"fan-out of one message on PostgreSQL: {args.users:,} users, {args.robots:,} robots, "
        f"{args.sms:,} phones → {total:,} delivery rows"
    )
    print(
        f"  enqueue (bulk)       {rows_s:7.2f} s   {total / rows_s:10,.0f} rows/s   "
        f"goal < {GOAL_ROWS_S:.0f} s"
    )
    print(f"    of which reading the {args.users:,} users (measured apart) ≈ {read_s:.2f} s")
    print(
        f"  anchor: raw COPY     {copy_s:7.2f} s   {total / copy_s:10,.0f} rows/s   "
        f"(ratio {rows_s / copy_s:.1f}×)"
    )
    print(
        f"  all delivered        {delivered_s:7.2f} s   ({args.workers} worker processes; "
        f"goal < {GOAL_DELIVERED_S:.0f} s)"
    )
    print(f"  states {states}; robot POSTs {posts:,}; SMS POSTs {sms_posts:,}")
    ok = rows_s < GOAL_ROWS_S and delivered_s < GOAL_DELIVERED_S and posts == args.robots
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
