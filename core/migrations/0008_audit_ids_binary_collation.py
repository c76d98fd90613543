"""The audit rows' object and parent ids compare byte by byte (COLLATE "C"), on PostgreSQL (issue 13).

They hold primary keys written as text ("1234"), looked up by equality. Under the database's
locale collation (C.UTF-8 here, en_US.utf8 in the postgres image) every comparison in their two
indexes goes through strcoll; an Excel import of 100,000 workers writes 300,000 audit rows into
both indexes: ~0.7 s of PostgreSQL per import, measured. Equality is the same in every
deterministic collation, so no lookup changes; the indexes are rebuilt, the table is not.
SQLite (the demo of ``make run``) has no such collation and compares bytes already.
"""

from django.db import migrations

COLUMNS = [("core_auditevent", "object_id", 64), ("core_auditevent", "parent_id", 64)]


def collate(name):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table, column, length in COLUMNS:
                cursor.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "{name}"')
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_audit_types_without_db_constraint"),
    ]

    operations = [migrations.RunPython(collate("C"), collate("default"))]
