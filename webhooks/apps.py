from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import LogEntry
        from core.outbox import register
        from webhooks.receivers import certificate_logged
        from webhooks.services import OUTBOX_KIND, deliver_from_outbox

        register(OUTBOX_KIND, deliver_from_outbox)

        # Every certificate change writes a LogEntry on the certificate (issue and re-issue by
        # the certification services, every transition by core.workflow.execute): one
        # receiver, inside the transaction that made the change, sees them all.
        post_save.connect(certificate_logged, sender=LogEntry, dispatch_uid="webhooks.events")
