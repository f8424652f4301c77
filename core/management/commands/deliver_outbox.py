"""`python manage.py deliver_outbox`: deliver what the outbox holds pending (the same sweep
celery beat runs every minute). Safe to run at any time, and concurrently: each message is
claimed with SELECT … FOR UPDATE SKIP LOCKED and delivered once."""

from django.core.management.base import BaseCommand

from core.models import OutboxMessage
from core.outbox import outbox_counts, outbox_deliver_pending


class Command(BaseCommand):
    help = (
        "Deliver pending outbox messages (notifications, documents, portal pushes) and queue "
        "the documents of certificates and decisions that have none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=10_000, help="At most this many messages (10000)."
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Put failed messages back to pending first.",
        )
        parser.add_argument(
            "--no-documents",
            action="store_true",
            help="Skip the sweep for certificates and decisions missing their document.",
        )

    def handle(self, *args, limit: int, retry_failed: bool, no_documents: bool, **options):
        from core.outbox import outbox_retry
        from documents.services import documents_enqueue_missing

        if retry_failed:
            for message in OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED):
                outbox_retry(message=message)
        missing = 0 if no_documents else documents_enqueue_missing()
        counts = outbox_deliver_pending(limit=limit)
        left = outbox_counts()
        self.stdout.write(
            "delivered {delivered}, retry later {retry}, failed {failed}; "
            "documents missing {missing}; still pending {pending}, failed in total {total}".format(
                delivered=counts.get("delivered", 0),
                retry=counts.get("retry", 0),
                failed=counts.get("failed", 0),
                missing=missing,
                pending=left["pending"],
                total=left["failed"],
            )
        )
