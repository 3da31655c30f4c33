"""Benchmark: case intake through the HTTP API on PostgreSQL (issue 4).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_cases \\
        .venv/bin/python bench/bench_case_intake.py [--clients 16] [--seconds 20] [--workers 2]
        [--worker-class gthread] [--threads 4] [--no-key] [--profile 300 [--seconds 0]]

Uses a dedicated database (created if missing, migrated, seeded once and reused; the case and
outbox tables are emptied at the start of every run; DATABASE_URL is not touched): a street of
4 communities × 10 grids with boundaries, 10 leaf categories with time limits, duties (city
management for 01, each community's property company for 02), two case managers with email per
community and a grid worker per grid (so every report notifies: inbox + email rows), and 200
residents with personal access tokens.

Then:
  * gunicorn serving config.wsgi (DEBUG off) with 2 workers on 127.0.0.1;
  * a loopback load generator: N asyncio clients on a lean HTTP/1.1 keep-alive client (real
    sockets; status line, headers, Content-Length or chunked bodies; each answer must be 201),
    each a resident's phone with its own connection and Bearer token, posting
    `POST /api/cases/reports` back to back (a random point in a random grid, a random
    category, an Idempotency-Key each) for a fixed time after a warm-up; sustained reports/s
    and p50/p99 latency of the answered requests;
  * CPU per report by group (gunicorn workers, PostgreSQL, the load generator, everything else
    on the machine) from /proc over the window: on a shared machine, `other` shows the noise;
  * the floor, same server and clients: a cheap API read (following one case by its tracking
    code: no auth, four small queries) — what Django + Ninja + gunicorn cost around our code;
  * the anchor, in the same run: a raw psycopg loop of INSERT + COMMIT of the same case rows
    into the same table, on one connection and on N connections at once.
  * `--profile N`: N reports in-process (Django's test client, same database) under cProfile:
    the functions that dominate and the queries per report.
Goal (issue 4): at least 300 reports/s with p99 under 250 ms. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resigrid_bench_cases"
)
SERVER_ENV = {
    "DATABASE_URL": BENCH_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "RESIGRID_DEBUG": "0",
    "RESIGRID_SECRET_KEY": "bench-" + "k" * 50,
    "RESIGRID_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "RESIGRID_LOG_LEVEL": "ERROR",
}
os.environ.update(SERVER_ENV)

import psycopg  # noqa: E402

GOAL_RPS = 300.0
GOAL_P99_MS = 250.0
RESIDENTS = 200
LON0, LAT0, STEP = 120.0, 30.0, 0.01  # grid squares of 0.01° (≈ 1 km)
COMMUNITIES, GRIDS_PER = 4, 10
MARKER = "B01"  # the first seeded category: present = seeded


def ensure_database(url: str) -> None:
    base, _sep, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def rect(lon: float, lat: float, width: float, height: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + width, lat], [lon + width, lat + height], [lon, lat + height]]
    return {"type": "Polygon", "coordinates": [[*ring, [lon, lat]]]}


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    return rect(lon, lat, size, size)


def grid_origin(c: int, g: int) -> tuple[float, float]:
    return LON0 + (c * GRIDS_PER + g) * STEP, LAT0


def seed() -> None:
    """The street, categories, duties, staff and residents (once)."""
    from django.db import transaction

    from resigrid.accounts.models import RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.areas.codes import Level
    from resigrid.areas.models import Area
    from resigrid.orgs.models import Unit
    from resigrid.registers.choices import CategoryKind, Priority
    from resigrid.registers.models import Category, Deadline, Duty

    if Category.objects.filter(code=MARKER).exists():
        return
    t0 = time.perf_counter()
    width = COMMUNITIES * GRIDS_PER * STEP
    with transaction.atomic():
        district = Area.objects.create(
            code="330106000000000",
            name="示范区",
            level=Level.DISTRICT,
            boundary=square(LON0 - 0.1, LAT0 - 0.1, width + 0.2),
        )
        street = Area.objects.create(
            code="330106001000000",
            name="和平街道",
            level=Level.STREET,
            parent=district,
            boundary=rect(LON0, LAT0, width, STEP),
        )
        city = Unit.objects.create(kind="government", name="城管执法队", area=street)
        env = Category.objects.create(code=MARKER, name="市容环境", kind=CategoryKind.EVENT)
        fac = Category.objects.create(code="B02", name="设施管理", kind=CategoryKind.FACILITY)
        for parent in (env, fac):
            Deadline.objects.create(
                category=parent,
                priority=Priority.NORMAL,
                accept_minutes=60,
                dispatch_minutes=120,
                handle_minutes=24 * 60,
                verify_minutes=240,
            )
            for i in range(1, 6):
                Category.objects.create(
                    code=f"{parent.code}.{i:02d}",
                    name=f"{parent.name}{i}",
                    kind=parent.kind,
                    parent=parent,
                )
        Duty.objects.create(category=env, area=street, lead_unit=city)
        residents: list[User] = []
        for c in range(COMMUNITIES):
            lon, lat = grid_origin(c, 0)
            community = Area.objects.create(
                code=f"330106001{c + 1:03d}000",
                name=f"社区{c + 1}",
                level=Level.COMMUNITY,
                parent=street,
                boundary=rect(lon, lat, GRIDS_PER * STEP, STEP),
            )
            prop = Unit.objects.create(kind="property", name=f"物业{c + 1}", area=community)
            Duty.objects.create(category=fac, area=community, lead_unit=prop)
            for k, role in enumerate((Role.COMMUNITY_SECRETARY, Role.COMMUNITY_STAFF)):
                user = User.objects.create(
                    username=f"bench-manager-{c}-{k}", email=f"manager{c}{k}@example.cn"
                )
                RoleBinding.objects.create(user=user, area=community, role=role)
            for g in range(GRIDS_PER):
                glon, glat = grid_origin(c, g)
                grid = Area.objects.create(
                    code=f"330106001{c + 1:03d}{g + 1:03d}",
                    name=f"网格{c + 1}-{g + 1}",
                    level=Level.GRID,
                    parent=community,
                    boundary=square(glon, glat, STEP),
                )
                worker = User.objects.create(username=f"bench-worker-{c}-{g}")
                RoleBinding.objects.create(user=worker, area=grid, role=Role.GRID_WORKER)
                for r in range(RESIDENTS // (COMMUNITIES * GRIDS_PER)):
                    resident = User.objects.create(username=f"bench-resident-{c}-{g}-{r}")
                    RoleBinding.objects.create(user=resident, area=grid, role=Role.RESIDENT)
                    residents.append(resident)
        for user in User.objects.filter(username__startswith="bench-"):
            user.set_unusable_password()
            user.save(update_fields=["password"])
    print(f"seeded {len(residents)} residents in {time.perf_counter() - t0:.1f} s")


def reset_and_tokens() -> list[str]:
    """Empty the case and outbox tables; fresh tokens for the residents."""
    from django.db import connection

    from resigrid.accounts.models import AccessToken, SecurityEvent, User
    from resigrid.accounts.services import create_access_token
    from resigrid.cases.models import Case
    from resigrid.notify.models import Delivery, Message

    tables = [Case._meta.db_table, Message._meta.db_table, Delivery._meta.db_table]
    tables += [m._meta.db_table for m in _case_models()]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(sorted(set(tables)))} RESTART IDENTITY CASCADE")
    AccessToken.objects.filter(user__username__startswith="bench-").delete()
    SecurityEvent.objects.filter(user__username__startswith="bench-").delete()
    residents = User.objects.filter(username__startswith="bench-resident-").order_by("pk")
    tokens = [create_access_token(user=u, name="bench", days=30)[1] for u in residents]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return tokens


def _case_models() -> list[Any]:
    from resigrid.cases import models

    return [
        models.CaseLog,
        models.CasePhoto,
        models.CaseRequest,
        models.Whistle,
        models.IdempotentRequest,
        models.Case.support_units.through,
    ]


LEAVES = [f"B0{p}.{i:02d}" for p in (1, 2) for i in range(1, 6)]


def random_report(rng: random.Random) -> dict[str, Any]:
    c, g = rng.randrange(COMMUNITIES), rng.randrange(GRIDS_PER)
    lon, lat = grid_origin(c, g)
    return {
        "category": rng.choice(LEAVES),
        "title": "垃圾堆在路边",
        "description": "小区东门外垃圾三天没人清运，影响通行。",
        "lon": round(lon + rng.uniform(0.001, 0.009), 6),
        "lat": round(lat + rng.uniform(0.001, 0.009), 6),
        "address": "东门外",
    }


# The server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, workers: int, worker_class: str, threads: int
) -> subprocess.Popen[bytes]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    # Its own process group, so that a failed start leaves no worker behind.
    proc = subprocess.Popen(  # noqa: S603
        cmd, cwd=ROOT, env={**os.environ, **SERVER_ENV}, start_new_session=True
    )
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 120  # a busy shared machine imports Django slowly
    probe = f"http://127.0.0.1:{port}/api/cases/track/NOSUCHCODE"
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(probe, timeout=2)
        except urllib.error.HTTPError:
            return proc  # the 404 of a running server
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


# CPU accounting (Linux /proc): who used the machine during the window ----------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far, by group: app (gunicorn), postgres (backends of the bench
    database), load (this process), other (everything else, other databases included)."""
    out = {"app": 0.0, "postgres": 0.0, "load": 0.0, "other": 0.0}
    me = os.getpid()
    for path in Path("/proc").iterdir():
        entry = path.name
        if not entry.isdigit():
            continue
        try:
            raw = (path / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        ppid, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK
        pid = int(entry)
        if pid == me:
            out["load"] += used
        elif pid == server_pid or ppid == server_pid:
            out["app"] += used
        elif comm.startswith("postgres") and _ours(path):
            out["postgres"] += used
        else:
            out["other"] += used
    return out


def _ours(path: Path) -> bool:
    """A PostgreSQL backend serving the bench database (its title names the database)."""
    try:
        title = (path / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return f" {BENCH_URL.rpartition('/')[2]} " in title


def machine_busy() -> float:
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts) - idle) / TICK


