"""Working offline: the services a device's local queue talks to.

- `checklist_sync`: a batch of answers, each under an idempotency key and with the version of
  the server's answer it was based on, saved in a fixed number of queries (≤ 15 whatever the
  number of answers). A key seen before stores nothing again. An answer based on an older
  version than the server's, and different from it, is a conflict: the server keeps its
  answer, records the device's beside it, and the lead chooses.
- `checklist_changes`: what changed since version N (the delta a device pulls).
- `sync_device_report`: a device says how many changes still wait in its queue; the report
  cannot be submitted while any device of the audit reports some (or a conflict is open).
- `answer_conflict_resolve`: the lead keeps the server's answer or takes the device's.

The rule for conflicts is in README ("Làm việc ngoại tuyến / Working offline").
"""

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Audit
from checklists.models import (
    AnswerConflict,
    AuditChecklist,
    ChecklistAnswer,
    ChecklistItem,
    SyncDevice,
    SyncReceipt,
)
from checklists.services import (
    _clean_answers,
    _item_id,
    _next_version,
    _write_answers,
    lock_audit_for_answers,
)
from core.exceptions import DomainError
from core.models import User
from core.workflow import execute

MAX_BATCH = 500
# A device's "last seen" is brought up to date at most this often when nothing else changed.
DEVICE_SEEN_WITHIN = datetime.timedelta(minutes=1)


@dataclass
class ChangeOutcome:
    """What happened to one change of a batch."""

    key: str
    item: int | None
    status: str  # saved | conflict | rejected
    version: int = 0
    duplicate: bool = False
    conflict: int | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class SyncOutcome:
    version: int
    results: list[ChangeOutcome]
    answers: list[ChecklistAnswer]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _base_version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _locked_audit(audit: Audit) -> Audit:
    return (
        Audit.objects.select_for_update(of=("self",))
        .select_related(
            "application__scheme",
            "application__body",
            "certificate__scheme",
            "certificate__body",
            "checklist",
        )
        .get(pk=audit.pk)
    )


