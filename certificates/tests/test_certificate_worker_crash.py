"""A real Celery worker (2 prefork processes) killed with SIGKILL in the middle of a batch.

The in-process ``celery_worker`` fixture cannot be killed, so this test starts ``celery worker``
as a subprocess on the test database, on a queue of its own (the in-process worker, if running,
never sees these tasks), kills its whole process group, starts it again and checks that the
batch completes with each certificate exactly once.
"""

import os
import signal
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Count

from certificates import batches
from certificates.models import Certificate, CertificateBatch, CertificateBatchItem

from demo.builders import make_active_coverage, pdf_pages, wait_for

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3


def _database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(queue, media_root, log_path, name):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
        "MEDIA_ROOT": str(media_root),
        "CERTIFICATE_QUEUE": queue,
        "CERTIFICATE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CONN_MAX_AGE": "0",
    }
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "lamandau_bpjs", "worker", "--pool", "prefork",
        "--concurrency", "2", "--queues", queue, "--hostname", f"{name}@%h", "--without-mingle", "--without-gossip",
        "--loglevel", "INFO",
    ]
    log = open(log_path, "ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_batch_survives_a_worker_killed_mid_batch(funding, official, settings, tmp_path):
    queue = f"certificates-crash-{uuid.uuid4().hex[:8]}"
    settings.CERTIFICATE_QUEUE = queue  # where this process sends the batch
    media_root = tmp_path / "worker-media"
    settings.MEDIA_ROOT = media_root
    log_path = tmp_path / "worker.log"
    total = 40
    coverages = [make_active_coverage(funding, full_name=f"PESERTA {n:02d}") for n in range(total)]

    first = _start_worker(queue, media_root, log_path, "crash1")
    second = None
    try:
        batch = batches.start_certificate_batch(funding=funding, by=official)
        done_at_kill = wait_for(
            lambda: CertificateBatchItem.objects.filter(batch=batch, state="done").count() >= 4 or None,
            timeout=60, interval=0.02, what="the first certificates",
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        states = dict(CertificateBatchItem.objects.filter(batch=batch).values_list("state").annotate(n=Count("pk")).order_by())
        assert done_at_kill and states.get("done", 0) < total, f"the kill came too late: {states}"
        # The killed processes held claims: only the lease (and the resume path) can free them.
        assert states.get("claimed", 0) > 0, states

        second = _start_worker(queue, media_root, log_path, "crash2")
        batch = wait_for(lambda: CertificateBatch.objects.filter(pk=batch.pk, status="done").first(),
                         timeout=120, interval=0.2, what="the resumed batch")
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)

    items = CertificateBatchItem.objects.filter(batch=batch)
    assert items.count() == total and items.filter(state="done").count() == total
    assert Certificate.objects.filter(coverage__in=coverages).count() == total  # one record each
    assert Certificate.objects.filter(coverage__in=coverages, status="ready").count() == total
    kpjs = [next(w for w in page.split() if w.startswith("25") and len(w) == 11) for page in pdf_pages(batch.merged_file.path)]
    assert sorted(kpjs) == sorted(c.kpj_number for c in coverages)  # every certificate exactly once
    with zipfile.ZipFile(batch.zip_file.path) as archive:
        assert len(archive.namelist()) == total == len(set(archive.namelist()))
