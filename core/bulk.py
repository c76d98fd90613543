"""Writing many rows at once: PostgreSQL COPY, with primary keys reserved from the table's sequence.

``bulk_create`` writes ~35,000 rows/s here and COPY ~205,000 (../shared/stack.md). An Excel import
of 100,000 workers writes about 700,000 rows (workers, their occupations and heirs, coverage and
the audit trail), so the import uses COPY. Reserving the ids first lets the rows that point to
each other (heir -> worker, audit -> coverage) be written without reading anything back.

Other databases (the SQLite demo of ``make run``) get the same rows through ``bulk_create``.
"""

import contextlib
import gc
import json

from django.db import connection


@contextlib.contextmanager
def paused_gc():
    """Python's cyclic garbage collector off for a bulk job (reference counting still frees everything else).

    An import keeps a few hundred thousand objects alive until it ends (cells, candidates, audit
    rows) and makes no cycles worth collecting; meanwhile the collector would walk all of them again
    and again as they pile up: about 1 s of CPU of a 100,000-row import. It runs once at the end.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rendered(value):
    """A value written in every row of a COPY (a timestamp, a period's dates), rendered to text once.

    psycopg renders a datetime anew for each row, ~1 µs each (an import writes ``now`` 900,000
    times); PostgreSQL reads the ISO text into the same value. Other databases get the value.
    """
    return value.isoformat() if is_postgresql() and hasattr(value, "isoformat") else value


class RawJson(str):
    """JSON already serialised (one text shared by many rows is dumped once, not per row)."""


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new primary keys for ``model``, taken from its sequence (never reused).

    On SQLite (demo only) the ids follow the current maximum; SQLite lets one writer at a time
    into the database, and the import writes right after reserving.
    """
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if is_postgresql():
            # The sequence is looked up once (a sub-select), not once per id: 100,000 ids in ~0.05 s, not ~0.5 s.
            cursor.execute(
                "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 (names from _meta)
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


def insert_rows(model, fields: list[str], rows) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``, attribute names such as ``desa_id``).

    Values are Python values (str, int, bool, Decimal, date, aware datetime, dict for JSON
    fields). Returns the number of rows written.
    """
    model_fields = [_field(model, name) for name in fields]
    json_positions = [i for i, field in enumerate(model_fields) if field.get_internal_type() == "JSONField"]
    count = 0
    if is_postgresql():
        columns = ", ".join(connection.ops.quote_name(field.column) for field in model_fields)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        # The raw cursor's COPY bypasses Django's error wrapping: wrap it so callers see IntegrityError.
        with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                for i in json_positions:
                    if not isinstance(row[i], RawJson):  # already serialised (the import's audit rows): as is
                        row = list(row)
                        row[i] = json.dumps(row[i], cls=model_fields[i].encoder)
                copy.write_row(row)
                count += 1
        return count
    batch = []
    for row in rows:
        values = dict(zip(fields, row))
        for i in json_positions:
            if isinstance(row[i], RawJson):
                values[fields[i]] = json.loads(row[i])
        batch.append(model(**values))
        if len(batch) >= 1000:
            count += len(model.objects.bulk_create(batch))
            batch = []
    if batch:
        count += len(model.objects.bulk_create(batch))
    return count


def _field(model, name):
    for field in model._meta.concrete_fields:
        if field.attname == name or field.name == name:
            return field
    raise LookupError(f"{model.__name__} has no field {name}")
