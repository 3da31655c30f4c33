"""Benchmark: sensor readings into PostgreSQL with the rules evaluated (issue 5).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_readings \\
        .venv/bin/python bench/bench_readings.py [--seconds 20] [--clients 4] [--workers 2]
        [--batch 1000] [--messages 50000] [--rate 5000] [--skip-http] [--skip-mqtt]
        [--profile 20]

Uses a dedicated database (created if missing, migrated, seeded once and reused; readings, rule
states and events are emptied at the start of every run; DATABASE_URL is not touched): a street
of 10 communities × 10 grids, 1,000 sensors (water level, rainfall, gas, smoke, crowd: 100 per
community, 10 per grid) watched by 31 rules (per community: a water-level threshold held
10 minutes that drafts an orange warning and opens a case, a rainfall rate-of-change rule, a gas
threshold; for the street: a silence rule over every water-level gauge), so every reading is
evaluated by one to three rules. A gateway account (street staff) sends with a personal access
token.

HTTP: gunicorn serving config.wsgi (DEBUG off, `--workers 2`, sync workers) on 127.0.0.1; N
gateway clients (httpx, keep-alive), each owning an equal share of the sensors, post batches of
1,000 readings (for each of its sensors the next readings, 5 minutes apart) back to back for a
fixed time after a warm-up; sustained readings/s and the latency of a batch. The anchor, in the
same run: the same number of rows COPYed into the readings table by psycopg (one COPY per
1,000) and INSERTed with executemany, on one connection.

MQTT: `manage.py mqtt_readings` (a subprocess with its receiver process; batches of 1,000 or
200 ms) subscribed through the machine's Mosquitto at 127.0.0.1:1883; one publisher sends M
messages (one reading each, QoS 1) at `--rate` per second (default 6,000); messages/s end to
end = rows stored / (first publish → last row in the database), and rows must equal M. The
anchor: a bare paho subscriber in a process of its own that only counts, against an unpaced
publisher (the ceiling of paho and the broker on this machine, with what the broker dropped:
Mosquitto keeps at most 1,000 messages queued per subscriber by default, so a publisher faster
than any subscriber loses messages at the broker; size `max_queued_messages` for real floods).

Goals (issue 5): HTTP 20,000 readings/s in batches of 1,000; MQTT 5,000 messages/s. Exit status 1
when a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_readings"
)
SERVER_ENV = {
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "RESIGRID_DEBUG": "0",
    "RESIGRID_SECRET_KEY": "bench-" + "k" * 50,
    "RESIGRID_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "RESIGRID_LOG_LEVEL": os.environ.get("RESIGRID_LOG_LEVEL", "ERROR"),
}
os.environ.update(SERVER_ENV)

import psycopg  # noqa: E402

GOAL_HTTP = 20_000.0
GOAL_MQTT = 5_000.0
LON0, LAT0, STEP = 120.0, 30.0, 0.01
COMMUNITIES, GRIDS_PER, SENSORS_PER_GRID = 10, 10, 10
KINDS = ["water_level", "rainfall", "gas", "smoke", "crowd"]
LEVEL = {"water_level": 1.8, "rainfall": 0.5, "gas": 1.0, "smoke": 0.3, "crowd": 0.8}
MARKER = "BENCH-0000"
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def rect(lon: float, lat: float, width: float, height: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height]]
    return {"type": "Polygon", "coordinates": [[*ring, [lon, lat]]]}


def seed() -> None:
    """Areas, sensors, rules and the gateway account (once)."""
    from django.db import transaction

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.monitoring.models import Rule, Sensor
    from resigrid.registers.choices import CategoryKind
    from resigrid.registers.models import Category

    if Sensor.objects.filter(code=MARKER).exists():
        return
    t0 = time.perf_counter()
    width = COMMUNITIES * GRIDS_PER * STEP
    with transaction.atomic():
        district = Area.objects.create(
            code="330106000000000",
            name="示范区",
            level=Level.DISTRICT,
            boundary=rect(LON0 - 0.1, LAT0 - 0.1, width + 0.2, STEP + 0.2),
        )
        street = Area.objects.create(
            code="330106001000000",
            name="和平街道",
            level=Level.STREET,
            parent=district,
            boundary=rect(LON0, LAT0, width, STEP),
        )
        top = Category.objects.create(code="04", name="安全隐患", kind=CategoryKind.EVENT)
        Category.objects.create(code="04.01", name="积水内涝", kind=CategoryKind.EVENT, parent=top)
        sensors: list[Sensor] = []
        rules: list[Rule] = []
        n = 0
        for c in range(COMMUNITIES):
            community = Area.objects.create(
                code=f"330106001{c + 1:03d}000",
                name=f"社区{c + 1}",
                level=Level.COMMUNITY,
                parent=street,
                boundary=rect(LON0 + c * GRIDS_PER * STEP, LAT0, GRIDS_PER * STEP, STEP),
            )
            for g in range(GRIDS_PER):
                lon = LON0 + (c * GRIDS_PER + g) * STEP
                grid = Area.objects.create(
                    code=f"330106001{c + 1:03d}{g + 1:03d}",
                    name=f"网格{c + 1}-{g + 1}",
                    level=Level.GRID,
                    parent=community,
                    boundary=rect(lon, LAT0, STEP, STEP),
                )
                for s in range(SENSORS_PER_GRID):
                    kind = KINDS[s % len(KINDS)]
                    sensors.append(
                        Sensor(
                            code=MARKER if n == 0 else f"BENCH-{n:04d}",
                            kind=kind,
                            name=f"{kind}-{n}",
                            lon=lon + 0.001 + s * 0.0008,
                            lat=LAT0 + 0.005,
                            grid=grid,
                            unit="",
                            min_valid=-100.0,
                            max_valid=1000.0,
                        )
                    )
                    n += 1
            common = {"area": community, "type": "threshold", "minutes": 0}
            rules += [
                Rule(
                    name=f"社区{c + 1}水位",
                    sensor_kind="water_level",
                    fire_level=3.0,
                    clear_level=2.8,
                    action_alert=True,
                    alert_level="orange",
                    alert_event="暴雨内涝",
                    alert_headline="{sensor} {value}",
                    alert_description="{sensor} {value} {level}",
                    action_case=True,
                    case_category="04.01",
                    **{**common, "minutes": 10},
                ),
                Rule(
                    name=f"社区{c + 1}雨量陡增",
                    sensor_kind="rainfall",
                    **{**common, "type": "rate", "minutes": 30},
                    fire_level=1.0,
                    clear_level=0.2,
                ),
                Rule(name=f"社区{c + 1}燃气", sensor_kind="gas", fire_level=20.0, **common),
            ]
        rules.append(
            Rule(
                name="水位计离线",
                area=street,
                type="silence",
                sensor_kind="water_level",
                minutes=60,
            )
        )
        Sensor.objects.bulk_create(sensors)
        Rule.objects.bulk_create(rules)
        gateway = User.objects.create(username="bench-gateway")
        gateway.set_unusable_password()
        gateway.save()
        RoleBinding.objects.create(user=gateway, area=street, role=Role.STREET_STAFF)
    print(
        f"seeded {len(sensors)} sensors and {len(rules)} rules in {time.perf_counter() - t0:.1f} s"
    )


def reset() -> str:
    """Empty readings, states, events, dead letters, alerts and cases; a fresh token."""
    from django.db import connection

    from resigrid.accounts.models import AccessToken, User
    from resigrid.accounts.services import create_access_token
    from resigrid.monitoring.models import DeadLetter, Reading, RuleEvent, RuleState, Sensor

    tables = [m._meta.db_table for m in (Reading, RuleState, RuleEvent, DeadLetter)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
    Sensor.objects.update(last_at=None, last_value=None)
    AccessToken.objects.filter(user__username="bench-gateway").delete()
    _, raw = create_access_token(user=User.objects.get(username="bench-gateway"), name="b")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return raw


def sensor_codes() -> list[str]:
    from resigrid.monitoring.models import Sensor

    return list(
        Sensor.objects.filter(code__startswith="BENCH-")
        .order_by("pk")
        .values_list("code", flat=True)
    )


def reading_count() -> int:
    with psycopg.connect(BENCH_URL) as conn:
        row = conn.execute("SELECT count(*) FROM monitoring_reading").fetchone()
        return int(row[0]) if row else 0


# HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, token: str) -> subprocess.Popen[bytes]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--keep-alive",
        "30",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **SERVER_ENV})  # noqa: S603
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = httpx.get(
                f"http://127.0.0.1:{port}/api/monitoring/rules?state=firing",
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
            if probe.status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far: app (gunicorn), postgres (backends of the bench database), load
    (this process) and the whole machine."""
    out = {"app": 0.0, "postgres": 0.0, "load": 0.0}
    name = f" {BENCH_URL.rpartition('/')[2]} "
    for path in Path("/proc").iterdir():
        if not path.name.isdigit():
            continue
        try:
            raw = (path / "stat").read_text()
            title = (path / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        pid, ppid = int(path.name), int(fields[1])
        used = (int(fields[11]) + int(fields[12])) / TICK
        if pid == os.getpid():
            out["load"] += used
        elif server_pid in (pid, ppid):
            out["app"] += used
        elif title.startswith("postgres") and name in title:
            out["postgres"] += used
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    out["machine"] = (sum(parts) - parts[3] - parts[4]) / TICK
    return out


def batches(codes: list[str], batch: int, start: dt.datetime) -> Any:
    """Endless batches for one gateway: each of its sensors, the next readings 5 minutes apart."""
    per = max(1, batch // len(codes))
    minute = 0  # one reading every 5 minutes per sensor (a usual sampling interval)
    rng = random.Random(len(codes))
    while True:
        body = []
        for k in range(per):
            at = (start + dt.timedelta(minutes=5 * (minute + k))).isoformat()
            for code in codes:
                kind = KINDS[int(code[-4:]) % len(KINDS)]
                body.append(
                    {"sensor": code, "at": at, "value": round(LEVEL[kind] + rng.random() * 0.2, 3)}
                )
        minute += per
        yield body[:batch]


async def http_load(
    port: int,
    token: str,
    codes: list[str],
    clients: int,
    batch: int,
    warmup: float,
    seconds: float,
    server_pid: int,
) -> tuple[int, list[float], dict[int, int], dict[str, float]]:
    import httpx

    start_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=300)
    share = [codes[i::clients] for i in range(clients)]
    stored = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    begin = time.perf_counter() + warmup
    stop = begin + seconds

    async def gateway(i: int) -> None:
        nonlocal stored
        feed = batches(share[i], batch, start_at)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            while True:
                body = json.dumps(next(feed))
                t0 = time.perf_counter()
                if t0 >= stop:
                    return
                response = await client.post(
                    "/api/monitoring/readings", content=body, headers=headers
                )
                t1 = time.perf_counter()
                if begin <= t0 and t1 <= stop:
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code == 200:
                        out = response.json()
                        stored += out["stored"]
                        latencies.append(t1 - t0)

    cpu: dict[str, float] = {}

    async def sample() -> None:
        await asyncio.sleep(max(0.0, begin - time.perf_counter()))
        before = cpu_by_group(server_pid)
        await asyncio.sleep(max(0.0, stop - time.perf_counter()))
        after = cpu_by_group(server_pid)
        cpu.update({k: (after[k] - before[k]) / seconds for k in after})

    await asyncio.gather(sample(), *(gateway(i) for i in range(clients)))
    return stored, latencies, statuses, cpu


def anchor(rows: int, codes: list[str]) -> tuple[float, float]:
    """COPY and executemany of `rows` readings (batches of 1,000) into the same table."""
    with psycopg.connect(BENCH_URL) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM monitoring_sensor WHERE code LIKE 'BENCH-%' ORDER BY id"
            )
        ]
        base = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        data = [
            (ids[i % len(ids)], base + dt.timedelta(minutes=i // len(ids)), 1.0 + (i % 7) / 10)
            for i in range(rows)
        ]
        t0 = time.perf_counter()
        for start in range(0, rows, 1000):
            with (
                conn.cursor() as cur,
                cur.copy("COPY monitoring_reading (sensor_id, at, value) FROM STDIN") as copy,
            ):
                for row in data[start : start + 1000]:
                    copy.write_row(row)
            conn.commit()
        copy_rate = rows / (time.perf_counter() - t0)
        conn.execute("DELETE FROM monitoring_reading WHERE at < '2001-01-01'")
        conn.commit()
        t0 = time.perf_counter()
        for start in range(0, rows, 1000):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO monitoring_reading (sensor_id, at, value) VALUES (%s, %s, %s)",
                    data[start : start + 1000],
                )
            conn.commit()
        insert_rate = rows / (time.perf_counter() - t0)
        conn.execute("DELETE FROM monitoring_reading WHERE at < '2001-01-01'")
        conn.commit()
    return copy_rate, insert_rate


# MQTT ---------------------------------------------------------------------------------------


def publish(topic_prefix: str, codes: list[str], messages: int, rate: float = 0.0) -> float:
    """Publish `messages` readings (QoS 1), at `rate` per second when given (else as fast as
    paho and the broker go); returns the seconds it took."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(100)
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()
    start_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    t0 = time.perf_counter()
    infos = []
    for i in range(messages):
        if rate and i % 50 == 0:
            ahead = t0 + i / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        code = codes[i % len(codes)]
        at = (start_at + dt.timedelta(minutes=i // len(codes))).isoformat()
        kind = KINDS[int(code[-4:]) % len(KINDS)]
        payload = json.dumps({"at": at, "value": LEVEL[kind]})
        infos.append(client.publish(f"{topic_prefix}/sensors/{code}/readings", payload, qos=1))
    for info in infos:
        info.wait_for_publish(60)
    took = time.perf_counter() - t0
    client.disconnect()
    client.loop_stop()
    return took


COUNTER = """
import sys, threading, time
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
topic, n = sys.argv[1], int(sys.argv[2])
count, first, last = [0], [0.0], [0.0]
done, ready = threading.Event(), threading.Event()
def on_message(*_a):
    count[0] += 1
    last[0] = time.perf_counter()
    if count[0] == 1:
        first[0] = last[0]
    if count[0] == n:
        done.set()
c = paho.Client(CallbackAPIVersion.VERSION2)
c.on_message = on_message
c.on_subscribe = lambda *_a: ready.set()
c.connect("127.0.0.1", 1883)
c.subscribe(topic, qos=1)
c.loop_start()
ready.wait(10)
print("ready", flush=True)
done.wait(float(sys.argv[3]))
print(count[0], last[0] - first[0], flush=True)
"""


def mqtt_anchor(codes: list[str], messages: int) -> tuple[float, int]:
    """A bare paho subscriber in a process of its own that only counts, against an unpaced
    publisher: messages/s it received and how many the broker dropped (its queue for a
    subscriber holds 1,000 by default)."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", COUNTER, f"{prefix}/sensors/+/readings", str(messages), "60"],
        stdout=subprocess.PIPE,
        text=True,
    )
    if proc.stdout is None or proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise SystemExit("the counting subscriber did not start")
    publish(prefix, codes, messages)
    out, _err = proc.communicate(timeout=120)
    got, span = out.split()
    return int(got) / max(float(span), 1e-9), messages - int(got)


