"""Reactions to committed transitions that change a certificate's face: a grant or re-issue
(a new certificate, and its decision), a reinstatement or a restoration (a new edition of
the same certificate). Each enqueues the signing of a new PDF."""

import logging

from django.contrib.contenttypes.models import ContentType

from core.models import LogEntry

logger = logging.getLogger(__name__)

# Transitions after which a new certificate row exists (documents.receivers finds it).
CERTIFICATE_CREATING = frozenset({"grant", "reissue"})
# Transitions on a certificate after which its face reads differently.
FACE_CHANGING = frozenset({"reinstate", "restore"})


def enqueue_signing(sender, log_entry_id: int, **kwargs) -> None:
    """Connected to core.workflow.transition_committed (sent after commit). The tasks are
    idempotent on a key made of the certificate and the log entry, so a repeated signal signs
    nothing twice."""
    from certification.models import Certificate
    from documents.receivers import _new_certificate
    from signing import tasks

    entry = LogEntry.objects.filter(pk=log_entry_id).first()
    if entry is None:
        return
    if entry.transition in CERTIFICATE_CREATING:
        certificate = _new_certificate(entry)
        if certificate is None:
            return
        tasks.sign_certificate_pdf.delay(
            certificate.pk, f"certificate_pdf:{certificate.pk}:{entry.pk}", entry.transition
        )
        tasks.sign_decision_pdf.delay(certificate.decision_id)
        return
    if entry.transition in FACE_CHANGING:
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        if model is Certificate:
            pk = int(entry.object_id)
            tasks.sign_certificate_pdf.delay(
                pk, f"certificate_pdf:{pk}:{entry.pk}", entry.transition
            )
