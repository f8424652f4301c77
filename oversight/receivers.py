"""Every change of a certificate queues its national-portal record.

Connected (oversight.apps) to `post_save` of core.LogEntry: the certification services log
"issue" and "reissue" when a certificate row is created, and core.workflow.execute logs every
transition (suspend, reinstate, withdraw, expire, supersede, restore). One receiver covers
both, so a change is never queued twice; entries that keep the state (surveillance done,
"replaced") are ignored. A `portal.queue` outbox message (core.outbox) is written in the
entry's own transaction; the record is built when it is delivered, after the commit, from the
certificate as committed.
"""

import logging

from django.contrib.contenttypes.models import ContentType

logger = logging.getLogger(__name__)


def queue_portal_record(sender, instance, created: bool = False, raw: bool = False, **kwargs):
    if raw or not created or instance.source_state == instance.target_state:
        return
    from certification.models import Certificate

    if instance.content_type_id != ContentType.objects.get_for_model(Certificate).pk:
        return
    from core.outbox import outbox_enqueue

    outbox_enqueue(
        kind="portal.queue",
        payload={"certificate_id": int(instance.object_id)},
        dedupe_key=f"portal.queue:{instance.pk}",
    )
