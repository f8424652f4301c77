"""Every change of a certificate queues its national-portal record.

Connected (oversight.apps) to `post_save` of core.LogEntry: the certification services log
"issue" and "reissue" when a certificate row is created, and core.workflow.execute logs every
transition (suspend, reinstate, withdraw, expire, supersede, restore). One receiver covers
both, so a change is never queued twice; entries that keep the state (surveillance done,
"replaced") are ignored. The record is built after the transaction commits, from the
certificate as committed.
"""

import logging
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

logger = logging.getLogger(__name__)


def _queue(certificate_id: int) -> None:
    from oversight.services import portal_record_queue

    portal_record_queue(certificate_id=certificate_id)


def queue_portal_record(sender, instance, created: bool = False, raw: bool = False, **kwargs):
    if raw or not created or instance.source_state == instance.target_state:
        return
    from certification.models import Certificate

    if instance.content_type_id != ContentType.objects.get_for_model(Certificate).pk:
        return
    transaction.on_commit(partial(_queue, int(instance.object_id)), robust=True)
