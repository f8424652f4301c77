from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "signing"
    verbose_name = _("Digital signatures")

    def ready(self) -> None:
        from core.workflow import transition_committed
        from signing.receivers import enqueue_signing

        transition_committed.connect(enqueue_signing, dispatch_uid="signing.signed_pdfs")
