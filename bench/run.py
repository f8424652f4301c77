"""Benchmarks (../shared/spec/performance.md): prints a table, writes bench/results.json.

Starts gunicorn (2 workers) with the production settings on a free local port and loads it
from this process over loopback. Throughput is reported beside the `/healthz` ceiling of the
same run; latencies as p50/p95 over warmed requests.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def throughput(port: int, path: str, seconds: float = 5, clients: int = 4) -> float:
    count = [0] * clients
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            count[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / (time.monotonic() - started)


def latencies(port: int, path: str, n: int = 300, warmup: int = 30) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples = []
    for i in range(n + warmup):
        t0 = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        if i >= warmup:
            samples.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(samples, n=100)
    return q[49], q[94]


def main() -> None:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-4f1e8a2b9c7d3e5f6a0b1c2d3e4f5a6b7c8d9e0f1a2b3c",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port)
        ceiling = throughput(port, "/healthz")
        login_rps = throughput(port, "/accounts/login/")
        p50, p95 = latencies(port, "/accounts/login/")
    finally:
        server.terminate()
        server.wait(timeout=20)
    results = [
        {
            "name": "healthz_ceiling",
            "value": round(ceiling, 1),
            "unit": "req/s",
            "target": None,
            "ok": True,
        },
        {
            "name": "login_page_share_of_ceiling",
            "value": round(100 * login_rps / ceiling, 1),
            "unit": "%",
            "target": None,
            "ok": True,
        },
        {
            "name": "login_page_p50",
            "value": round(p50, 1),
            "unit": "ms",
            "target": None,
            "ok": True,
        },
        {
            "name": "login_page_p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": 150,
            "ok": p95 <= 150,
        },
    ]
    from sign_certificate import signing_row

    results.append(signing_row())
    RESULTS.write_text(json.dumps(results, indent=2))
    lines = [f"{'metric':36} {'value':>10} {'unit':6} {'target':>8} ok"]
    for r in results:
        target = "" if r["target"] is None else r["target"]
        ok = "yes" if r["ok"] else "NO"
        lines.append(f"{r['name']:36} {r['value']:>10} {r['unit']:6} {target!s:>8} {ok}")
    sys.stdout.write("\n".join(lines) + "\n")
    if not all(r["ok"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
