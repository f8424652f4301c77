"""The outbox on the real services: nothing is lost when the broker or a worker fails.

(a) A grant over HTTP while the web process's Redis is stopped answers 2xx; once Redis is
    back and the sweeper has run, the enterprise has its notification and the certificate its
    document, once.
(b) A worker killed (SIGKILL) in the middle of generating a certificate document: after its
    pool restarts, the task is delivered again (acks_late, reject_on_worker_lost) and the
    document exists once.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from audits.models import Audit
from audits.tests import factories as audit_factories
from certification.models import Application, Certificate
from certification.services import application_grant, application_submit_for_decision
from certification.tests.factories import SchemeFactory, registered_body
from core.models import OutboxMessage
from documents.models import Document
from notifications.models import Notification
from tests.conftest import _database_url_of_test_database
from tests.test_integration_notifications import wait_for
from tests.test_integration_serve_prod import PASSWORD, Http, free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
# The throwaway Redis this module stops and starts (never the shared one).
THROWAWAY_REDIS_PORT = int(os.environ.get("OUTBOX_TEST_REDIS_PORT", "6381"))


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class ThrowawayRedis:
    """A redis-server of this test's own, on THROWAWAY_REDIS_PORT, without persistence."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder, self.process = port, folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert not redis_answers(self.port), f"port {self.port} is taken by another Redis"
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for("the throwaway Redis", lambda: redis_answers(self.port), timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None
        wait_for("the throwaway Redis to stop", lambda: not redis_answers(self.port), timeout=30)


@pytest.fixture
def throwaway_redis(tmp_path):
    redis = ThrowawayRedis(THROWAWAY_REDIS_PORT, tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def service_env(broker_url: str, queue: str, database_url: str, **extra) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": "",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "http://127.0.0.1",
        **extra,
    }
    return env


def decision_pending(enterprise, body, enterprise_user, cb_staff, lead, regulator) -> Application:
    """An application whose audits are closed and technical review done."""
    scheme = SchemeFactory()
    registered_body(body, scheme, regulator=regulator, staff=cb_staff)
    application = audit_factories.application_in_evaluation(
        enterprise=enterprise,
        body=body,
        scheme=scheme,
        enterprise_user=enterprise_user,
        cb_staff=cb_staff,
    )
    for kind in (Audit.Kind.STAGE1, Audit.Kind.STAGE2):
        audit_factories.closed_audit(staff=cb_staff, lead=lead, application=application, kind=kind)
    return application_submit_for_decision(
        application=application, by=cb_staff, technical_review_note="Hồ sơ đầy đủ."
    )


def run_sweeper(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "deliver_outbox"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_grant_with_the_broker_down_answers_2xx_and_everything_arrives_once_after(
    throwaway_redis,
    tmp_path,
    settings,
    enterprise,
    body,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
    regulator,
):
    application = decision_pending(
        enterprise, body, enterprise_user, cb_staff, lead_assessor, regulator
    )
    # The web process uses the production password hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    decider.set_password(PASSWORD)
    decider.save(update_fields=["password"])
    enterprise_user.set_password(PASSWORD)
    enterprise_user.save(update_fields=["password"])
    port = free_port()
    env = service_env(
        throwaway_redis.url,
        f"txng-outbox-{uuid.uuid4().hex[:8]}",
        _database_url_of_test_database(),
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    log_path = tmp_path / "web.log"
    with open(log_path, "w") as log:
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            http = Http(f"http://127.0.0.1:{port}")
            wait_for("the web process", lambda: _answers(http, "/healthz"), timeout=120)
            token = http.token(decider.username)
            enterprise_token = http.token(enterprise_user.username)

            throwaway_redis.stop()
            status, body_bytes = http.call(
                "POST",
                f"/api/v1/applications/{application.pk}/transitions/grant/",
                token=token,
                data={"comment": "Đủ điều kiện."},
            )
            assert 200 <= status < 300, (status, body_bytes[:500], log_path.read_text()[-3000:])
            application.refresh_from_db()
            assert application.state == Application.State.CERTIFIED
            certificate = Certificate.objects.get(application=application)
            document_url = f"/api/v1/certificates/{certificate.pk}/document/"
            # Committed, but nothing delivered while the broker is down: all of it waits.
            assert not Notification.objects.filter(
                recipient=enterprise_user, event="certificate.issue"
            ).exists()
            assert http.call("GET", document_url, token=enterprise_token)[0] == 404
            waiting = set(
                OutboxMessage.objects.filter(status="pending").values_list("kind", flat=True)
            )
            assert {"notify.log_entry", "documents.certificate", "documents.decision"} <= waiting

            throwaway_redis.start()
            run_sweeper(env)
            second = run_sweeper(env)
            assert second.startswith("delivered 0,"), second

            assert (
                Notification.objects.filter(
                    recipient=enterprise_user, event="certificate.issue", object_id=certificate.pk
                ).count()
                == 1
            )
            assert (
                Document.objects.filter(doc_type="certificate", object_id=certificate.pk).count()
                == 1
            )
            assert (
                Document.objects.filter(doc_type="decision", object_id=application.pk).count() == 1
            )
            status, content = http.call("GET", document_url, token=enterprise_token)
            assert status == 200
            assert content[:2] == b"PK"  # a .docx
            assert not OutboxMessage.objects.exclude(status="delivered").exists()
        finally:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(timeout=30)
            except subprocess.TimeoutExpired:
                web.kill()
                web.wait()


def _answers(http: Http, path: str) -> bool:
    try:
        return http.call("GET", path)[0] == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, …; a zombie (Z) is a process already gone.
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return sorted(children)


def _waiting_on_certificate_lock(holder_pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def prefork_worker(tmp_path, django_db_blocker):
    """A Celery worker with a prefork pool of one process, on a queue of its own; started by
    the test (`start()`) when it is ready for it. Yields (start, queue, log path)."""
    from config.celery import app

    queue = f"txng-kill-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        database_url = _database_url_of_test_database()
    env = service_env(
        settings.CELERY_BROKER_URL,
        queue,
        database_url,
        EMAIL_URL=f"filemail:///{tmp_path / 'mail'}",
    )
    log_path = tmp_path / "worker.log"
    processes = []

    def start() -> subprocess.Popen:
        log = open(log_path, "a")  # noqa: SIM115 — closed when the worker is stopped
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
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
        processes.append((worker, log))
        return worker

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield start, queue, log_path
    finally:
        app.conf.task_default_queue = previous
        for worker, log in processes:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            log.close()
        # A queue never declared has nothing to purge.
        with app.connection_for_write() as conn, contextlib.suppress(Exception):
            conn.default_channel.queue_purge(queue)


def test_a_worker_killed_in_the_middle_of_a_task_does_the_work_once_after_restart(
    prefork_worker,
    enterprise,
    body,
    enterprise_user,
    cb_staff,
    lead_assessor,
    decider,
    regulator,
):
    start, _queue, log_path = prefork_worker
    application = decision_pending(
        enterprise, body, enterprise_user, cb_staff, lead_assessor, regulator
    )
    # The grant commits; its delivery tasks wait in the worker's queue (no worker yet).
    certificate = application_grant(application=application, by=decider)
    message = OutboxMessage.objects.get(dedupe_key=f"documents.certificate:{certificate.pk}")
    assert message.status == "pending"

    # Another session holds the certificate's row: the document task will render and store
    # the file, then wait for the row, in the middle of its work.
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
    )
    try:
        holder_pid = holder.info.backend_pid
        holder.execute(
            "SELECT id FROM certification_certificate WHERE id = %s FOR UPDATE", [certificate.pk]
        )
        worker = start()
        wait_for(
            "the worker's pool process",
            lambda: _children(worker.pid),
            timeout=120,
        )
        wait_for(
            "the document task to wait for the certificate",
            lambda: _waiting_on_certificate_lock(holder_pid),
            timeout=120,
        )
        (child,) = _children(worker.pid)
        os.kill(child, signal.SIGKILL)
        wait_for(
            "the pool to restart its process",
            lambda: [pid for pid in _children(worker.pid) if pid != child],
            timeout=60,
        )
        wait_for(
            "the worker to notice its lost process",
            lambda: "SIGKILL" in log_path.read_text(),
            timeout=60,
        )
        assert not Document.objects.filter(
            doc_type="certificate", object_id=certificate.pk
        ).exists()
    finally:
        holder.rollback()
        holder.close()

    message = wait_for(
        "the certificate document delivered after the restart",
        lambda: OutboxMessage.objects.filter(pk=message.pk, status="delivered").first(),
        timeout=120,
    )
    # The killed attempt rolled back with its connection: one attempt recorded, one document.
    assert message.attempts == 1
    assert Document.objects.filter(doc_type="certificate", object_id=certificate.pk).count() == 1
    # The sweeper afterwards finds nothing more to do for it.
    from core.outbox import outbox_deliver_pending

    outbox_deliver_pending()
    assert Document.objects.filter(doc_type="certificate", object_id=certificate.pk).count() == 1
    assert (
        Notification.objects.filter(
            recipient=enterprise_user, event="certificate.issue", object_id=certificate.pk
        ).count()
        == 1
    )
