"""Reactions to committed transitions: a new certificate gets its certificate and decision
documents; an approved audit report gets the audit report and findings report documents."""

import logging

from django.contrib.contenttypes.models import ContentType

from core.models import LogEntry

logger = logging.getLogger(__name__)

# Transitions after which a new certificate row exists.
CERTIFICATE_CREATING = frozenset({"grant", "reissue"})
# The audit transition after which its report is final.
REPORT_APPROVED = "approve_report"


def _new_certificate(entry: LogEntry):
    """The certificate a grant or re-issue created: named in the entry's data when the
    service put it there, else the newest certificate of the application (grant) or of the
    certificate's base number (re-issue logged on a certificate)."""
    from certification.models import Application, Certificate

    certificates = Certificate.objects.order_by("-version", "-id")
    named = entry.data.get("certificate_id") or entry.data.get("certificate")
    if str(named or "").isdigit():
        return certificates.filter(pk=int(named)).first()
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    if model is Application:
        # The certificate this application's decision issued, re-issued or restored.
        return certificates.filter(decision__application_id=entry.object_id).first()
    if model is Certificate:
        base = certificates.filter(pk=entry.object_id).values("base_number")
        return certificates.filter(base_number__in=base).first()
    return None


def enqueue_generation(sender, log_entry_id: int, **kwargs) -> None:
    """Connected to core.workflow.transition_committed (sent after commit): on a grant or a
    re-issue, enqueue the certificate and decision documents; on an audit's approve_report,
    the audit and findings reports; on a change of a finding of a closed audit, a new version
    of the findings report. The tasks are idempotent, so a repeated signal costs
    nothing."""
    from documents import tasks

    entry = LogEntry.objects.filter(pk=log_entry_id).first()
    if entry is None:
        return
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
    label = model._meta.label if model is not None else ""
    if entry.transition == REPORT_APPROVED:
        if label == "audits.Audit":
            tasks.generate_audit_report_document.delay(int(entry.object_id))
            tasks.generate_findings_report_document.delay(int(entry.object_id))
        return
    if label == "audits.Finding":
        # Once the report is approved, every change of a finding makes a new version of the
        # findings report.
        audit_id = (
            model.objects.filter(pk=entry.object_id, audit__state="closed")
            .values_list("audit_id", flat=True)
            .first()
        )
        if audit_id is not None:
            tasks.generate_findings_report_document.delay(audit_id)
        return
    if entry.transition not in CERTIFICATE_CREATING:
        return
    certificate = _new_certificate(entry)
    if certificate is None:
        logger.warning("No certificate found after %s (log entry %s)", entry.transition, entry.pk)
        return
    tasks.generate_certificate_document.delay(certificate.pk)
    tasks.generate_decision_document.delay(certificate.decision_id)
