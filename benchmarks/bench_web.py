"""Load on the public site under its production server, from a second process on loopback.

Starts ``outreach-map serve`` (waitress) on the embedded data in a private
instance folder, then drives, one after another for ``--seconds`` each: a
baseline (the static "about" page, the server's floor), the public search,
a village page, the Open Referral ``/services`` list and
``/service_at_locations?postcode=``. A separate process with ``--clients``
threads on keep-alive connections makes the requests (bounded by count and
time) and reports throughput, p50/p95/p99 latency and errors per endpoint,
with throughput as a ratio of the baseline's.

    python benchmarks/bench_web.py [--seconds 30] [--clients 8]

Last line: ``web: R req/s, p95 P ms, E errors`` for the search.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _villages(limit: int) -> list[tuple[str, str]]:
    with (DATA / "villages" / "villages.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["district"] in ("Daventry", "South Northamptonshire")]
    rows.sort(key=lambda r: -int(r["population"]))
    return [(r["id"], r["name"]) for r in rows[:limit]]


def _postcodes(limit: int) -> list[str]:
    with (DATA / "postcodes" / "postcodes.csv").open(encoding="utf-8") as handle:
        codes = [r["postcode"] for r in csv.DictReader(handle) if r["postcode"].startswith(("NN11", "NN12", "NN13"))]
    return codes[:: max(1, len(codes) // limit)][:limit]


def _worker(port: int, paths: Sequence[str], seconds: float, max_requests: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """One thread: requests on a keep-alive connection until the time or the count runs out."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    i = 0
    while time.perf_counter() < deadline and i < max_requests:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - start)
    connection.close()
    out.put((latencies, errors))


def _drive(
    port: int, paths: Sequence[str], seconds: float, clients: int, max_requests: int, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    """The load process: ``clients`` threads; sends back every latency and the error count."""
    inner: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    per = max_requests // clients
    threads = [threading.Thread(target=_worker, args=(port, paths, seconds, per, inner)) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies: list[float] = []
    errors = 0
    for _ in threads:
        lat, err = inner.get()
        latencies += lat
        errors += err
    out.put((latencies, errors, elapsed))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(port: int, name: str, paths: Sequence[str], seconds: float, clients: int) -> dict[str, float]:
    """Drive one endpoint from a second process; throughput and latency percentiles in milliseconds."""
    out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    process = multiprocessing.Process(target=_drive, args=(port, paths, seconds, clients, 1_000_000, out))
    process.start()
    latencies, errors, elapsed = out.get(timeout=seconds + 120)
    process.join()
    done = len(latencies)
    return {
        "name": name, "requests": done, "rate": done / elapsed, "errors": errors,  # type: ignore[dict-item]
        "p50": 1000 * _percentile(latencies, 0.50), "p95": 1000 * _percentile(latencies, 0.95),
        "p99": 1000 * _percentile(latencies, 0.99),
    }  # fmt: skip


def _wait(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            msg = "the site stopped while starting"
            raise SystemExit(msg)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/about")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    msg = "the site did not start in time"
    raise SystemExit(msg)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of load per endpoint (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    args = parser.parse_args(argv)
    port = _free_port()
    villages = _villages(40)
    endpoints = [
        ("baseline /about", ["/about"]),
        ("search", [f"/search?q={quote(name)}" for _, name in villages]),
        ("village page", [f"/village/{vid}" for vid, _ in villages]),
        ("ORUK /services", [f"/api/openreferral/services?page={p}&per_page=50" for p in range(1, 10)]),
        ("ORUK /service_at_locations?postcode=",
         [f"/api/openreferral/service_at_locations?postcode={quote(pc)}" for pc in _postcodes(40)]),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as instance:
        env = os.environ | {"OUTREACH_INSTANCE_DIR": instance, "OUTREACH_TILES": "none",
                            "OUTREACH_CACHE_DIR": str(Path(instance) / "cache")}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "outreach_map", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait(port, server)
            for _, paths in endpoints:  # warm: every path once
                for path in paths:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    connection.request("GET", path)
                    connection.getresponse().read()
            results = [measure(port, name, paths, args.seconds, args.clients) for name, paths in endpoints]
        finally:
            server.terminate()
            server.wait(timeout=30)
    base = results[0]["rate"]
    print(f"{'endpoint':40} {'req/s':>8} {'x base':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r['name']:40} {r['rate']:8.1f} {r['rate'] / base:7.2f} {r['p50']:8.1f} {r['p95']:8.1f} "
              f"{r['p99']:8.1f} {int(r['errors']):7d}")  # fmt: skip
    search = results[1]
    print(f"web: {search['rate']:.0f} req/s, p95 {search['p95']:.0f} ms, {int(search['errors'])} errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
