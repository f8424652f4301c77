"""Sign what has no signed PDF yet: the current certificates (not superseded, not withdrawn)
and the granting decisions, e.g. after a body registered its signing certificate."""

from django.core.management.base import BaseCommand
from django.db import transaction

from certification.models import Certificate, Decision
from core.outbox import outbox_enqueue
from signing.models import SignedPdf


class Command(BaseCommand):
    help = "Sign the current certificates and decisions that have no signed PDF (outbox)."

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
        # Through the outbox like every follow-up: delivered by a worker, or by the sweeper.
        with transaction.atomic():
            for pk in certificate_ids:
                outbox_enqueue(
                    kind="signing.certificate",
                    payload={
                        "certificate_id": pk,
                        "source_key": f"certificate_pdf:{pk}:missing",
                        "reason": "missing",
                    },
                )
            for pk in decision_ids:
                outbox_enqueue(kind="signing.decision", payload={"decision_id": pk})
        self.stdout.write(
            f"Enqueued {len(certificate_ids)} certificate(s) and {len(decision_ids)} decision(s)."
        )
