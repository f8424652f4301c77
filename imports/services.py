"""Imports: the dry run (preview), the confirmation, and the import itself (in the worker).

    batch = import_preview(kind="certificates", upload=file, by=user, body=body)
    import_confirm(batch=batch, by=user)   # → queued; the worker runs import_run(batch_id=…)

The dry run reads the file, checks every row with the same validators and services the forms
use, and records what would be created, updated, left unchanged or refused (row, column,
reason). Nothing else is stored. The import checks every row again against the database as it
is then and stores all rows in one transaction, or none: a refused row (or any error) fails the
whole import. Importing the same file again finds every row unchanged and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.models import Organisation, Province
from core.models import Counter, User
from core.workflow import execute
from imports import reading
from imports.kinds import get_kind
from imports.kinds.base import CREATED, REFUSED, UNCHANGED, UPDATED, Context, RowResult
from imports.models import ImportBatch
from imports.rules import may_import_into

logger = logging.getLogger(__name__)


# --- number series --------------------------------------------------------------------------


def numbers_reserve(series: str, year: int, count: int) -> int:
    """Hand out `count` consecutive numbers of `series` in `year` at once (the counter row
    locked until the caller's transaction ends); returns the first."""
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(series=series, year=year)], ignore_conflicts=True)
        counter = Counter.objects.select_for_update().get(series=series, year=year)
        first = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
        return first


def counter_raise(series: str, year: int, value: int) -> None:
    """The next number of `series` in `year` comes after `value` (an imported number kept as
    it is): the counter never goes down."""
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(series=series, year=year)], ignore_conflicts=True)
        counter = Counter.objects.select_for_update().get(series=series, year=year)
        if counter.value < value:
            counter.value = value
            counter.save(update_fields=["value"])


# --- the dry run ----------------------------------------------------------------------------


def _scope_check(kind_code: str, by: User, body, jurisdiction):
    kind = get_kind(kind_code)
    if kind is None:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    scope = body if body is not None else jurisdiction
    if isinstance(scope, Organisation):
        scope_kind = "body"
    elif isinstance(scope, Province):
        scope_kind = "jurisdiction"
    else:
        raise ValidationError({"scope": _("Choose where to import.")})
    if not kind.allows(scope_kind) or not may_import_into(by, scope):
        raise PermissionDenied(
            _("Only an officer of the body or a regulator of the province may import here.")
        )
    return kind


def _summarise(results: list[RowResult]) -> dict[str, Any]:
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REFUSED: 0}
    for result in results:
        counts[result.action] += 1
    return {
        "created": counts[CREATED],
        "updated": counts[UPDATED],
        "unchanged": counts[UNCHANGED],
        "refused": counts[REFUSED],
        "report": [r.as_report() for r in results],
    }


def import_preview(
    *,
    kind: str,
    upload,
    by: User,
    body: Organisation | None = None,
    jurisdiction: Province | None = None,
) -> ImportBatch:
    """Read `upload` and check every row (the dry run). Returns the batch holding the report;
    no record of the kind is written.

    Raises PermissionDenied (not an officer of `body` / a regulator of `jurisdiction`, or a
    kind not imported there), reading.FileRefused (400/413/415: the file cannot be read) and
    ValidationError (unknown kind, no scope)."""
    import_kind = _scope_check(kind, by, body, jurisdiction)
    read = reading.read_upload(import_kind, upload)
    ctx = Context(
        by=by, body=body, jurisdiction=jurisdiction, file_name=read.name, sha256=read.sha256
    )
    results = import_kind.check(read.rows, ctx)
    summary = _summarise(results)
    batch = ImportBatch.objects.create(
        kind=kind,
        body=body,
        jurisdiction=jurisdiction,
        file_name=read.name,
        sha256=read.sha256,
        size=read.size,
        rows=read.rows,
        created_by=by,
        progress_total=len(read.rows),
        **summary,
    )
    return batch


# --- confirmation and the import ------------------------------------------------------------


