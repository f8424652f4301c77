"""Every LogEntry that concerns someone becomes notifications, after its transaction commits.

One mechanism for all entries: a `post_save` receiver on LogEntry that records a
`notify.log_entry` outbox message (core.outbox) in the entry's own transaction; it is
delivered after the commit (by a worker, or by the `deliver_outbox` sweeper after a broker
outage). It covers transitions made through
`core.workflow.execute` and the actions services log without one (application create, appeal
and complaint lodged, certificate issued, team changes, findings raised…). It does not also
listen to `transition_committed`, which would deliver transitions twice. A rolled-back
transaction never commits (nor does its outbox message), so it notifies nobody.
"""

from core.models import LogEntry


def enqueue_notifications(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs):
    if raw or not created:
        return
    from core.outbox import outbox_enqueue
    from notifications.events import is_notifiable

    if not is_notifiable(instance):
        return
    outbox_enqueue(
        kind="notify.log_entry",
        payload={"log_entry_id": instance.pk},
        dedupe_key=f"notify.log_entry:{instance.pk}",
    )
