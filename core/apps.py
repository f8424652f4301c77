from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import pre_save

        from core.limits import enforce_text_lengths

        # Over-long free text is refused on every path (see core.limits).
        pre_save.connect(enforce_text_lengths, dispatch_uid="core.enforce_text_lengths")

        from django.contrib.auth.signals import user_logged_in

        from core.middleware_two_factor import mark_session

        # What a new session owes for two-factor sign-in (core.two_factor).
        user_logged_in.connect(mark_session, dispatch_uid="core.two_factor_mark_session")
