"""A small HTTP load generator (standard library only): keep-alive connections over loopback,
closed-loop throughput, paced (open-loop) load and latency percentiles.

Bounded: every loop stops after a fixed time or count. Only 127.0.0.1 is ever addressed.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class Session:
    """A browser-like client: cookies of one signed-in user (or none)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=30)

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def request(self, conn, method: str, path: str, body: bytes | None = None, headers=None):
        conn.request(method, path, body=body, headers=self.headers(headers))
        response = conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response, content

    def get(self, path: str, headers=None):
        conn = self.connection()
        try:
            return self.request(conn, "GET", path, headers=headers)
        finally:
            conn.close()

    def post_form(self, path: str, data: dict | list, headers=None):
        body = urllib.parse.urlencode(data).encode()
        extra = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
            "Referer": f"http://{HOST}:{self.port}{path}",
        }
        extra.update(headers or {})
        conn = self.connection()
        try:
            return self.request(conn, "POST", path, body=body, headers=extra)
        finally:
            conn.close()

    def login(self, username: str, password: str) -> Session:
        response, content = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if token is None:
            raise SystemExit("login page without a CSRF token")
        response, _ = self.post_form(
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token.group(1).decode(),
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"could not sign in as {username} ({response.status})")
        return self


def percentile(samples: list[float], p: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]


def latencies(
    session: Session,
    path: str,
    *,
    n: int,
    warmup: int,
    method: str = "GET",
    body=None,
    headers=None,
    expect=(200,),
) -> list[float]:
    """`n` sequential requests after `warmup` unmeasured ones, over one kept-alive connection;
    milliseconds. `body` may be a function giving each request its own body (made before the
    clock starts)."""
    conn = session.connection()
    samples = []
    try:
        for i in range(n + warmup):
            data = body() if callable(body) else body
            t0 = time.perf_counter()
            response, _content = session.request(conn, method, path, body=data, headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status not in expect:
                raise SystemExit(f"{method} {path} answered {response.status}")
            if i >= warmup:
                samples.append(elapsed)
    finally:
        conn.close()
    return samples


def throughput(session: Session, path: str, *, seconds: float, clients: int) -> float:
    """Closed loop: `clients` threads, each one request after another; requests per second."""
    count = [0] * clients
    errors = []
    stop = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = session.connection()
        try:
            while time.monotonic() < stop:
                response, _ = session.request(conn, "GET", path)
                if response.status >= 400:
                    errors.append(response.status)
                    return
                count[i] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{path} answered {errors[0]} under load")
    return sum(count) / (time.monotonic() - started)


def interleaved_throughputs(
    session: Session, paths: dict[str, str], *, seconds: float, clients: int, rounds: int = 4
) -> dict[str, float]:
    """`throughput` of each of `paths` (name → path), measured in `rounds` alternating slices
    of `seconds / rounds` each: figures compared with one another (a share of a ceiling) are
    then taken under the same conditions, not one after the other while the machine's speed
    drifts. Requests per second over each path's slices together."""
    done = dict.fromkeys(paths, 0.0)
    for _ in range(rounds):
        for name, path in paths.items():
            done[name] += throughput(session, path, seconds=seconds / rounds, clients=clients)
    return {name: total / rounds for name, total in done.items()}


def paced(session: Session, path: str, *, rate: float, seconds: float, clients: int = 4):
    """Open loop at `rate` requests per second spread over `clients` threads; latencies in
    milliseconds measured from each request's scheduled time (no coordinated omission)."""
    samples: list[float] = []
    lock = threading.Lock()
    interval = clients / rate
    start = time.perf_counter() + 0.05

    def run(i: int) -> None:
        conn = session.connection()
        k = 0
        try:
            while True:
                scheduled = start + (i / clients) * interval + k * interval
                if scheduled - start > seconds:
                    return
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                session.request(conn, "GET", path)
                elapsed = (time.perf_counter() - scheduled) * 1000
                with lock:
                    samples.append(elapsed)
                k += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples
