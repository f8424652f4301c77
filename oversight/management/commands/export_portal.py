"""Write the national-portal records of certificates to a file (docs/portal-export.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certification.models import Certificate, Province
from oversight.exports import portal_export


class Command(BaseCommand):
    help = (
        "Write the national-portal record of every certificate (of the given provinces, or "
        "all) as a JSON array, or JSON Lines with --jsonl. '-' writes to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="File to write, or '-' for stdout.")
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            help="Province code (repeatable); default: every province.",
        )
        parser.add_argument("--jsonl", action="store_true", help="One record per line.")
        parser.add_argument(
            "--current-only",
            action="store_true",
            help="Leave out superseded certificate versions.",
        )

    def handle(self, *args, output: str, province: list[str], jsonl: bool, **options):
        certificates = Certificate.objects.all()
        if province:
            known = set(Province.objects.filter(code__in=province).values_list("code", flat=True))
            unknown = sorted(set(province) - known)
            if unknown:
                raise CommandError(
                    _("Unknown province code(s): %(codes)s") % {"codes": ", ".join(unknown)}
                )
            certificates = certificates.filter(enterprise__province__code__in=province)
        if options["current_only"]:
            certificates = certificates.exclude(state=Certificate.State.SUPERSEDED)
        if output == "-":
            self.stdout.ending = ""  # the exporter writes its own line ends
            count = portal_export(certificates, self.stdout, jsonl=jsonl)
        else:
            path = Path(output)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".part")
            with temporary.open("w", encoding="utf-8") as stream:
                count = portal_export(certificates, stream, jsonl=jsonl)
            temporary.replace(path)
        self.stderr.write(
            _("%(count)d record(s) written to %(output)s") % {"count": count, "output": output}
        )
