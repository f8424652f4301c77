"""`make backup` / `make restore` round-trip the demo data on PostgreSQL: the archive made
from the demo database and its files, restored into a fresh database and an empty media
folder, gives back the same rows and the same file contents."""

import hashlib
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from core.backup import COUNTED, backup_manifest, row_counts
from core.outbox import outbox_deliver_pending
from documents.models import Document
from documents.services import documents_enqueue_missing
from tests.conftest import _database_url_of_test_database

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]


def _connect(dbname: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def _make(target: str, env: dict[str, str], **variables: str) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", target, *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def fresh_database():
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    with _connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_round_trip_the_demo_data(settings, tmp_path, fresh_database):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    call_command("import_checklists", stdout=io.StringIO())
    call_command("seed_demo", "--force", stdout=io.StringIO())
    # The demo's documents: generated now, as the sweeper would.
    documents_enqueue_missing()
    outbox_deliver_pending()
    counts = row_counts()
    assert counts["certification.Certificate"] > 0
    assert counts["documents.Document"] > 0
    files = _digests(media)
    assert len(files) >= Document.objects.count()

    database_url = _database_url_of_test_database()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "DEBUG": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("STORAGE_BACKEND", None)
    backups = tmp_path / "backups"
    output = _make("backup", env, BACKUP_DIR=str(backups))
    (archive,) = backups.glob("txng-cert-*.tar.gz")
    assert archive.name in output
    manifest = backup_manifest(archive)
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["counts"] == counts
    assert manifest["files"]["count"] == len(files)

    # Restore onto another server: an empty database and an empty media folder.
    restored_media = tmp_path / "restored-media"
    restored_env = {
        **env,
        "DATABASE_URL": database_url.rsplit("/", 1)[0] + f"/{fresh_database}",
        "MEDIA_ROOT": str(restored_media),
    }
    output = _make("restore", restored_env, BACKUP=str(archive), YES="1")
    assert f"Restored {archive.name}" in output

    assert _digests(restored_media) == files
    with _connect(fresh_database) as restored:
        from django.apps import apps

        for label in COUNTED:
            table = apps.get_model(label)._meta.db_table
            (count,) = restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert count == counts[label], label
        # The migrations are there too: the restored database is ready to serve.
        (migrations,) = restored.execute("SELECT count(*) FROM django_migrations").fetchone()
        assert migrations > 0

    # Restoring without confirmation changes nothing.
    refused = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=ROOT,
        env=restored_env,
        input="no\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "Nothing restored." in refused.stderr
