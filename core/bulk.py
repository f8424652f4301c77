"""Bulk row writing for data generators (seed_scale): ids handed out in advance, rows sent with
PostgreSQL's COPY (or executemany elsewhere), sequences moved past the new ids afterwards.

Rows are dicts keyed by field attname; missing fields take the field's default (`auto_now`
and `auto_now_add` fields: now). Nothing here runs model `save()`, signals or validation: the
caller builds consistent rows.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections import defaultdict

from django.db import connection, models
from django.utils import timezone

FLUSH_EVERY = 20_000


class BulkWriter:
    """Collects rows per model and writes them in large batches (use inside one transaction)."""

    def __init__(self) -> None:
        self._rows: dict[type[models.Model], list[dict]] = defaultdict(list)
        self._next_id: dict[type[models.Model], int] = {}
        self._queued = 0
        self.counts: dict[str, int] = defaultdict(int)
        self._now = timezone.now()

    def next_id(self, model: type[models.Model]) -> int:
        if model not in self._next_id:
            top = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self._next_id[model] = top + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def add(self, model: type[models.Model], **row) -> int:
        """Queue one row; returns its primary key (given, or handed out now). Foreign keys
        are checked at commit (Django creates them deferred), so the order of rows within
        the caller's transaction does not matter."""
        pk_name = model._meta.pk.attname
        if row.get(pk_name) is None:
            row[pk_name] = self.next_id(model)
        self._rows[model].append(row)
        self._queued += 1
        if self._queued >= FLUSH_EVERY:
            self.flush()
        return row[pk_name]

    def flush(self) -> None:
        for model in list(self._rows):
            self._write(model)
        self._queued = 0

    def finish(self) -> None:
        self.flush()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in self._next_id:
                    table, pk = model._meta.db_table, model._meta.pk.column
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "
                        f"(SELECT COALESCE(MAX({pk}), 1) FROM {table}))"
                    )

    # --- writing ----------------------------------------------------------------------------

    def _write(self, model: type[models.Model]) -> None:
        rows = self._rows.pop(model, [])
        if not rows:
            return
        fields = model._meta.concrete_fields
        defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = lambda: self._now
            else:
                defaults[f.attname] = f.get_default
        columns = [f.column for f in fields]
        names = [f.attname for f in fields]
        table = model._meta.db_table
        postgres = connection.vendor == "postgresql"
        adapt = _adapt_pg if postgres else _adapt_sqlite
        data = [tuple(adapt(row[n] if n in row else defaults[n]()) for n in names) for row in rows]
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            if postgres:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for values in data:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", data)
        self.counts[model._meta.label] += len(rows)


def _adapt_pg(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _adapt_sqlite(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value
