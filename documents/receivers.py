"""Documents made after a change, through the outbox (core.outbox): a new certificate gets
its certificate and decision documents; an approved audit report gets the audit report and
findings report documents.

Connected (documents.apps) to `post_save` of core.LogEntry, so the outbox messages are written
in the same transaction as the change: the certification services log "issue" (grant) and
"reissue" (scope extension) on the new certificate right after creating it, and
core.workflow.execute logs the audit's "approve_report". The documents are generated after
the commit by the outbox's delivery (a worker, or the `deliver_outbox` sweeper when the broker
was down); generation is idempotent (one document per `source_key`).
"""

from django.contrib.contenttypes.models import ContentType

from core.models import LogEntry

# Log entries written on a certificate right after the row is created.
CERTIFICATE_CREATING = frozenset({"issue", "reissue"})
# The audit transition after which its report is final.
REPORT_APPROVED = "approve_report"


def enqueue_certificate_documents(certificate) -> None:
    """Outbox messages for the certificate's document and its decision's document."""
    from core.outbox import outbox_enqueue

    outbox_enqueue(
        kind="documents.certificate",
        payload={"certificate_id": certificate.pk},
        dedupe_key=f"documents.certificate:{certificate.pk}",
    )
    if certificate.decision_id:
        outbox_enqueue(
            kind="documents.decision",
            payload={"decision_id": certificate.decision_id},
            dedupe_key=f"documents.decision:{certificate.decision_id}",
        )


def enqueue_audit_documents(audit_id: int) -> None:
    from core.outbox import outbox_enqueue

    for kind in ("documents.audit_report", "documents.findings_report"):
        outbox_enqueue(kind=kind, payload={"audit_id": audit_id}, dedupe_key=f"{kind}:{audit_id}")


def enqueue_generation(sender, instance: LogEntry, created: bool = False, raw: bool = False, **kw):
    if raw or not created:
        return
    if instance.transition not in CERTIFICATE_CREATING and instance.transition != REPORT_APPROVED:
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model is None:
        return
    if instance.transition == REPORT_APPROVED:
        if model._meta.label == "audits.Audit":
            enqueue_audit_documents(int(instance.object_id))
        return
    if model._meta.label != "certification.Certificate":
        return
    certificate = model.objects.filter(pk=instance.object_id).only("pk", "decision_id").first()
    if certificate is not None:
        enqueue_certificate_documents(certificate)