def mqtt_run(codes: list[str], messages: int, rate: float) -> tuple[float, float, int]:
    """The subscriber command against the bench database, messages published at `rate` per
    second; returns (messages/s end to end, publishing seconds, rows stored)."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    cmd = [
        str(ROOT / ".venv" / "bin" / "python"),
        "manage.py",
        "mqtt_readings",
        "--topic",
        f"{prefix}/sensors/+/readings",
        "--client-id",
        f"{prefix}-sub",
        "--clean-session",
        "--report-seconds",
        "3600",
    ]
    env = {**os.environ, **SERVER_ENV}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("Subscribed"):
        proc.kill()
        raise SystemExit(f"mqtt_readings did not start: {line}")
    time.sleep(2.0)  # the receiver process connected and subscribed
    before = reading_count()
    t0 = time.perf_counter()
    published = publish(prefix, codes, messages, rate)
    deadline = time.monotonic() + 120
    rows, last, seen = 0, t0, -1
    while time.monotonic() < deadline:
        rows = reading_count() - before
        if rows != seen:
            seen, last = rows, time.perf_counter()
        elif time.perf_counter() - last > 5:  # nothing new for 5 s: the rest is not coming
            break
        if rows >= messages:
            break
        time.sleep(0.05)
    proc.terminate()
    proc.wait(30)
    return rows / (last - t0), published, rows


# Profile ------------------------------------------------------------------------------------


def profile(n: int, token: str, codes: list[str], batch: int) -> None:
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    feed = batches(codes, batch, dt.datetime.now(dt.UTC) - dt.timedelta(days=340))
    post = client.post
    for _ in range(3):
        post("/api/monitoring/readings", json.dumps(next(feed)), content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        post("/api/monitoring/readings", json.dumps(next(feed)), content_type="application/json")
    print(f"\nqueries per batch of {batch}: {len(queries)}")
    for q in queries.captured_queries:
        print(f"  {q['time']}s  {q['sql'][:140]}")
    bodies = [json.dumps(next(feed)) for _ in range(n)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    t0, c0, b0 = time.perf_counter(), time.process_time(), backend_cpu()
    k = n // 2
    for body in bodies[:k]:
        post("/api/monitoring/readings", body, content_type="application/json")
    per = (time.perf_counter() - t0) / k
    cpu, db = (time.process_time() - c0) / k, (backend_cpu() - b0) / k
    print(
        f"\nin-process, not profiled: {per * 1000:.1f} ms wall per batch "
        f"({batch / per:,.0f} readings/s); CPU per batch: Django {cpu * 1000:.1f} ms, "
        f"PostgreSQL backend {db * 1000:.1f} ms"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[n // 2 :]:
        post("/api/monitoring/readings", body, content_type="application/json")
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(
        os.environ.get("BENCH_SORT", "cumulative")
    ).print_stats(40)
    print(out.getvalue())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=6000.0, help="MQTT messages/s sent")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-mqtt", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="profile N batches in-process")
    args = parser.parse_args()

    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed()
    token = reset()
    codes = sensor_codes()
    ok = True
    print(f"machine: {os.cpu_count()} CPUs; database {BENCH_URL.rpartition('/')[2]}")
    if args.profile:
        profile(args.profile, token, codes, args.batch)
        token = reset()
    if not args.skip_http:
        port = free_port()
        server = start_server(port, args.workers, token)
        try:
            stored, latencies, statuses, cpu = asyncio.run(
                http_load(
                    port,
                    token,
                    codes,
                    args.clients,
                    args.batch,
                    args.warmup,
                    args.seconds,
                    server.pid,
                )
            )
        finally:
            server.terminate()
            server.wait(30)
        rate = stored / args.seconds
        copy_rate, insert_rate = anchor(max(stored, 100_000) // 1000 * 1000, codes)
        print(
            f"\nHTTP bulk ingestion, rules evaluated ({args.workers} gunicorn workers, "
            f"{args.clients} gateways, batches of {args.batch}, {args.seconds:.0f} s):\n"
            f"  {rate:,.0f} readings/s (goal {GOAL_HTTP:,.0f}); batch latency p50 "
            f"{pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms; answers {statuses}\n"
            f"  CPU cores busy during the run: gunicorn {cpu['app']:.2f}, PostgreSQL "
            f"{cpu['postgres']:.2f}, load generator {cpu['load']:.2f}, whole machine "
            f"{cpu['machine']:.2f} of {os.cpu_count()}\n"
            f"  anchor, one connection: COPY {copy_rate:,.0f} rows/s, INSERT executemany "
            f"{insert_rate:,.0f} rows/s"
        )
        ok &= rate >= GOAL_HTTP
    if not args.skip_mqtt:
        token = reset()
        ceiling, dropped = mqtt_anchor(codes, args.messages)
        rate, published, rows = mqtt_run(codes, args.messages, args.rate)
        print(
            f"\nMQTT through Mosquitto into the database ({args.messages:,} messages, QoS 1, "
            f"published at {args.rate:,.0f}/s):\n"
            f"  {rate:,.0f} messages/s end to end (goal {GOAL_MQTT:,.0f}); rows {rows:,} of "
            f"{args.messages:,}; publishing took {published:.1f} s\n"
            f"  anchor: a bare paho subscriber (own process, counts only) against an unpaced "
            f"publisher: {ceiling:,.0f} messages/s, {dropped:,} dropped by the broker"
        )
        ok &= rate >= GOAL_MQTT and rows == args.messages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
