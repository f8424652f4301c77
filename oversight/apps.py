from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Regulator oversight")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import LogEntry
        from oversight.receivers import queue_portal_record

        # One mechanism for every certificate change: issue and re-issue (logged by the
        # certification services without a workflow signal) and every workflow transition
        # (logged by core.workflow.execute) all write a LogEntry on the certificate.
        post_save.connect(queue_portal_record, sender=LogEntry, dispatch_uid="oversight.portal")

        from core.outbox import register
        from oversight.services import portal_record_hand_off, portal_record_queue

        register("portal.queue", portal_record_queue)
        register("portal.push", portal_record_hand_off)