def _record_device(audit: Audit, device: uuid.UUID | None, pending: int, by: User, label: str):
    if device is None:
        return
    SyncDevice.objects.bulk_create(
        [
            SyncDevice(
                audit=audit,
                device_id=device,
                user=by,
                pending=pending,
                label=label[:200],
                last_seen=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["audit", "device_id"],
        update_fields=["user", "pending", "label", "last_seen"],
    )


@transaction.atomic
def checklist_sync(
    *,
    audit: Audit,
    changes: list[dict[str, Any]],
    by: User,
    device: uuid.UUID | str | None = None,
    pending: int = 0,
    label: str = "",
    within: QuerySet[Audit] | None = None,
) -> SyncOutcome:
    """Save a batch of answers from a device's queue. Each change is
    `{"key": uuid, "item": id, "result": …, "note": …, "evidence": …, "base_version": n}`,
    where `base_version` is the version of the server's answer the device last saw (0 when
    it saw none). `pending` is how many changes remain in the device's queue besides these.

    Per change: a key already received returns what happened then (nothing stored again);
    an invalid change is `rejected` with its errors (the others are saved); a change based
    on an older version whose answer differs from the server's is a `conflict` (the server's
    answer stays; the lead chooses); else `saved`. A fixed number of queries whatever the
    number of changes.

    The device's record (what it still holds, when it was last seen) is written when it
    changed or is older than DEVICE_SEEN_WITHIN. `audit` may be an id with `within` (see
    lock_audit_for_answers). One synced answer: ten queries with the request's own.

    Raises DomainError `audit_not_in_progress` (409), PermissionDenied unless `by` works on
    the audit's team, ValidationError for a batch that is not a list of changes with keys.
    """
    # Read before the lock, judged after it (the state and the team come first): the keys,
    # and the device id. The lock also tells whether any key was received before and whether
    # the device's record is already current, so a usual batch skips both reads.
    given = changes if isinstance(changes, list | tuple) else []
    # Each change's key (None when it has none), read once; refused after the lock.
    read_keys = [
        _uuid(change.get("key")) if isinstance(change, dict) else None
        for change in given[: MAX_BATCH + 1]
    ]
    early_keys = [key for key in read_keys if key is not None]
    device_id = _uuid(device) if device not in (None, "") else None
    annotations = {
        "known_keys": Exists(SyncReceipt.objects.filter(key__in=early_keys))
        if early_keys
        else Value(False),
        "device_current": Exists(
            SyncDevice.objects.filter(
                audit_id=OuterRef("pk"),
                device_id=device_id,
                user_id=by.pk,
                pending=max(0, int(pending or 0)),
                label=label[:200],
                last_seen__gte=timezone.now() - DEVICE_SEEN_WITHIN,
            )
        )
        if device_id is not None
        else Value(False),
    }
    audit = lock_audit_for_answers(audit, by, within=within, **annotations)
    if device not in (None, "") and device_id is None:
        raise ValidationError({"device": _("The device id must be a UUID.")}, code="invalid")
    if not isinstance(changes, list | tuple):
        raise ValidationError(_("Send a list of changes."), code="invalid")
    if len(changes) > MAX_BATCH:
        raise ValidationError(
            _("Send at most %(n)d changes at once.") % {"n": MAX_BATCH}, code="too_many"
        )
    for position, key in enumerate(read_keys, start=1):
        if key is None:
            raise ValidationError(
                _("Change %(n)d has no idempotency key (a UUID).") % {"n": position},
                code="key_missing",
            )
    keys: list[uuid.UUID] = early_keys
    if len(set(keys)) != len(keys):
        raise ValidationError(_("An idempotency key is used twice in the batch."), code="dup_key")
    try:
        pin = audit.checklist
    except AuditChecklist.DoesNotExist:
        from checklists.services import checklist_pin

        pin = checklist_pin(audit=audit, by=by)

    results: dict[uuid.UUID, ChangeOutcome] = {}
    # 1. Keys received before: answer from their receipts.
    for receipt in SyncReceipt.objects.filter(key__in=keys) if audit.known_keys else ():
        results[receipt.key] = ChangeOutcome(
            key=str(receipt.key),
            item=receipt.item_id,
            status=receipt.outcome,
            version=receipt.version,
            duplicate=True,
            conflict=receipt.conflict_id,
        )
    fresh = [(k, c) for k, c in zip(keys, changes, strict=True) if k not in results]

    # 2. Validate the fresh changes (the same rules as every other way of answering).
    ids = {_item_id(c) for _k, c in fresh} - {None}
    # The items with the server's current answer of each (one query, a LEFT JOIN).
    items = (
        {
            item.pk: item
            for item in ChecklistItem.objects.filter(pk__in=ids)
            .annotate(now=FilteredRelation("answers", condition=Q(answers__audit_id=audit.pk)))
            .annotate(
                now_id=F("now__id"),
                now_version=F("now__version"),
                now_result=F("now__result"),
                now_note=F("now__note"),
                now_by=F("now__answered_by_id"),
                now_finding=F("now__finding_id"),
            )
        }
        if ids
        else {}
    )
    valid: list[tuple[uuid.UUID, dict, tuple]] = []
    for key, change in fresh:
        rows, errors = _clean_answers([change], items, audit, pin.template_id)
        base = _base_version(change.get("base_version", 0))
        if base is None:
            errors.setdefault("base_version", []).append(
                ValidationError(_("base_version must be a whole number ≥ 0."))
            )
        if errors:
            messages = [m for errs in errors.values() for e in errs for m in e.messages]
            results[key] = ChangeOutcome(str(key), _item_id(change), "rejected", errors=messages)
            continue
        valid.append((key, change, rows[0]))
    by_item: dict[int, list] = {}
    for entry in valid:
        by_item.setdefault(entry[2][0].pk, []).append(entry)
    for entries in by_item.values():
        for key, change, _row in entries[:-1]:  # the last change of an item wins in a batch
            results[key] = ChangeOutcome(
                str(key),
                _item_id(change),
                "rejected",
                errors=[_("A later change of the same item in this batch replaces it.")],
            )
    valid = [entries[-1] for entries in by_item.values()]

    # 3. Compare with the server's answers: accept, or keep both as a conflict.
    current = {
        item.pk: {
            "version": item.now_version,
            "result": item.now_result,
            "note": item.now_note,
            "answered_by_id": item.now_by,
            "finding_id": item.now_finding,
        }
        for item in items.values()
        if item.now_id is not None
    }
    accepted, conflicts = [], []
    for key, change, row in valid:
        item, result, note, _evidence = row
        server = current.get(item.pk)
        base = _base_version(change.get("base_version", 0))
        same = server is not None and (server["result"], server["note"]) == (result, note)
        if server is not None and server["version"] > base and not same:
            conflicts.append((key, change, row, server))
        elif same:
            results[key] = ChangeOutcome(str(key), item.pk, "saved", version=server["version"])
        else:
            accepted.append((key, row))

    version = pin.sync_version
    if accepted or conflicts:
        version = _next_version(audit, pin)
    answers = _write_answers(
        audit,
        [row for _k, row in accepted],
        by=by,
        version=version,
        linked={i: a["finding_id"] for i, a in current.items()},
    )
    for key, row in accepted:
        results[key] = ChangeOutcome(str(key), row[0].pk, "saved", version=version)
    now = timezone.now()
    made = (
        AnswerConflict.objects.bulk_create(
            AnswerConflict(
                audit=audit,
                item=row[0],
                result=row[1],
                note=row[2],
                evidence=row[3],
                answered_by=by,
                answered_at=now,
                device_id=device_id,
                base_version=_base_version(change.get("base_version", 0)),
                server_version=server["version"],
                server_result=server["result"],
                server_note=server["note"],
                server_answered_by_id=server["answered_by_id"],
            )
            for key, change, row, server in conflicts
        )
        if conflicts
        else []
    )
    for (key, _change, row, _server), conflict in zip(conflicts, made, strict=True):
        results[key] = ChangeOutcome(
            str(key), row[0].pk, "conflict", version=version, conflict=conflict.pk
        )

    # 4. Receipts of everything stored, so that sending it again stores nothing.
    receipts = [
        SyncReceipt(
            key=uuid.UUID(o.key),
            audit=audit,
            item_id=o.item,
            user=by,
            outcome=o.status,
            version=o.version,
            conflict_id=o.conflict,
        )
        for o in results.values()
        if o.status in ("saved", "conflict") and not o.duplicate
    ]
    if receipts:
        SyncReceipt.objects.bulk_create(receipts)
    if not audit.device_current:
        _record_device(audit, device_id, max(0, int(pending or 0)), by, label)
    return SyncOutcome(version=version, results=[results[k] for k in keys], answers=list(answers))


def checklist_changes(*, audit: Audit, since: int = 0) -> dict[str, Any]:
    """The delta a device pulls: the audit's current sync version, the answers changed after
    version `since`, and the open conflicts (the caller has checked that the user may see
    the audit). Three queries."""
    pin = AuditChecklist.objects.filter(audit_id=audit.pk).only("sync_version").first()
    answers = list(
        ChecklistAnswer.objects.filter(audit_id=audit.pk, version__gt=since)
        .select_related("answered_by", "item")
        .order_by("version", "item__position")
    )
    conflicts = list(
        AnswerConflict.objects.filter(audit_id=audit.pk, state=AnswerConflict.State.OPEN)
        .select_related("item", "answered_by")
        .order_by("item__position", "created_at")
    )
    return {
        "audit": audit.pk,
        "version": pin.sync_version if pin else 0,
        "since": since,
        "answers": answers,
        "conflicts": conflicts,
    }


@transaction.atomic
def sync_device_report(
    *, audit: Audit, device: uuid.UUID | str, pending: int, by: User, label: str = ""
) -> SyncDevice:
    """A device of a team member reports how many changes of the audit wait in its queue
    (answers and photos). Raises PermissionDenied unless `by` is on the audit's team (an
    observer's device may report too: it may hold nothing); ValidationError for a device id
    that is not a UUID or a negative count."""
    from audits.rules import team_role

    if team_role(audit, by) is None:
        raise PermissionDenied(_("You are not on the team of this audit."))
    device_id = _uuid(device)
    if device_id is None:
        raise ValidationError({"device": _("The device id must be a UUID.")}, code="invalid")
    if isinstance(pending, bool) or not isinstance(pending, int) or pending < 0:
        raise ValidationError({"pending": _("A whole number ≥ 0.")}, code="invalid")
    _record_device(audit, device_id, pending, by, label)
    return SyncDevice.objects.get(audit=audit, device_id=device_id)


def answer_conflict_resolve(
    *, conflict: AnswerConflict, choice: str, by: User, comment: str = ""
) -> AnswerConflict:
    """The lead resolves a conflict: `keep` the server's answer (the device's stays on record
    in the conflict), or `take` the device's answer (saved as a new version of the item's
    answer, by the device's author). Logged on the conflict.

    Raises ValidationError for another choice, DomainError (409) when the conflict is already
    resolved or the audit is no longer in progress (for `take`), PermissionDenied unless `by`
    leads the audit."""
    names = {"keep": "keep_server", "take": "take_device"}
    if choice not in names:
        raise ValidationError({"choice": _("Choose “keep” or “take”.")}, code="invalid")

    def prepare(locked: AnswerConflict) -> list[str]:
        locked.resolved_by = by
        locked.resolved_at = timezone.now()
        return ["resolved_by", "resolved_at"]

    def after(locked: AnswerConflict, entry) -> None:
        if choice != "take":
            return
        audit = _locked_audit(locked.audit)
        if audit.state != Audit.State.IN_PROGRESS:
            raise DomainError(
                _("Checklist answers are saved while the audit is in progress."),
                code="audit_not_in_progress",
            )
        item = ChecklistItem.objects.get(pk=locked.item_id)
        _write_answers(
            audit,
            [(item, locked.result, locked.note, locked.evidence)],
            by=locked.answered_by,
            version=_next_version(audit, audit.checklist),
        )

    return execute(
        conflict,
        names[choice],
        by=by,
        comment=comment,
        data={"item": conflict.item_id, "result": conflict.result},
        prepare=prepare,
        after=after,
    )


def sync_blockers(audit: Audit) -> tuple[int, int]:
    """(changes waiting on the team's devices, open conflicts) of an audit (two queries)."""
    from django.db.models import Sum

    waiting = (
        SyncDevice.objects.filter(audit_id=audit.pk, pending__gt=0).aggregate(n=Sum("pending"))["n"]
        or 0
    )
    open_conflicts = AnswerConflict.objects.filter(
        Q(audit_id=audit.pk) & Q(state=AnswerConflict.State.OPEN)
    ).count()
    return waiting, open_conflicts
