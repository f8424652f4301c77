from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from core.models import LogEntry
        from notifications.receivers import enqueue_notifications

        post_save.connect(
            enqueue_notifications, sender=LogEntry, dispatch_uid="notifications.log_entry"
        )
        from notifications.complainants import complainant_email_send, enqueue_complainant_email

        post_save.connect(
            enqueue_complainant_email,
            sender=LogEntry,
            dispatch_uid="notifications.complainant_email",
        )
        from core.outbox import register
        from notifications.events import notify_log_entry
        from notifications.services import notification_email_hand_off

        register("notify.log_entry", notify_log_entry)
        register("notify.email", notification_email_hand_off)
        register("notify.complainant", complainant_email_send)
