"""A worker killed with SIGKILL in the middle of an import commit (issue 11).

The commit is caught at a known point inside its transaction: the test holds the audit table, so
the commit has locked the program and written the workers, heirs and coverage, and waits for its
audit rows. The whole worker is then killed. Nothing it wrote may remain, and once a worker runs
again (the sweeper sends the commit again; the first message is still unacknowledged in Redis)
the import is written exactly once.
"""

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.faults import PrivateRedis, PrivateWorker, broker, database_url, wait_until
from enrollment import import_batches
from enrollment.models import Coverage, Heir, ImportBatch, Worker

from demo.builders import person, simple_file


def _commit_waiting_for_the_audit_table(watcher):
    """The worker's session: it has written (has a transaction id) and waits for a lock."""
    return watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    ).fetchone()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_an_import_commit_leaves_nothing_and_the_import_completes_once_after_restart(
        funding, official, tmp_path, settings):
    people = [person(n) for n in range(15)]
    path = simple_file(tmp_path / "desa.xlsx", people)
    redis = PrivateRedis(tmp_path / "redis").start()
    worker = PrivateWorker(tmp_path / "worker", redis.url, settings.MEDIA_ROOT)
    try:
        with broker(redis.url):
            worker.start()
            with open(path, "rb") as handle:
                upload = SimpleUploadedFile("desa.xlsx", handle.read())
            batch = import_batches.create_batch(kind=ImportBatch.Kind.WORKERS, upload=upload, by=official, funding=funding)
            wait_until(lambda: ImportBatch.objects.filter(pk=batch.pk, status="checked").exists(), timeout=90,
                       what="the check")

            with psycopg.connect(database_url()) as blocker, psycopg.connect(database_url(), autocommit=True) as watcher:
                blocker.execute("LOCK TABLE core_auditevent IN EXCLUSIVE MODE")
                assert import_batches.confirm_batch(batch, skip_invalid=False, by=official)
                wait_until(lambda: _commit_waiting_for_the_audit_table(watcher), timeout=60, interval=0.02,
                           what="the commit to be inside its transaction")
                worker.kill()
                blocker.rollback()

            batch.refresh_from_db()
            assert batch.status == "committing"
            assert (Worker.objects.count(), Heir.objects.count(), Coverage.objects.count()) == (0, 0, 0)

            worker.start()  # the same worker, started again after the crash
            wait_until(lambda: ImportBatch.objects.filter(pk=batch.pk, status="committed").exists(), timeout=90,
                       what="the commit after the restart")
    finally:
        worker.stop()
        redis.stop()

    batch.refresh_from_db()
    assert batch.result["created"] == 15 and batch.result["committed"]
    assert sorted(Worker.objects.values_list("nik", flat=True)) == sorted(p["NIK"] for p in people)
    assert Coverage.objects.filter(funding_source=funding).count() == 15
