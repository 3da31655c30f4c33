"""Benchmark: acknowledgements of a street alert through HTTP on PostgreSQL (issue 5).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/resigrid_bench_alerts \\
        .venv/bin/python bench/bench_alert_acks.py [--clients 16] [--seconds 15] [--workers 2]

The street of bench/alerts_world.py (seeded once by either alert benchmark; same sizes as
bench_alert_fanout.py by default). A red warning for the whole street is published afresh, then
gunicorn (config.wsgi, DEBUG off, `--workers 2` sync workers) on 127.0.0.1 takes, from
`--clients` concurrent keep-alive clients (httpx, asyncio):

  1. signed links: `POST /api/alerts/ack {"token": …}` (no login), one recipient each, as the
     link in an SMS or email does it;
  2. in the app: `POST /api/alerts/<id>/acknowledge` with each resident account's Bearer token.

Each phase runs `--seconds` after a 2 s warm-up; only first acknowledgements are counted (each
token or account is used once). Anchor, same run: raw psycopg `UPDATE alerts_recipient SET
acknowledged_at = now(), … WHERE id = %s` + COMMIT, one row at a time, the same rows (reset
first), from the same number of concurrent connections (threads).
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


def load_average() -> str:
    with open("/proc/loadavg") as f:  # noqa: PTH123
        return " ".join(f.read().split()[:3])


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
    requests: list[tuple[str, dict[str, Any] | None, dict[str, str]]],
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
    args = parser.parse_args()

    setup()
    from resigrid.accounts.models import AccessToken, User
    from resigrid.accounts.tokens import hash_token, new_raw_token, token_prefix
    from resigrid.alerts import acks, services
    from resigrid.alerts.models import Recipient

    seed(residents=args.residents, phones=args.phones, accounts=args.accounts)
    empty_alerts()
    alert = draft_street_alert()
    services.publish(actor=User.objects.get(username="ba-street-0"), alert_id=alert.pk)
    # Signed links: residents without an account, in recipient order.
    people = list(
        Recipient.objects.filter(alert=alert, person__isnull=False).order_by("pk")[:50_000]
    )
    links = [("/api/alerts/ack", {"token": acks.token_for(r)}, {}) for r in people]
    # In the app: each resident account's own Bearer token.
    residents = list(User.objects.filter(username__startswith="ba-res-").order_by("pk"))
    AccessToken.objects.filter(user__in=residents).delete()
    raws = [new_raw_token() for _ in residents]
    AccessToken.objects.bulk_create(
        AccessToken(user=u, name="bench", prefix=token_prefix(raw), token_hash=hash_token(raw))
        for u, raw in zip(residents, raws, strict=True)
    )
    in_app = [
        (f"/api/alerts/{alert.pk}/acknowledge", None, {"Authorization": f"Bearer {raw}"})
        for raw in raws
    ]
    from django.db import connection

    connection.close()
    port = free_port()
    load_before = load_average()
    server = start_server(port, args.workers)
    try:
        link_n, link_status, link_lat = asyncio.run(
            load(port, links, args.clients, 2.0, args.seconds)
        )
        app_n, app_status, app_lat = asyncio.run(
            load(port, in_app, args.clients, 2.0, min(args.seconds, 10.0))
        )
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
        c: Recipient.objects.filter(alert=alert, ack_channel=c).count() for c in ("link", "app")
    }
    # Anchor on the same rows, reset.
    ids = [r.pk for r in people]
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
    print(f"  anchor: raw UPDATE + COMMIT per row, {args.clients} connections: {raw_rate:8,.0f}/s")
    print(f"  recorded: {len(acknowledged):,} acknowledged ({by_channel})")
    return 0 if link_rate >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
