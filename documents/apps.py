from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import LogEntry
        from core.outbox import register
        from documents import services
        from documents.receivers import enqueue_generation

        post_save.connect(enqueue_generation, sender=LogEntry, dispatch_uid="documents.generation")
        register("documents.certificate", services.document_generate_certificate)
        register("documents.decision", services.document_generate_decision)
        register("documents.audit_report", services.document_generate_audit_report)
        register("documents.findings_report", services.document_generate_findings_report)
