from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from checklists.importer import ChecklistImportError
from checklists.services import ImportOutcome, template_import


class Command(BaseCommand):
    help = (
        "Import checklist templates from YAML data files (default: every *.yaml in "
        "checklists/data). All or nothing; a version already used by audits is never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="Template files to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )

    def handle(self, *args, paths: list[Path], dry_run: bool = False, **options):
        try:
            outcomes = template_import(paths=paths or None, dry_run=dry_run)
        except ChecklistImportError as exc:
            raise CommandError(
                _("Nothing was imported:") + "\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from exc
        for outcome in outcomes:
            self.stdout.write(str(outcome))
        counts = {
            action: sum(o.action == action for o in outcomes)
            for action in (
                ImportOutcome.Action.NEW,
                ImportOutcome.Action.CHANGED,
                ImportOutcome.Action.UNCHANGED,
            )
        }
        summary = _("%(new)d new, %(changed)d changed, %(unchanged)d unchanged.") % counts
        if dry_run:
            self.stdout.write(_("Dry run, nothing written: %(summary)s") % {"summary": summary})
        elif counts["new"] or counts["changed"]:
            self.stdout.write(self.style.SUCCESS(_("Imported: %(summary)s") % {"summary": summary}))
        else:
            self.stdout.write(_("Nothing changed: %(summary)s") % {"summary": summary})
