#!/usr/bin/env python3
"""Run TXNG Cert locally the way production runs it: web (gunicorn), a Celery worker and
celery beat, with the production settings (DEBUG=0), against DATABASE_URL and CELERY_BROKER_URL.

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… .venv/bin/python deploy/serve_prod.py

(`make serve-prod` runs this.) Steps: check the required variables; `collectstatic` and
`migrate`; start the three processes, their output prefixed with their name; on Ctrl-C
(SIGINT) or SIGTERM stop all three; if one of them exits, stop the others and exit non-zero.

For a local run without TLS, values production must set itself get local defaults when unset:
ALLOWED_HOSTS (127.0.0.1,localhost), SITE_URL (http://<bind>), SECURE_SSL_REDIRECT (0 for an
http:// SITE_URL) and SECRET_KEY (a random key kept in var/serve-prod.secret). On real machines
the systemd units in deploy/ run the same three commands with /etc/txng-cert.env.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("DATABASE_URL", "CELERY_BROKER_URL")
STOP_TIMEOUT = 20  # seconds each process gets to stop gracefully before it is killed


def say(message: str) -> None:
    sys.stdout.write(f"serve-prod | {message}\n")
    sys.stdout.flush()


def production_environment(bind: str) -> dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
    if missing:
        sys.exit(
            "serve-prod: set "
            + " and ".join(missing)
            + " (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/txng_cert "
            "CELERY_BROKER_URL=redis://127.0.0.1:6379/0): production runs on PostgreSQL "
            "with a Redis broker."
        )
    env = {**os.environ, "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    defaults = {
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://{bind}",
    }
    for name, value in defaults.items():
        if not env.get(name):
            env[name] = value
            say(f"{name} not set: using {value} (local run)")
    if env["SITE_URL"].startswith("http://") and not env.get("SECURE_SSL_REDIRECT"):
        env["SECURE_SSL_REDIRECT"] = "0"
        say("SITE_URL is http://: SECURE_SSL_REDIRECT=0 (local run without TLS)")
    if not env.get("SECRET_KEY"):
        key_file = ROOT / "var" / "serve-prod.secret"
        if not key_file.exists():
            key_file.parent.mkdir(exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(64))
            key_file.chmod(0o600)
        env["SECRET_KEY"] = key_file.read_text().strip()
        say(f"SECRET_KEY not set: using the key kept in {key_file.relative_to(ROOT)}")
    return env


def prefix_output(name: str, stream) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:<6} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bind", default=os.environ.get("SERVE_PROD_BIND", "127.0.0.1:8000"), help="web address"
    )
    parser.add_argument(
        "--workers", default=os.environ.get("WEB_CONCURRENCY", "2"), help="gunicorn workers"
    )
    parser.add_argument(
        "--beat-schedule",
        default=os.environ.get("CELERY_BEAT_SCHEDULE_FILE", str(ROOT / "var" / "celerybeat")),
        help="file where beat keeps the last run of each periodic job",
    )
    parser.add_argument(
        "--skip-setup", action="store_true", help="do not run collectstatic and migrate first"
    )
    args = parser.parse_args()
    env = production_environment(args.bind)
    python = sys.executable

    if not args.skip_setup:
        for command in (["collectstatic", "--noinput", "-v", "0"], ["migrate", "--noinput"]):
            say("manage.py " + " ".join(command))
            done = subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=False)
            if done.returncode != 0:
                say(f"manage.py {command[0]} failed ({done.returncode})")
                return done.returncode

    Path(args.beat_schedule).parent.mkdir(parents=True, exist_ok=True)
    commands = {
        "web": [
            python,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            args.bind,
            "--workers",
            str(args.workers),
            "--access-logfile",
            "-",
        ],
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO"],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            args.beat_schedule,
        ],
    }
    processes: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def request_stop(signum, frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    for name, command in commands.items():
        # Own session: Ctrl-C reaches only this launcher, which stops each process gracefully.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes[name] = process
        threading.Thread(target=prefix_output, args=(name, process.stdout), daemon=True).start()
        say(f"started {name} (pid {process.pid})")
    say(f"web on http://{args.bind} — Ctrl-C stops all three")

    exit_code = 0
    while not stopping.is_set():
        ended = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
        if ended:
            say(f"{', '.join(f'{n} exited ({c})' for n, c in ended.items())}: stopping the rest")
            exit_code = 1
            break
        time.sleep(0.2)

    for name, process in processes.items():
        if process.poll() is None:
            say(f"stopping {name}")
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in {STOP_TIMEOUT} s: killing it")
            process.kill()
            process.wait()
    say("stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