def import_confirm(*, batch: ImportBatch, by: User) -> ImportBatch:
    """Confirm a checked import: it is queued for the worker (run at once without one).

    DomainError (409) when rows were refused or the batch is not waiting for confirmation;
    PermissionDenied (403) for anyone but an officer of the body / regulator of the province."""

    def prepare(locked: ImportBatch) -> list[str]:
        locked.confirmed_by = by
        return ["confirmed_by"]

    batch = execute(batch, "confirm", by=by, prepare=prepare)
    batch_id = batch.pk

    def queue() -> None:
        from imports.tasks import run_import

        try:
            run_import.delay(batch_id)
        except Exception:  # a broker outage: the batch stays queued (admin or a retry runs it)
            logger.warning("Import %s not queued", batch_id, exc_info=True)

    transaction.on_commit(queue)
    return batch


class _Progress:
    """Rows done so far, visible to the page while the import's transaction is still open:
    written through a connection of its own on PostgreSQL (another process reads it), to the
    row itself elsewhere only at the end."""

    def __init__(self, batch: ImportBatch, total: int) -> None:
        self.batch_id = batch.pk
        self.total = total
        self.done = 0
        self._last = 0
        self._side = None
        if connection.vendor == "postgresql":
            try:
                self._side = connections.create_connection("default")
            except Exception:  # progress is a nicety; never fail an import for it
                self._side = None
        self.write(force=True)

    def __call__(self, n: int) -> None:
        self.done += n
        if self.done - self._last >= max(50, self.total // 50):
            self.write()

    def write(self, force: bool = False) -> None:
        self._last = self.done
        if self._side is None:
            return
        try:
            with self._side.cursor() as cursor:
                cursor.execute(
                    "UPDATE imports_importbatch SET progress_done = %s, progress_total = %s "
                    "WHERE id = %s",
                    [min(self.done, self.total), self.total, self.batch_id],
                )
        except DatabaseError:
            logger.info("Import %s: progress not written", self.batch_id, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()


def import_run(*, batch_id: int) -> ImportBatch:
    """Run a confirmed import (the worker's task). Idempotent: a batch no longer queued is
    left as it is (a task delivered twice imports once).

    1. claim: queued → running (a transition; a second run finds it running or done);
    2. in ONE transaction: check every row again against the database as it is now; any
       refused row → roll back, the batch fails with the new report; else store every row;
    3. running → done (or failed), with the counts, logged on the batch."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.state != ImportBatch.State.QUEUED:
        return batch
    batch = execute(batch, "start", by=None)
    kind = get_kind(batch.kind)
    by = batch.confirmed_by or batch.created_by
    ctx = Context(
        by=by,
        body=batch.body,
        jurisdiction=batch.jurisdiction,
        file_name=batch.file_name,
        sha256=batch.sha256,
        batch_id=batch.pk,
    )
    progress = _Progress(batch, total=2 * len(batch.rows))
    summary: dict[str, Any] = {}
    failure = ""
    try:
        with transaction.atomic():
            if not may_import_into(by, batch.scope):
                raise PermissionDenied(_("The uploader may no longer import here."))
            results = kind.check(batch.rows, ctx)
            progress(len(batch.rows))
            summary = _summarise(results)
            if summary["refused"]:
                raise _Refused
            kind.apply(results, ctx, progress)
    except _Refused:
        failure = _("Rows were refused when importing: nothing was stored.")
    except (ValidationError, PermissionDenied, DatabaseError) as error:
        logger.warning("Import %s failed", batch.pk, exc_info=True)
        failure = _("The import failed and nothing was stored: %(error)s") % {
            "error": "; ".join(getattr(error, "messages", [str(error)]))[:500]
        }
    except Exception:  # an unexpected error: the batch must not stay "running" for ever
        logger.exception("Import %s failed", batch.pk)
        failure = _("The import failed and nothing was stored.")
    finally:
        progress.close()
    fields = {**summary} if summary else {}

    def prepare(locked: ImportBatch) -> list[str]:
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.error = failure
        locked.finished_at = timezone.now()
        locked.progress_done = locked.progress_total = progress.total
        return [*fields, "error", "finished_at", "progress_done", "progress_total"]

    data = {k: v for k, v in fields.items() if k != "report"}
    return execute(
        batch,
        "fail" if failure else "finish",
        by=None,
        comment=failure,
        data=data,
        prepare=prepare,
    )


class _Refused(Exception):
    pass
