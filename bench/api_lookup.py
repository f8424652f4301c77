"""Bench row for the bulk certificate lookup (performance.md; issue 22 acceptance 3):
`POST /api/v1/public/certificates/lookup/` with 500 numbers, p95 ≤ 200 ms on the medium data
set. Meant to be called from bench/run.py while its gunicorn is up, e.g.::

    numbers = lookup_numbers(env)          # 500 certificate numbers of the seeded data
    results.append(bulk_lookup_row(port, numbers))

The server needs API_THROTTLE_PUBLIC_LOOKUP raised (e.g. "100000/min") in its environment,
or the throttle answers 429 after 30 requests.
"""

import http.client
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 200

_NUMBERS = (
    "from certification.models import Certificate; import json; "
    "print(json.dumps(list(Certificate.objects.order_by('?')"
    ".values_list('number', flat=True)[:500])))"
)


def lookup_numbers(env: dict) -> list[str]:
    """500 certificate numbers of the database `env` points at (random ones, so the rows are
    spread over the table; fewer when there are fewer certificates)."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", _NUMBERS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bulk_lookup_row(port: int, numbers: list[str], n: int = 100, warmup: int = 10) -> dict:
    """p95 latency (ms) of a bulk lookup of `numbers` over loopback, as a result row."""
    body = json.dumps({"numbers": numbers}).encode()
    headers = {"Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    for i in range(n + warmup):
        started = time.perf_counter()
        conn.request("POST", "/api/v1/public/certificates/lookup/", body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise SystemExit(f"bulk lookup answered {response.status}: {payload[:200]!r}")
        if i >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(samples, n=100)[94]
    return {
        "name": f"bulk_lookup_{len(numbers)}_p95",
        "value": round(p95, 1),
        "unit": "ms",
        "target": TARGET_MS,
        "ok": p95 <= TARGET_MS and len(numbers) == 500,
    }
