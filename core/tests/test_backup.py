"""Backups that restore (issue 11): the demo data, backed up with django-dbbackup, dropped, restored.

Everything runs as the commands an operator runs (``seed_demo``, ``dbbackup``, ``mediabackup``,
``dbrestore``, ``mediarestore``), in subprocesses, on a database of this test's own (never the test
database other tests use), with its own MEDIA_ROOT and BACKUP_DIR.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

RENDER_ONE = """
from certificates.rendering import certificate_for, render_certificate_document
from enrollment.models import Coverage
coverage = Coverage.objects.filter(status="active").exclude(kpj_number="").order_by("pk").first()
render_certificate_document(certificate_for("participation", coverage).pk)
"""


def _admin(sql, **db):
    with psycopg.connect(dbname="postgres", autocommit=True, **db) as admin:
        admin.execute(sql)


def _snapshot(dsn_kwargs, media_root: Path) -> dict:
    with psycopg.connect(**dsn_kwargs) as db:
        tables = [name for (name,) in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        counts = {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
        paid = db.execute("SELECT id, paid_amount, payment_reference FROM claims_claim WHERE status = 'paid' "
                          "ORDER BY id").fetchall()
        certificates = db.execute("SELECT code, checksum, file FROM enrollment_certificate WHERE checksum <> '' "
                                  "ORDER BY code").fetchall()
    files = {code: hashlib.sha256((media_root / name).read_bytes()).hexdigest() for code, _sum, name in certificates}
    return {"counts": counts, "paid": paid, "certificates": certificates, "files": files}


def test_the_demo_data_and_its_files_survive_a_backup_a_dropped_database_and_a_restore(tmp_path):
    db = connection.settings_dict
    name = f"{db['NAME']}_backup"[:63]
    server = {"user": db["USER"], "password": db["PASSWORD"] or None, "host": db["HOST"] or "127.0.0.1",
              "port": db["PORT"] or 5432}
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    media_root, backup_dir = tmp_path / "media", tmp_path / "backup"
    media_root.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}",
        "MEDIA_ROOT": str(media_root), "BACKUP_DIR": str(backup_dir), "DEMO_DATA_ALLOWED": "true",
        "REDIS_URL": "", "CACHE_URL": "locmemcache://", "CONN_MAX_AGE": "0",
    }

    def manage(*args):
        started = time.monotonic()
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
        return time.monotonic() - started

    def recreate_empty():
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', **server)
        _admin(f'CREATE DATABASE "{name}"', **server)

    recreate_empty()
    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("seed_demo", "--password", "demo-Kata-Sandi-1")
        manage("shell", "-c", RENDER_ONE)
        before = _snapshot({"dbname": name, **server}, media_root)
        assert before["counts"]["enrollment_worker"] > 3000 and len(before["paid"]) >= 2
        assert len(before["certificates"]) == 1 and before["files"][before["certificates"][0][0]] == before["certificates"][0][1]

        backup_seconds = manage("dbbackup", "--compress", "--noinput") + manage("mediabackup", "--compress", "--noinput")
        assert len(list(backup_dir.glob("*.psql.bin.gz"))) == 1 and len(list(backup_dir.glob("*.tar.gz"))) == 1

        recreate_empty()  # the database is lost...
        shutil.rmtree(media_root)  # ...and so is the media volume
        media_root.mkdir()

        restore_seconds = manage("dbrestore", "--noinput", "--uncompress") + manage(
            "mediarestore", "--noinput", "--uncompress", "--replace")
        after = _snapshot({"dbname": name, **server}, media_root)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', **server)

    print(f"\nbackup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s (each with its Django start-up)")
    assert after["counts"] == before["counts"]  # every table, row for row
    assert after["paid"] == before["paid"]  # the paid claims' amounts (2 × Rp42.000.000 and others)
    assert after["certificates"] == before["certificates"] and after["files"] == before["files"]


def test_the_nightly_backup_is_scheduled_and_keeps_a_bounded_number(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["nightly-backup"]
    assert schedule["task"] == "core.tasks.nightly_backup"
    assert settings.DBBACKUP_CLEANUP_KEEP >= 1 and settings.STORAGES["dbbackup"]["OPTIONS"]["location"]
