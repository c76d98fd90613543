"""Cheaper indexes for the Excel import's writes, on PostgreSQL (issue 13).

- NIK and KPJ numbers are digits, looked up by equality: they compare byte by byte (COLLATE "C")
  instead of through the database locale's strcoll, in their indexes and lookups alike. Equality
  and the order of digit strings are the same in every collation; the indexes are rebuilt.
- The workers' occupations had two indexes starting with worker_id: Django's own for the foreign
  key and the unique (worker_id, occupation_id), which answers the same lookups. The first is
  dropped: 115,000 fewer index entries written per 100,000 imported workers.

SQLite (the demo of ``make run``) compares bytes already and keeps its indexes.
"""

from django.db import migrations

COLUMNS = [("enrollment_worker", "nik", 16), ("enrollment_coverage", "kpj_number", 20),
           ("enrollment_externalcoverage", "nik", 16)]
OCCUPATIONS = "enrollment_worker_occupations"
REDUNDANT_INDEX = "enrollment_worker_occupations_worker_id_e6f71d5b"  # Django's name for the FK's index


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, length in COLUMNS:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')
        cursor.execute(f"DROP INDEX IF EXISTS {REDUNDANT_INDEX}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, length in COLUMNS:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"')
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {REDUNDANT_INDEX} ON {OCCUPATIONS} (worker_id)")


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0012_submissions_updated_at"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
