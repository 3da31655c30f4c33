"""Benchmark: acknowledgements of a street alert through HTTP on PostgreSQL (issue 5).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_alerts \\
        .venv/bin/python bench/bench_alert_acks.py [--clients 16] [--seconds 15] [--workers 2] \\
        [--batch 1000] [--batches 40] [--batch-clients 4]

The street of bench/alerts_world.py (seeded once by either alert benchmark; same sizes as
bench_alert_fanout.py by default). A red warning for the whole street is published afresh, then
gunicorn (config.wsgi, DEBUG off, `--workers 2` sync workers) on 127.0.0.1 takes, from
`--clients` concurrent keep-alive clients (httpx, asyncio):

  1. signed links: `POST /api/alerts/ack {"token": …}` (no login), one recipient each, as the
     link in an SMS or email does it;
  2. in the app: `POST /api/alerts/<id>/acknowledge` with each resident account's Bearer token.

  3. in batches: `POST /api/alerts/acks {"tokens": [… --batch …], "channel": "sms"}` with a
     gateway account's Bearer token (admin on the district: Perm.ACK_GATEWAY), `--batches`
     batches of fresh tokens from `--batch-clients` clients, as an SMS gateway forwarding
     residents' replies or the app syncing its offline queue does it.

Phases 1–2 run `--seconds` after a 2 s warm-up; phase 3 sends every batch (the first
`--batch-clients` batches are the warm-up) and divides the acknowledgements by the wall time.
CPU of the gunicorn workers (utime + stime from /proc) is measured per phase and divided by the
acknowledgements, a figure that does not depend on how busy the shared machine is. Only first
acknowledgements are counted (each token or account is used once). Anchor, same run: raw
psycopg `UPDATE alerts_recipient SET acknowledged_at = now(), … WHERE id = %s` + COMMIT, one row
at a time, the same rows (reset first), from the same number of concurrent connections (threads).
Goal (issue 5): 1,000 acknowledgements/s. Exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import psycopg
from alerts_world import BENCH_URL, ENV, ROOT, draft_street_alert, empty_alerts, seed, setup

GOAL = 1000.0
Request = tuple[str, dict[str, Any] | None, dict[str, str]]  # path, JSON body, headers


def load_average() -> str:
    with open("/proc/loadavg") as f:  # noqa: PTH123
        return " ".join(f.read().split()[:3])


def worker_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):  # noqa: PTH208
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:  # noqa: PTH123
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == master or int(fields[1]) == master:  # fields[1]: the parent id
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def load_batches(
    port: int, batches: list[list[str]], headers: dict[str, str], clients: int
) -> tuple[int, float, list[float], dict[str, int]]:
    """Post every batch; the first `clients` batches warm up. Acknowledgements counted from the
    answers; wall time from the end of the warm-up to the last answer."""
    import httpx

    warm, rest = batches[:clients], list(reversed(batches[clients:]))
    latencies: list[float] = []
    counts: dict[str, int] = {}

    async def post(http: httpx.AsyncClient, tokens: list[str]) -> dict[str, Any]:
        response = await http.post(
            "/api/alerts/acks", json={"tokens": tokens, "channel": "sms"}, headers=headers
        )
        if response.status_code != 200:
            raise SystemExit(f"batch answered {response.status_code}: {response.text[:300]}")
        return dict(response.json())

    async def client(first: list[str] | None) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            if first is not None:
                await post(http, first)
            await barrier.wait()
            while rest:
                tokens = rest.pop()
                t0 = time.perf_counter()
                data = await post(http, tokens)
                latencies.append(time.perf_counter() - t0)
                for k in ("acknowledged", "already", "invalid", "expired", "closed"):
                    counts[k] = counts.get(k, 0) + int(data[k])

    barrier = asyncio.Barrier(clients + 1)
    tasks = [
        asyncio.create_task(client(warm[i] if i < len(warm) else None)) for i in range(clients)
    ]
    await barrier.wait()
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    return counts.get("acknowledged", 0), time.perf_counter() - started, latencies, counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
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
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **ENV})  # noqa: S603
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = httpx.post(
                f"http://127.0.0.1:{port}/api/alerts/ack", json={"token": "1.1.x"}, timeout=5
            )
            if probe.status_code == 422:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


async def load(
    port: int,
    requests: list[Request],
    clients: int,
    warmup: float,
    seconds: float,
) -> tuple[int, dict[int, int], list[float]]:
    """Send the requests (path, JSON body, headers) from `clients` clients, each request once;
    count the 200s that start and end inside the measured window."""
    import httpx

    queue = list(reversed(requests))
    done = 0
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    samples: dict[int, str] = {}
    begin = time.perf_counter() + warmup
    stop = begin + seconds

    async def client() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            while queue:
                path, body, headers = queue.pop()
                t0 = time.perf_counter()
                if t0 >= stop:
                    return
                response = await http.post(path, json=body, headers=headers)
                t1 = time.perf_counter()
                if response.status_code != 200 and response.status_code not in samples:
                    samples[response.status_code] = response.text[:300]
                if begin <= t0 and t1 <= stop:
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code == 200:
                        done += 1
                        latencies.append(t1 - t0)

    await asyncio.gather(*(client() for _ in range(clients)))
    for status, text in samples.items():
        print(f"  (a {status} answer: {text})")
    return done, statuses, latencies


def anchor(ids: list[int], clients: int, seconds: float) -> float:
    """Raw UPDATE + COMMIT per row from `clients` threads, each its own connection."""
    share = [ids[i::clients] for i in range(clients)]
    counts = [0] * clients
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(clients + 1)

    def work(i: int) -> None:
        with psycopg.connect(BENCH_URL) as conn:
            barrier.wait()
            for pk in share[i]:
                if time.perf_counter() >= stop:
                    break
                conn.execute(
                    "UPDATE alerts_recipient SET acknowledged_at = now(), ack_channel = 'link',"
                    " read_at = COALESCE(read_at, now()) WHERE id = %s AND acknowledged_at IS NULL",
                    (pk,),
                )
                conn.commit()
                counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-clients", type=int, default=4)
    args = parser.parse_args()

    setup()
    from resigrid.accounts.models import AccessToken, RoleBinding, User
    from resigrid.accounts.roles import Role
    from resigrid.accounts.tokens import hash_token, new_raw_token, token_prefix
    from resigrid.alerts import acks, services
    from resigrid.alerts.models import Recipient
    from resigrid.areas.models import Area

    seed(residents=args.residents, phones=args.phones, accounts=args.accounts)
    empty_alerts()
    alert = draft_street_alert()
    services.publish(actor=User.objects.get(username="ba-street-0"), alert_id=alert.pk)
    # Signed links: residents without an account, in recipient order.
    in_batches = args.batch * (args.batches + args.batch_clients)
    everyone = list(
        Recipient.objects.filter(alert=alert, person__isnull=False).order_by("pk")[
            : 50_000 + in_batches
        ]
    )
    if len(everyone) < 10_000 + in_batches:
        raise SystemExit(f"too few resident recipients ({len(everyone):,}) for the batches")
    # The single links take the first rows, the batches the last: never the same recipient.
    people, batched = everyone[: len(everyone) - in_batches], everyone[-in_batches:]
    links: list[Request] = [("/api/alerts/ack", {"token": acks.token_for(r)}, {}) for r in people]
    tokens = [acks.token_for(r) for r in batched]
    batches = [tokens[i : i + args.batch] for i in range(0, len(tokens), args.batch)]
    gateway, _ = User.objects.get_or_create(
        username="ba-gateway", defaults={"full_name": "短信网关", "password": "!"}
    )
    RoleBinding.objects.get_or_create(
        user=gateway, area=Area.objects.get(parent__isnull=True), role=Role.ADMIN
    )
    AccessToken.objects.filter(user=gateway).delete()
    gateway_raw = new_raw_token()
    AccessToken.objects.create(
        user=gateway,
        name="bench",
        prefix=token_prefix(gateway_raw),
        token_hash=hash_token(gateway_raw),
    )
    # In the app: each resident account's own Bearer token.
    residents = list(User.objects.filter(username__startswith="ba-res-").order_by("pk"))
    AccessToken.objects.filter(user__in=residents).delete()
    raws = [new_raw_token() for _ in residents]
    AccessToken.objects.bulk_create(
        AccessToken(user=u, name="bench", prefix=token_prefix(raw), token_hash=hash_token(raw))
        for u, raw in zip(residents, raws, strict=True)
    )
    in_app: list[Request] = [
        (f"/api/alerts/{alert.pk}/acknowledge", None, {"Authorization": f"Bearer {raw}"})
        for raw in raws
    ]
    from django.db import connection

    connection.close()
    port = free_port()
    load_before = load_average()
    server = start_server(port, args.workers)
    try:
        cpu0 = worker_cpu(server.pid)
        link_n, link_status, link_lat = asyncio.run(
            load(port, links, args.clients, 2.0, args.seconds)
        )
        cpu1 = worker_cpu(server.pid)
        app_n, app_status, app_lat = asyncio.run(
            load(port, in_app, args.clients, 2.0, min(args.seconds, 10.0))
        )
        cpu2 = worker_cpu(server.pid)
        batch_n, batch_wall, batch_lat, batch_counts = asyncio.run(
            load_batches(
                port, batches, {"Authorization": f"Bearer {gateway_raw}"}, args.batch_clients
            )
        )
        cpu3 = worker_cpu(server.pid)
        load_batches_done = load_average()
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = load_average()
    acknowledged = list(
        Recipient.objects.filter(alert=alert, acknowledged_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    by_channel = {
        c: Recipient.objects.filter(alert=alert, ack_channel=c).count()
        for c in ("link", "app", "sms")
    }
    # Anchor on the same rows, reset.
    ids = [r.pk for r in people]
    link_all = Recipient.objects.filter(pk__in=ids, ack_channel="link").count()
    Recipient.objects.filter(pk__in=ids).update(acknowledged_at=None, ack_channel="", read_at=None)
    connection.close()
    raw_rate = anchor(ids, args.clients, args.seconds)
    link_rate = link_n / args.seconds
    app_rate = app_n / min(args.seconds, 10.0)
    print(
        f"acknowledgements over HTTP on PostgreSQL: gunicorn {args.workers} workers, "
        f"{args.clients} clients; load average {load_before} → {load_after}"
    )
    print(
        f"  signed link  {link_rate:8,.0f} acks/s   p50 {pct(link_lat, 0.5) * 1000:5.1f} ms  "
        f"p95 {pct(link_lat, 0.95) * 1000:5.1f} ms   statuses {link_status}   goal ≥ {GOAL:,.0f}/s"
    )
    print(
        f"  in the app   {app_rate:8,.0f} acks/s   p50 {pct(app_lat, 0.5) * 1000:5.1f} ms  "
        f"p95 {pct(app_lat, 0.95) * 1000:5.1f} ms   statuses {app_status}"
        f" ({len(in_app):,} accounts)"
    )
    batch_rate = batch_n / batch_wall if batch_wall else 0.0
    print(
        f"  in batches   {batch_rate:8,.0f} acks/s   batch of {args.batch:,}: "
        f"p50 {pct(batch_lat, 0.5) * 1000:6.1f} ms  p99 {pct(batch_lat, 0.99) * 1000:6.1f} ms   "
        f"{len(batch_lat)} batches from {args.batch_clients} clients, outcomes {batch_counts}; "
        f"load average after {load_batches_done}"
    )
    print(
        "  gunicorn CPU per acknowledgement: "
        f"signed link {(cpu1 - cpu0) / max(link_all, 1) * 1000:.2f} ms, "
        f"in the app {(cpu2 - cpu1) / max(by_channel['app'], 1) * 1000:.2f} ms, "
        f"in batches {(cpu3 - cpu2) / max(by_channel['sms'], 1) * 1000:.3f} ms"
    )
    print(f"  anchor: raw UPDATE + COMMIT per row, {args.clients} connections: {raw_rate:8,.0f}/s")
    print(f"  recorded: {len(acknowledged):,} acknowledged ({by_channel})")
    return 0 if max(link_rate, batch_rate) >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
