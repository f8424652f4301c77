"""Signed PDFs made after a change, through the outbox (core.outbox).

Connected (signing.apps) to `post_save` of core.LogEntry, so the outbox messages are written
in the same transaction as the change that alters a certificate's face:
- "issue" (grant) and "reissue" (scope extension), logged on the new certificate: its signed
  PDF and its decision's;
- "restore" (a restoration, granted by a decision of its own): a new signed edition of the
  certificate, and the restoration decision;
- "reinstate" (suspension lifted), logged on the certificate: a new signed edition of it.
The PDFs are signed after the commit by the outbox's delivery (a worker, or the
`deliver_outbox` sweeper when the broker was down). Each message is keyed on the log entry,
so the same event never signs twice.
"""

from django.contrib.contenttypes.models import ContentType

from core.models import LogEntry

# Events that come with a decision of their own, to sign as well.
WITH_DECISION = frozenset({"issue", "reissue", "restore"})
SIGNING_EVENTS = WITH_DECISION | {"reinstate"}


def enqueue_signing(sender, instance: LogEntry, created: bool = False, raw: bool = False, **kw):
    if raw or not created or instance.transition not in SIGNING_EVENTS:
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model is None or model._meta.label != "certification.Certificate":
        return
    from core.outbox import outbox_enqueue

    certificate = model.objects.filter(pk=instance.object_id).only("pk", "decision_id").first()
    if certificate is None:
        return
    source_key = f"certificate_pdf:{certificate.pk}:{instance.pk}"
    outbox_enqueue(
        kind="signing.certificate",
        payload={
            "certificate_id": certificate.pk,
            "source_key": source_key,
            "reason": instance.transition,
        },
        dedupe_key=f"signing.{source_key}",
    )
    if instance.transition in WITH_DECISION and certificate.decision_id:
        outbox_enqueue(
            kind="signing.decision",
            payload={"decision_id": certificate.decision_id},
            dedupe_key=f"signing.decision:{certificate.decision_id}",
        )
