"""Writes shared by every app."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from core.models import Counter, LogEntry, User

_SECRET_MARKERS = ("password", "secret", "token", "key")


def _mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: "***" if any(m in str(k).lower() for m in _SECRET_MARKERS) else _mask(v)
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [_mask(v) for v in data]
    return data


def log_transition(
    obj: models.Model,
    transition: str,
    *,
    by: User | None,
    previous: str = "",
    target: str | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> LogEntry:
    """Append one entry to `obj`'s history, in the caller's transaction.

    `previous` is the state before the change; `target` defaults to `obj.state` when the
    object has one. `by=None` records an action of the system. Values in `data` whose key
    looks secret (password, token, key…) are masked before storing.
    """
    if target is None:
        target = str(getattr(obj, "state", "") or "")
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        transition=transition,
        source_state=previous or "",
        target_state=target,
        actor=by,
        actor_name=(by.get_full_name() if by is not None else "system")[:200],
        comment=comment or "",
        data=_mask(data or {}),
    )


def history_of(obj: models.Model):
    """The object's log entries, oldest first, with actor and content type loaded (one query)."""
    return (
        LogEntry.objects.for_object(obj)
        .select_related("actor", "content_type")
        .order_by("created_at", "id")
    )


def next_number(series: str, year: int) -> int:
    """The next number of `series` in `year`, gap-free: the counter row is locked until the
    caller's transaction ends, so a rolled-back caller gives its number back."""
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(series=series, year=year)], ignore_conflicts=True)
        counter = Counter.objects.select_for_update().get(series=series, year=year)
        counter.value += 1
        counter.save(update_fields=["value"])
        return counter.value
