import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError


def test_healthz_answers_ok_without_touching_the_database(client):
    # No `db` fixture: any database access here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"] == "eager"  # no broker configured: tasks run in-process


@pytest.mark.django_db
def test_readyz_returns_503_naming_the_database_when_it_is_unreachable(client, monkeypatch):
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == "failed"
    # The reason is logged, never shown to an anonymous caller.
    assert "connection refused" not in response.content.decode()
    assert "OperationalError" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_returns_503_naming_the_broker_when_it_does_not_answer(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
