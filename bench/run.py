"""`make bench`: every row of ../shared/spec/performance.md (targets 1-8 and 10), measured on a
dedicated PostgreSQL database seeded by `seed_scale`, against gunicorn (2 workers) over
loopback. Prints a table, writes bench/results.json (name, value, unit, target, ok) and exits
non-zero when a row is not ok.

    python bench/run.py [--size small|medium|large] [--quick] [--reseed] [--only NAME ...]

--quick (CI): the small data set and a few seconds per row; the figures are printed but not
judged (exit 0 unless something breaks). The database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/txng_bench_<size>) is seeded once and reused while it holds
a data set of the same size (--reseed starts again).

Rows are registered with `@row(...)` in bench/rows.py: one function per row, yielding
`Result`s. Add a row there; nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.json"
BENCH_SECRET = "bench-only-4f1e8a2b9c7d3e5f6a0b1c2d3e4f5a6b7c8d9e0f1a2b3c"


def say(*parts, flush: bool = True) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    if flush:
        sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_cache_url() -> str:
    """Redis on this machine when it answers (database 13, the bench's own), as production
    runs; else a file cache (slower: the figures of the public answers are then pessimistic)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "rediscache://127.0.0.1:6379/13"
    except OSError:
        pass
    cache_dir = ROOT / "var" / "bench-cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    print("bench: Redis is not reachable; the cache is a folder of files", flush=True)  # noqa: T201
    return f"filecache://{cache_dir}"


def bench_env(database_url: str, cache_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "DEBUG": "0",
        "SECRET_KEY": BENCH_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_PUBLIC": "10000000/min",
        "API_THROTTLE_PUBLIC_LOOKUP": "10000000/min",
        "API_THROTTLE_VERIFY_FILE": "10000000/hour",
        "EMAIL_URL": "consolemail://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    # Tasks run in the process that makes them (no broker): the bench measures the web tier.
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    return env


def manage(env: dict, *args: str, quiet: bool = True) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare_database(database_url: str, size: str, env: dict, reseed: bool) -> None:
    """Create the database when missing, migrate it, and seed it unless it already holds a
    data set of this size."""
    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    marker = f"seed_scale:{size}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reseed:
            try:
                with psycopg.connect(database_url) as db:
                    seeded = db.execute(
                        "SELECT 1 FROM core_counter WHERE series = %s", [marker]
                    ).fetchone()
            except psycopg.Error:
                seeded = None
            if seeded:
                manage(env, "migrate", "--noinput")
                say(f"bench: reusing the {size} data set in {name}")
                return
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "import_checklists")
    manage(env, "seed_scale", "--size", size, "--force", quiet=False)
    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute("INSERT INTO core_counter (series, year, value) VALUES (%s, 0, 1)", [marker])
    say(f"bench: seeded {size} in {time.monotonic() - started:.0f} s")


def start_server(env: dict, port: int) -> subprocess.Popen:
    from bench.load import Session

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
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            response, _ = Session(port).get("/healthz")
            if response.status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def print_table(results: list[dict], quick: bool) -> None:
    lines = [f"{'metric':44} {'value':>10} {'unit':6} {'target':>10} ok"]
    for r in results:
        target = "" if r["target"] is None else r["target"]
        ok = "yes" if r["ok"] else "NO"
        lines.append(f"{r['name']:44} {r['value']!s:>10} {r['unit']:6} {target!s:>10} {ok}")
    if quick:
        lines.append("(quick mode: small data set, few requests; figures are not judged)")
    sys.stdout.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="row names to run")
    args = parser.parse_args()
    size = args.size or ("small" if args.quick else os.environ.get("SIZE", "medium"))
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/txng_bench_{size}"
    )
    # Both web workers and this process share the cache (the public answers' invalidation):
    # Redis as in production (its database 13, emptied at the start), else files.
    cache_url = os.environ.get("BENCH_CACHE_URL") or default_cache_url()
    env = bench_env(database_url, cache_url)
    started = time.monotonic()
    prepare_database(database_url, size, env, args.reseed)
    manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update({k: v for k, v in env.items() if isinstance(v, str)})

    import django

    django.setup()
    from django.core.cache import cache

    cache.clear()

    from bench import rows as registry
    from bench.load import Session

    # A stopped bench stops its server too (the finally below runs on SIGTERM).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = free_port()
    server = start_server(env, port)
    results: list[dict] = []
    try:
        bench = registry.Bench(port=port, quick=args.quick, size=size, server=server)
        for entry in registry.ROWS:
            if args.only and entry.name not in args.only:
                continue
            t0 = time.monotonic()
            say(f"bench: {entry.name} …")
            for result in entry.run(bench):
                results.append(result.as_dict(judged=not args.quick))
            say(f"bench: {entry.name} done in {time.monotonic() - t0:.0f} s")
        del Session
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results, args.quick)
    say(f"bench: {time.monotonic() - started:.0f} s in all; results in {RESULTS}")
    if not args.quick and not all(r["ok"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
