"""Certificate events for webhooks, from the certificate's log.

Connected (webhooks.apps) to `post_save` of core.LogEntry: issue and re-issue (logged by the
certification services) and every transition (logged by core.workflow.execute) write a
LogEntry on the certificate in the transaction that makes the change, so the deliveries are
recorded in that same transaction (and sent only if it commits)."""

from django.contrib.contenttypes.models import ContentType


def certificate_logged(sender, instance, created: bool = False, raw: bool = False, **kwargs):
    if raw or not created:
        return
    from certification.models import Certificate
    from webhooks.models import EVENT_OF_TRANSITION
    from webhooks.services import webhook_events_enqueue

    event = EVENT_OF_TRANSITION.get(instance.transition)
    if event is None:
        return
    if instance.content_type_id != ContentType.objects.get_for_model(Certificate).pk:
        return
    certificate = Certificate.objects.filter(pk=int(instance.object_id)).first()
    if certificate is not None:
        webhook_events_enqueue(certificate=certificate, event=event)
