"""Backup and restore of everything the system holds: the database and the stored files.

One archive (`.tar.gz`) holds:
- `manifest.json`: when, which database engine, how many files, the row counts of the main
  tables (to check a restore against);
- `database.dump`: `pg_dump --format=custom` of the PostgreSQL database, or
  `database.sqlite3`: a consistent copy (SQLite's online backup) of the embedded database;
- `files/…`: every object of the file storage (the media folder, or the S3 bucket through the
  same storage API the application uses).

`make backup` writes `var/backups/txng-cert-<time>.tar.gz`; `make restore BACKUP=<archive>`
puts the database and the files back (PostgreSQL: `pg_restore --clean --if-exists`, into the
database of DATABASE_URL; SQLite: the file is replaced; files: each object written back).
"""

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections

FORMAT = 1
# The tables whose row counts are written in the manifest and checked after a restore.
COUNTED = (
    "core.User",
    "core.LogEntry",
    "certification.Organisation",
    "certification.Application",
    "certification.Certificate",
    "certification.Decision",
    "audits.Audit",
    "documents.Document",
    "notifications.Notification",
)


def row_counts() -> dict[str, int]:
    counts = {}
    for label in COUNTED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        counts[label] = model._default_manager.count()
    return counts


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"backup supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [
        "--host",
        str(db.get("HOST") or "127.0.0.1"),
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        str(db.get("USER") or "postgres"),
        "--dbname",
        str(db["NAME"]),
    ]
    return env, args


def _stored_names(folder: str = "") -> list[str]:
    """Every object in the default storage, recursively (media folder or bucket)."""
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" if folder else name for name in files]
    for directory in directories:
        names.extend(_stored_names(f"{folder}/{directory}" if folder else directory))
    return sorted(names)


def backup_create(*, folder: Path) -> Path:
    """Write a backup archive into `folder`; returns its path."""
    engine = _engine()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    archive = folder / f"txng-cert-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if engine == "postgresql":
            env, args = _pg_env()
            dump = work / "database.dump"
            subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(dump),
                    *args,
                ],
                env=env,
                check=True,
            )
            database_member = "database.dump"
        else:
            copy = work / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(copy)
            with target:
                connection.connection.backup(target)
            target.close()
            database_member = "database.sqlite3"
        names = _stored_names()
        files = work / "files"
        for name in names:
            path = files / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "database": {"engine": engine, "member": database_member},
            "files": {"count": len(names)},
            "counts": row_counts(),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(work / database_member, arcname=database_member)
            if names:
                tar.add(files, arcname="files")
        partial.rename(archive)
    return archive


def backup_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise ValueError(f"{archive} is not a TXNG Cert backup (no manifest)")
        return json.load(member)


def backup_restore(*, archive: Path) -> dict:
    """Restore the database and the files of `archive` into the configured database and
    storage; returns the manifest. The database's previous content is replaced."""
    manifest = backup_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown backup format {manifest.get('format')!r}")
    engine = _engine()
    if manifest["database"]["engine"] != engine:
        raise ValueError(
            f"the backup holds a {manifest['database']['engine']} database; "
            f"DATABASE_URL is {engine}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        connections.close_all()
        if engine == "postgresql":
            env, args = _pg_env()
            subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    str(work / "database.dump"),
                ],
                env=env,
                check=True,
            )
        else:
            source = sqlite3.connect(work / "database.sqlite3")
            connection.ensure_connection()
            with source:
                source.backup(connection.connection)
            source.close()
            connections.close_all()
        files = work / "files"
        if files.exists():
            for path in sorted(p for p in files.rglob("*") if p.is_file()):
                name = path.relative_to(files).as_posix()
                if default_storage.exists(name):
                    default_storage.delete(name)
                with open(path, "rb") as content:
                    saved = default_storage.save(name, File(content))
                if saved != name:
                    raise RuntimeError(f"{name} was stored as {saved}")
    return manifest
