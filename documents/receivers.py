"""Documents made after a change, through the outbox (core.outbox): a new certificate, or a
certificate whose face changed (restoration), gets its certificate and decision documents; an
approved audit report gets the audit report and findings report documents; a change of a
finding of a closed audit gets a new version of the findings report.

Connected (documents.apps) to `post_save` of core.LogEntry, so the outbox messages are written
in the same transaction as the change: the certification services log "issue" (grant),
"reissue" (scope extension) and "restore" on the certificate, and core.workflow.execute logs
the audit's "approve_report" and every transition of a finding. The documents are generated
after the commit by the outbox's delivery (a worker, or the `deliver_outbox` sweeper when the
broker was down); generation is idempotent (one document per `source_key`, which names the
certificate version and restoration, or the state of the findings).
"""

from django.contrib.contenttypes.models import ContentType

from core.models import LogEntry

# Log entries on a certificate after which its face (and decision) is new.
CERTIFICATE_FACE_CHANGING = frozenset({"issue", "reissue", "restore"})
# The audit transition after which its report is final.
REPORT_APPROVED = "approve_report"


def enqueue_certificate_documents(certificate, *, reason: str = "") -> None:
    """Outbox messages for the certificate's document and its decision's document. `reason`
    (e.g. the log entry) distinguishes a restoration from the first issue of the same row."""
    from core.outbox import outbox_enqueue

    suffix = f":{reason}" if reason else ""
    outbox_enqueue(
        kind="documents.certificate",
        payload={"certificate_id": certificate.pk},
        dedupe_key=f"documents.certificate:{certificate.pk}{suffix}",
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


def enqueue_findings_report(audit_id: int, *, reason: str) -> None:
    from core.outbox import outbox_enqueue

    kind = "documents.findings_report"
    outbox_enqueue(
        kind=kind, payload={"audit_id": audit_id}, dedupe_key=f"{kind}:{audit_id}:{reason}"
    )


def enqueue_generation(sender, instance: LogEntry, created: bool = False, raw: bool = False, **kw):
    if raw or not created:
        return
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model is None:
        return
    label = model._meta.label
    if instance.transition == REPORT_APPROVED:
        if label == "audits.Audit":
            enqueue_audit_documents(int(instance.object_id))
        return
    if label == "audits.Finding":
        # Once the report is approved, every change of a finding makes a new version of the
        # findings report.
        audit_id = (
            model.objects.filter(pk=instance.object_id, audit__state="closed")
            .values_list("audit_id", flat=True)
            .first()
        )
        if audit_id is not None:
            enqueue_findings_report(audit_id, reason=f"log{instance.pk}")
        return
    if label != "certification.Certificate" or instance.transition not in CERTIFICATE_FACE_CHANGING:
        return
    certificate = model.objects.filter(pk=instance.object_id).only("pk", "decision_id").first()
    if certificate is not None:
        reason = "" if instance.transition == "issue" else f"log{instance.pk}"
        enqueue_certificate_documents(certificate, reason=reason)