# The load -------------------------------------------------------------------------------------


class Http11:
    """A lean HTTP/1.1 keep-alive client on one loopback socket: writes a request, reads the
    status line, the headers and the body (Content-Length or chunked), reconnects when the
    server closes. The load generator's own CPU stays small next to the server's (httpx cost
    ≈ 2–3 ms per request here)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.reader, self.writer
        assert reader is not None  # noqa: S101
        writer.write(head + body)
        line = await reader.readline()
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ConnectionError(f"bad status line {line!r}")
        status = int(parts[1])
        length, chunked, close = None, False, parts[0] == b"HTTP/1.0"
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _sep, value = header.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"connection":
                close = value == b"close"
        if chunked:
            content = bytearray()
            while size := int((await reader.readline()).split(b";")[0], 16):
                content += await reader.readexactly(size)
                await reader.readexactly(2)
            while await reader.readline() not in (b"\r\n", b""):  # trailers
                pass
            data = bytes(content)
        elif length is not None:
            data = await reader.readexactly(length)
        else:  # the body runs to the end of the connection
            data, close = await reader.read(), True
        if close:
            await self.close()
        return status, data


def post_head(port: int, path: str, token: str, key: str | None, length: int) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if key is not None:
        lines.append(f"Idempotency-Key: {key}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def load(
    port: int,
    tokens: list[str],
    clients: int,
    warmup: float,
    seconds: float,
    keys: bool,
    server_pid: int,
    floor: str = "",
) -> tuple[list[float], dict[int, int], int, dict[str, float]]:
    """Reports from `clients` phones; with `floor` (a tracking code), a cheap read instead:
    following that case (no auth, four small queries) as the framework's floor."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start = time.perf_counter() + warmup
    stop = start + seconds
    floor_head = f"GET /api/cases/track/{floor} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"

    async def phone(i: int) -> None:
        nonlocal errors
        rng = random.Random(i)
        token = tokens[i % len(tokens)]
        client = Http11(port)
        try:
            while True:
                body = json.dumps(random_report(rng), ensure_ascii=False).encode()
                key = str(uuid.uuid4()) if keys else None
                t0 = time.perf_counter()
                if t0 >= stop:
                    return
                try:
                    if floor:
                        status, _data = await client.request(floor_head.encode())
                    else:
                        head = post_head(port, "/api/cases/reports", token, key, len(body))
                        status, _data = await client.request(head, body)
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    status = -1
                    await client.close()
                t1 = time.perf_counter()
                if start <= t0 and t1 <= stop:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == (200 if floor else 201):
                        latencies.append(t1 - t0)
                    else:
                        errors += 1
        finally:
            await client.close()

    cpu: dict[str, float] = {}

    async def sample() -> None:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        before, busy = cpu_by_group(server_pid), machine_busy()
        await asyncio.sleep(max(0.0, stop - time.perf_counter()))
        after = cpu_by_group(server_pid)
        cpu.update({k: after[k] - before[k] for k in ("app", "postgres", "load")})
        cpu["machine"] = machine_busy() - busy
        # Processes that ended inside the window drop out of a sum over /proc: count the rest of
        # the machine's busy time as `other` instead.
        cpu["other"] = cpu["machine"] - cpu["app"] - cpu["postgres"] - cpu["load"]

    await asyncio.gather(sample(), *(phone(i) for i in range(clients)))
    return latencies, statuses, errors, cpu


