"""`make serve-prod` on the real services: web (gunicorn), worker and beat started by the same
launcher (deploy/serve_prod.py) with DEBUG=0 against PostgreSQL and Redis; a transition made
over HTTP is e-mailed by that worker."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from audits.tests.factories import SCOPE
from certification.services import application_create
from certification.tests.factories import SchemeFactory, registered_body
from tests.conftest import _database_url_of_test_database
from tests.test_integration_notifications import mail_to, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "pw-Secret-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """A tiny JSON client for the API (token authentication)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, *, token: str = "", data: dict | None = None):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(data).encode() if data is not None else None,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **({"Authorization": f"Token {token}"} if token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def json(self, method: str, path: str, **kwargs):
        status, body = self.call(method, path, **kwargs)
        assert status == 200, f"{method} {path} → {status}: {body[:500]!r}"
        return json.loads(body)

    def token(self, username: str) -> str:
        return self.json(
            "POST", "/api/v1/auth/token/", data={"username": username, "password": PASSWORD}
        )["token"]


@pytest.fixture
def serve_prod(tmp_path, django_db_blocker):
    """The launcher of `make serve-prod`, on a free port, the test database and a queue of its
    own; e-mail to files. Yields (base URL, mail folder, log file); stops it with Ctrl-C's
    SIGINT and checks that it stopped cleanly."""
    port = free_port()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_path = tmp_path / "serve-prod.log"
    with django_db_blocker.unblock():
        database_url = _database_url_of_test_database()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or "",
        "CELERY_TASK_DEFAULT_QUEUE": f"txng-serve-prod-{uuid.uuid4().hex[:8]}",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DEBUG", None)
    with open(log_path, "w") as log:
        launcher = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "serve_prod.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--beat-schedule",
                str(tmp_path / "celerybeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield f"http://127.0.0.1:{port}", mail_dir, log_path
        finally:
            launcher.send_signal(signal.SIGINT)
            try:
                code = launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                launcher.kill()
                launcher.wait()
                pytest.fail("serve-prod did not stop within 60 s of Ctrl-C")
    output = log_path.read_text()
    assert code == 0, output[-3000:]
    assert "serve-prod | stopped" in output


def test_serve_prod_runs_web_worker_and_beat_and_a_transition_over_http_is_emailed(
    serve_prod, settings, enterprise, body, enterprise_user, cb_staff, regulator
):
    base, mail_dir, log_path = serve_prod
    # The web process uses the production password hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in (enterprise_user, cb_staff):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    scheme = SchemeFactory()
    registered_body(body, scheme, regulator=regulator, staff=cb_staff)
    draft = application_create(
        enterprise=enterprise, body=body, scheme=scheme, by=enterprise_user, **SCOPE
    )
    http = Http(base)

    wait_for("the web process", lambda: _answers(http, "/healthz"), timeout=120)
    wait_for(
        "the worker and beat to start",
        lambda: "ready." in log_path.read_text() and "beat: Starting" in log_path.read_text(),
        timeout=60,
    )
    ready = http.json("GET", "/readyz")
    assert ready["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    token = http.token(enterprise_user.username)

    submitted = http.json(
        "POST", f"/api/v1/applications/{draft.pk}/transitions/submit/", token=token, data={}
    )

    assert submitted["state"] == "submitted"
    message = wait_for(
        "the e-mail sent by serve-prod's worker",
        lambda: mail_to(mail_dir, cb_staff.email, draft.number),
    )
    assert draft.number in message.get_content()
    staff_token = http.token(cb_staff.username)
    inbox = http.json("GET", "/api/v1/notifications/", token=staff_token)
    assert [n["event"] for n in inbox["results"]].count("application.submit") == 1
    # Production settings: the worker that sent it ran with DEBUG off, behind the launcher.
    assert "worker | " in log_path.read_text()


def _answers(http: Http, path: str) -> bool:
    try:
        return http.call("GET", path)[0] == 200
    except OSError:
        return False
