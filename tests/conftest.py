"""Fixtures for the integration suite (`make test-integration`): real PostgreSQL, Redis and
a Celery worker in its own process. Missing services fail the suite; they never skip it."""

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def session_queue():
    """With a real broker, this session's tasks go to a queue of its own, emptied at the end,
    so tasks left unconsumed (no worker in that test) never pile up in Redis."""
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    queue = f"txng-test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = previous
        # A queue never declared (no task sent) has nothing to purge.
        with app.connection_for_write() as conn, contextlib.suppress(Exception):
            conn.default_channel.queue_purge(queue)


@pytest.fixture(scope="session", autouse=True)
def _flush_outlasts_a_deadlock():
    """A transactional test ends by emptying every table (TRUNCATE). Work still running in
    another process or thread at that moment — a live-server request of a page being closed,
    a task the worker picked up — may hold a lock the TRUNCATE needs while waiting for one it
    holds: PostgreSQL then cancels one of the two. When it cancels the flush, the flush is
    tried again (the other side finishes meanwhile), instead of leaving the next test a full
    database."""
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, **options):
        for attempt in range(5):
            try:
                return original(self, **options)
            except CommandError as error:
                deadlock = "deadlock detected" in str(error.__cause__ or "")
                if not deadlock or attempt == 4:
                    raise

    flush.Command.handle = handle
    try:
        yield
    finally:
        flush.Command.handle = original


@pytest.fixture(autouse=True)
def _integration_needs_real_services(request):
    if request.node.get_closest_marker("integration") is None:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.fail(f"integration tests need DATABASE_URL on PostgreSQL, got {engine}")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("integration tests need CELERY_BROKER_URL (Redis), not eager tasks")


def _database_url_of_test_database() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def worker_mail_dir(tmp_path_factory):
    """Where the worker process's e-mails land (Django's file backend: one file per
    connection), for tests to read."""
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture(scope="session")
def worker_files_dir(tmp_path_factory):
    """The worker process's MEDIA_ROOT (`media/`) and signing keys (`signing/<body>.p12`), for
    tests to share with it."""
    root = tmp_path_factory.mktemp("worker-files")
    (root / "media").mkdir()
    (root / "signing").mkdir()
    return root


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, session_queue, worker_mail_dir, worker_files_dir
):
    """A `celery worker` in a separate process, on the test database and a queue of its own,
    sending e-mail to files in `worker_mail_dir`.

    Yields the worker's PID once it has answered a ping task.
    """
    from core.tasks import ping

    queue = session_queue
    with django_db_blocker.unblock():
        database_url = _database_url_of_test_database()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or "",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"filemail:///{worker_mail_dir}",
        "MEDIA_ROOT": str(worker_files_dir / "media"),
        "SIGNING_PKCS12_PATH": str(worker_files_dir / "signing" / "{body}.p12"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    (ROOT / "var").mkdir(exist_ok=True)
    with open(ROOT / "var" / f"celery-{queue}.log", "w") as log:
        yield from _run_worker(ping, queue, env, log)


def _run_worker(ping, queue: str, env: dict, log):
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        answer = ping.apply_async(queue=queue).get(timeout=60)
        assert answer["pid"] == worker.pid, "the ping was answered by another worker"
        yield worker.pid
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
