"""Sign what has no signed PDF yet: the current certificates (not superseded, not withdrawn)
and the granting decisions, e.g. after a body registered its signing certificate."""

from django.core.management.base import BaseCommand

from certification.models import Certificate, Decision
from signing import tasks
from signing.models import SignedPdf


class Command(BaseCommand):
    help = "Enqueue the signing of current certificates and decisions that have no signed PDF."

    def add_arguments(self, parser):
        parser.add_argument("--body", help="Only this body's (its code).")

    def handle(self, *args, body: str | None = None, **options):
        certificates = Certificate.objects.exclude(
            state__in=[Certificate.State.SUPERSEDED, Certificate.State.WITHDRAWN]
        ).exclude(pk__in=SignedPdf.objects.filter(kind="certificate").values("certificate_id"))
        decisions = Decision.objects.filter(outcome=Decision.Outcome.GRANTED).exclude(
            pk__in=SignedPdf.objects.filter(kind="decision").values("decision_id")
        )
        if body:
            certificates = certificates.filter(body__code=body)
            decisions = decisions.filter(application__body__code=body)
        certificate_ids = list(certificates.values_list("pk", flat=True))
        decision_ids = list(decisions.values_list("pk", flat=True))
        for pk in certificate_ids:
            tasks.sign_certificate_pdf.delay(pk, f"certificate_pdf:{pk}:missing", "missing")
        for pk in decision_ids:
            tasks.sign_decision_pdf.delay(pk)
        self.stdout.write(
            f"Enqueued {len(certificate_ids)} certificate(s) and {len(decision_ids)} decision(s)."
        )
