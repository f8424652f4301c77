from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from checklists.importer import dump_yaml, template_data
from checklists.models import ChecklistTemplate


class Command(BaseCommand):
    help = (
        "Write a checklist template version as YAML in the data-file schema (to standard output, "
        "or to --output). Importing the result again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="Template code, e.g. tcvn-12850-2019-system.")
        parser.add_argument("version", type=int, help="Version number.")
        parser.add_argument("--output", type=Path, help="File to write (default: stdout).")

    def handle(self, *args, code: str, version: int, output: Path | None = None, **options):
        template = (
            ChecklistTemplate.objects.filter(code=code, version=version)
            .prefetch_related("sections", "items")
            .first()
        )
        if template is None:
            raise CommandError(
                _("There is no version %(version)d of checklist template %(code)r.")
                % {"version": version, "code": code}
            )
        text = dump_yaml(template_data(template))
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {template} to {output}.")