# The anchor ----------------------------------------------------------------------------------


def anchor_rows(n: int, seed_: int) -> list[tuple[Any, ...]]:
    from resigrid.areas.models import Area
    from resigrid.registers.models import Category

    grids = dict(Area.objects.grids().values_list("code", "pk"))
    categories = dict(Category.objects.filter(code__in=LEAVES).values_list("code", "pk"))
    rng = random.Random(seed_)
    rows = []
    for _ in range(n):
        body = random_report(rng)
        c = int((body["lon"] - LON0) // STEP)
        code = f"330106001{c // GRIDS_PER + 1:03d}{c % GRIDS_PER + 1:03d}"
        rows.append((categories[body["category"]], grids[code], body["lon"], body["lat"]))
    return rows


INSERT = """
INSERT INTO cases_case (source, category_id, priority, title, description, address, lon, lat,
    grid_id, reporter_id, contact_name, contact_phone_enc, contact_email, tracking_code,
    external_id, state, rejection_reason, result, rating, rating_comment, stage, stage_due,
    handle_due, escalation_level, was_suspended, was_postponed, rework_count, return_count,
    reopen_count, reported_at, updated_at)
VALUES ('resident', %s, 'normal', '垃圾堆在路边', '小区东门外垃圾三天没人清运，影响通行。',
    '东门外', %s, %s, %s, NULL, '', '', '', %s, '', 'reported', '', '', '', '', 'accept',
    %s, NULL, 0, false, false, 0, 0, 0, %s, %s)
"""


def anchor_loop(rows: list[tuple[Any, ...]], seconds: float, out: list[float]) -> None:
    url = BENCH_URL
    with psycopg.connect(url) as conn:
        deadline = time.perf_counter() + seconds
        for category, grid, lon, lat in rows:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            now = dt.datetime.now(dt.UTC)
            conn.execute(
                INSERT,
                (
                    category,
                    lon,
                    lat,
                    grid,
                    secrets.token_hex(6).upper(),
                    now + dt.timedelta(hours=1),
                    now,
                    now,
                ),
            )
            conn.commit()
            out.append(time.perf_counter() - t0)


def anchor(connections: int, seconds: float) -> tuple[float, list[float]]:
    rows = anchor_rows(200_000, 7)
    per = [rows[i::connections] for i in range(connections)]
    latencies: list[list[float]] = [[] for _ in range(connections)]
    threads = [
        threading.Thread(target=anchor_loop, args=(per[i], seconds, latencies[i]))
        for i in range(connections)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = [x for part in latencies for x in part]
    return len(flat) / wall, flat


# Profile ------------------------------------------------------------------------------------


def profile(n: int, tokens: list[str]) -> None:
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(99)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    post = client.post
    for _ in range(20):  # warm: URL resolver, grid index, translations
        post("/api/cases/reports", random_report(rng), content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        post(
            "/api/cases/reports",
            random_report(rng),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    print(f"\nqueries per report (with an Idempotency-Key): {len(queries)}")
    for q in queries.captured_queries:
        print(f"  {q['time']}s  {q['sql'][:150]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    c0, b0, t0 = time.process_time(), backend_cpu(), time.perf_counter()
    for _ in range(n):
        post(
            "/api/cases/reports",
            random_report(rng),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    c1, b1, t1 = time.process_time(), backend_cpu(), time.perf_counter()
    print(
        f"\nin-process, not profiled: {(t1 - t0) / n * 1000:.2f} ms wall, "
        f"{(c1 - c0) / n * 1000:.2f} ms app CPU, {(b1 - b0) / n * 1000:.2f} ms PostgreSQL "
        "backend CPU per report"
    )
    profiler = cProfile.Profile(time.process_time)
    t0 = time.perf_counter()
    profiler.enable()
    for _ in range(n):
        post(
            "/api/cases/reports",
            random_report(rng),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    profiler.disable()
    wall = time.perf_counter() - t0
    print(f"\nprofiled (CPU time): {n} reports in {wall:.2f} s wall")
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    whole = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    print(
        f"\nprofiled CPU per report {whole / n * 1000:.1f} ms (tottime sum {total:.1f} s); share:"
    )
    parts = [
        ("accounts/tokens.py", "user_for_token", "Bearer token lookup + last_used_at update"),
        ("cases/idempotency.py", "once", "  Idempotency-Key row + everything inside it"),
        ("cases/intake.py", "report_case", "    intake.report_case (whole)"),
        ("areas/locator.py", "locate_point", "      locator.locate_point"),
        ("registers/snapshot.py", "current", "      routing snapshot (check, rebuild)"),
        ("cases/feedback.py", "on_reported", "      feedback.on_reported (fan-out)"),
        ("cases/recipients.py", "managers", "        recipients.managers"),
        ("notify/services.py", "enqueue", "        notify.enqueue"),
        ("cases/api.py", "_reported", "    the answer: route, duplicates, body"),
        ("registers/snapshot.py", "route", "      route from the snapshot"),
        ("cases/api.py", "_near", "      duplicates nearby"),
        ("ninja/operation.py", "run", "Ninja operation (parse, view, serialise)"),
        ("django/test/client.py", "request", "whole request incl. middleware"),
    ]
    for suffix, func, label in parts:
        cum = sum(
            v[3]
            for (file, _line, name), v in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and file.endswith(suffix)
        )
        print(f"  {label:48s} {cum / n * 1000:7.2f} ms  {cum / whole * 100:5.1f}%")
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(30)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--anchor-seconds", type=float, default=5.0)
    parser.add_argument("--floor-seconds", type=float, default=5.0)
    parser.add_argument("--no-key", action="store_true", help="send no Idempotency-Key")
    parser.add_argument("--profile", type=int, default=0, help="also profile N reports")
    args = parser.parse_args()

    ensure_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed()
    tokens = reset_and_tokens()
    if args.profile:
        profile(args.profile, tokens)
        if args.seconds <= 0:
            return 0
        tokens = reset_and_tokens()

    port = free_port()
    server = start_server(port, args.workers, args.worker_class, args.threads)
    try:
        latencies, statuses, errors, cpu = asyncio.run(
            load(
                port,
                tokens,
                args.clients,
                args.warmup,
                args.seconds,
                not args.no_key,
                server.pid,
            )
        )
        from resigrid.cases.models import Case

        code = Case.objects.order_by("pk").values_list("tracking_code", flat=True).first() or "X"
        floor_lat, _st, _err, floor_cpu = asyncio.run(
            load(port, tokens, args.clients, 1.0, args.floor_seconds, False, server.pid, code)
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    from resigrid.cases.models import CaseLog
    from resigrid.notify.models import Delivery

    made, logged, deliveries = (
        Case.objects.count(),
        CaseLog.objects.count(),
        Delivery.objects.count(),
    )
    rps = len(latencies) / args.seconds
    p50, p99 = pct(latencies, 0.50), pct(latencies, 0.99)

    one_rps, one_lat = anchor(1, args.anchor_seconds)
    many_rps, many_lat = anchor(args.clients, args.anchor_seconds)

    cpus = os.cpu_count()
    print(
        f"\ncase intake over HTTP: gunicorn {args.workers} × {args.worker_class}"
        f"{f' ({args.threads} threads)' if args.worker_class == 'gthread' else ''}, "
        f"{args.clients} keep-alive clients"
        f"{' (sync workers close each connection)' if args.worker_class == 'sync' else ''}, "
        f"{args.seconds:.0f} s, {cpus} CPUs, PostgreSQL"
    )
    print(
        f"  reports/s {rps:8.1f}   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   max "
        f"{pct(latencies, 1.0):6.1f} ms   (goal ≥ {GOAL_RPS:.0f}/s, p99 < {GOAL_P99_MS:.0f} ms)"
    )
    print(f"  answers in the window: {dict(sorted(statuses.items()))}, not 201: {errors}")
    print(
        f"  rows written over the whole run: {made} cases, {logged} log rows, "
        f"{deliveries} deliveries"
    )
    n = max(1, len(latencies))
    print(
        "  CPU per report (ms): "
        + ", ".join(f"{k} {v / n * 1000:.1f}" for k, v in cpu.items())
        + f"; machine busy {cpu.get('machine', 0) / args.seconds / (cpus or 1) * 100:.0f}%"
    )
    floor_rps = len(floor_lat) / args.floor_seconds
    print(
        f"floor, same server and clients: GET /api/cases/track/<code> (no auth, 4 small "
        f"queries): {floor_rps:.1f} req/s, p50 {pct(floor_lat, 0.5):.1f} ms, p99 "
        f"{pct(floor_lat, 0.99):.1f} ms, app CPU "
        f"{floor_cpu.get('app', 0) / max(1, len(floor_lat)) * 1000:.1f} ms/request"
    )
    print("anchor: raw psycopg INSERT + COMMIT of the same case rows into cases_case")
    print(
        f"  1 connection:  {one_rps:8.1f} rows/s   p50 {pct(one_lat, 0.5):6.2f} ms   "
        f"p99 {pct(one_lat, 0.99):6.2f} ms"
    )
    print(
        f"  {args.clients} connections: {many_rps:8.1f} rows/s   "
        f"p50 {pct(many_lat, 0.5):6.2f} ms   p99 {pct(many_lat, 0.99):6.2f} ms"
    )
    print(f"  API / anchor (1 connection): {rps / one_rps:.2f}×")
    ok = rps >= GOAL_RPS and p99 < GOAL_P99_MS and errors == 0
    print("GOAL MET" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
