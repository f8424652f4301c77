"""Celery tasks of the documents app: generate the .docx documents of a decision.

Thin and idempotent: each task loads by id and calls a service that keys the document on a
`source_key`, so a retried or duplicated task never adds a second version.
"""

from celery import shared_task
from django.db import DatabaseError

_RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="documents.generate_certificate_document", **_RETRY)
def generate_certificate_document(certificate_id: int) -> int:
    """Make the certificate's .docx (once per certificate version); returns the document id.
    Running it again returns the same document."""
    from documents.services import document_generate_certificate

    return document_generate_certificate(certificate_id=certificate_id).pk


@shared_task(name="documents.generate_decision_document", **_RETRY)
def generate_decision_document(decision_id: int) -> int:
    """Make the certification decision's .docx (once per decision); returns the document id.
    Running it again returns the same document."""
    from documents.services import document_generate_decision

    return document_generate_decision(decision_id=decision_id).pk


@shared_task(name="documents.generate_audit_report_document", **_RETRY)
def generate_audit_report_document(audit_id: int) -> int:
    """Make the audit report's .docx (once per audit); returns the document id."""
    from documents.services import document_generate_audit_report

    return document_generate_audit_report(audit_id=audit_id).pk


@shared_task(name="documents.generate_findings_report_document", **_RETRY)
def generate_findings_report_document(audit_id: int) -> int:
    """Make the findings report's .docx (once per audit); returns the document id."""
    from documents.services import document_generate_findings_report

    return document_generate_findings_report(audit_id=audit_id).pk
