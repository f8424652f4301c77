from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signatures")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import LogEntry
        from core.outbox import register
        from signing import tasks
        from signing.receivers import enqueue_signing

        post_save.connect(enqueue_signing, sender=LogEntry, dispatch_uid="signing.signed_pdfs")
        register("signing.certificate", tasks.sign_certificate)
        register("signing.decision", tasks.sign_decision)
