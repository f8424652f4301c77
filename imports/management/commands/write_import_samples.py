"""Write the downloadable templates of every kind of import and the sample file of 20 legacy
certificates (docs/samples/), as the import pages offer them."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from imports import reading, samples
from imports.kinds import KINDS


class Command(BaseCommand):
    help = "Write the import templates and the sample legacy certificates to docs/samples/."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "docs" / "samples"))

    def handle(self, *args, dir: str, **options):
        folder = Path(dir)
        folder.mkdir(parents=True, exist_ok=True)
        for code, kind in KINDS.items():
            (folder / f"template-{code}.xlsx").write_bytes(reading.rows_xlsx(kind, []))
            (folder / f"template-{code}.csv").write_bytes(reading.template_csv(kind))
        records = samples.legacy_certificates(20)
        kind = KINDS["certificates"]
        (folder / "legacy-certificates.xlsx").write_bytes(reading.rows_xlsx(kind, records))
        (folder / "legacy-certificates.csv").write_bytes(reading.rows_csv(kind, records))
        self.stdout.write(f"Wrote the templates and the sample files to {folder}")
