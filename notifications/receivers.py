"""Every LogEntry that concerns someone becomes notifications, after its transaction commits.

One mechanism for all entries: a `post_save` receiver on LogEntry that enqueues
`notify_log_entry` with `transaction.on_commit`. It covers transitions made through
`core.workflow.execute` and the actions services log without one (application create, appeal
and complaint lodged, certificate issued, team changes, findings raised…). It does not also
listen to `transition_committed`, which would deliver transitions twice. A rolled-back
transaction never commits, so it notifies nobody.
"""

from functools import partial

from django.db import transaction

from core.models import LogEntry


def enqueue_notifications(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs):
    if raw or not created:
        return
    from notifications.events import is_notifiable
    from notifications.tasks import notify_log_entry

    if not is_notifiable(instance):
        return
    # robust: a failure to enqueue (broker down) is logged and never undoes the committed change.
    transaction.on_commit(partial(notify_log_entry.delay, instance.pk), robust=True)
