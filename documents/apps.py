from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from core.workflow import transition_committed
        from documents.receivers import enqueue_generation

        transition_committed.connect(enqueue_generation, dispatch_uid="documents.generation")
