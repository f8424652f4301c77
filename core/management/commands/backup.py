"""`python manage.py backup [--dir var/backups]`: one archive with the database and every
stored file (see core.backup). `make backup` runs it."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.backup import backup_create, backup_manifest


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or the SQLite file) and the stored files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="Folder for the archive (var/backups).",
        )

    def handle(self, *args, dir: str, **options):
        archive = backup_create(folder=Path(dir))
        manifest = backup_manifest(archive)
        self.stdout.write(
            f"{archive} — {manifest['database']['engine']} database, "
            f"{manifest['files']['count']} files"
        )
