"""`python manage.py restore ARCHIVE --yes`: replace the database and write back the stored
files of a backup made by `backup` (see core.backup). `make restore BACKUP=… YES=1` runs it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import backup_manifest, backup_restore, row_counts


class Command(BaseCommand):
    help = "Restore a backup archive: the database is REPLACED and the files written back."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A .tar.gz written by `manage.py backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: replace the current data."
        )

    def handle(self, *args, archive: str, yes: bool, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No backup at {path}.")
        try:
            manifest = backup_manifest(path)
        except (ValueError, KeyError, OSError) as error:
            raise CommandError(str(error)) from None
        if not yes:
            answer = input(
                f"Replace the current database and files with the backup of "
                f"{manifest['created_at']}? Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        try:
            backup_restore(archive=path)
        except ValueError as error:
            raise CommandError(str(error)) from None
        counts = row_counts()
        different = {
            label: (expected, counts.get(label))
            for label, expected in manifest["counts"].items()
            if counts.get(label) != expected
        }
        if different:
            raise CommandError(f"Restored, but the row counts differ: {different}")
        self.stdout.write(
            f"Restored {path.name}: {sum(counts.values())} rows checked, "
            f"{manifest['files']['count']} files."
        )
