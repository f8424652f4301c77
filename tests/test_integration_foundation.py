"""The foundation on the services production uses: PostgreSQL, Redis, a real worker."""

import os

import pytest
from django.db import DatabaseError, connection, transaction

from core.models import LogEntry
from core.services import log_transition
from core.tasks import ping

pytestmark = pytest.mark.integration


def test_a_task_sent_through_redis_is_executed_by_a_separate_worker_process(celery_worker_process):
    result = ping.delay()
    answer = result.get(timeout=30)
    assert answer["pid"] == celery_worker_process
    assert answer["pid"] != os.getpid()


@pytest.mark.django_db
def test_postgresql_refuses_raw_sql_that_rewrites_or_deletes_history(enterprise, admin_user):
    entry = log_transition(enterprise, "note", by=admin_user, comment="original")
    for statement in (
        "UPDATE core_logentry SET comment = 'rewritten' WHERE id = %s",
        "DELETE FROM core_logentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).comment == "original"


@pytest.mark.django_db
def test_readyz_sees_postgresql_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
