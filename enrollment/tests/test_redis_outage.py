"""Redis stopped and started again while certificates are rendered and a file is imported (issue 11).

Real services, started by the test: a private ``redis-server`` (no persistence: stopping it loses
every queued message, as a crash would) and a private Celery worker with its beat, so the sweeper
(core/queued_work.py) runs every second. The worker is never restarted: it must reconnect and
carry on by itself, and work whose messages were lost must be sent again by the sweeper.
"""

import time
import zipfile

import pytest
from django.urls import reverse

from core.tests.faults import PrivateRedis, PrivateWorker, broker, wait_until
from certificates import batches
from certificates.models import Certificate, CertificateBatch, CertificateBatchItem
from enrollment.models import Coverage, ImportBatch, Worker

from demo.builders import make_active_coverage, pdf_pages
from demo.builders import person, simple_file


@pytest.fixture
def services(tmp_path, settings):
    redis = PrivateRedis(tmp_path / "redis").start()
    worker = PrivateWorker(tmp_path / "worker", redis.url, settings.MEDIA_ROOT)
    settings.REDIS_URL = redis.url
    try:
        with broker(redis.url):
            yield redis, worker
    finally:
        worker.stop()
        redis.stop()


def _ready(worker):
    wait_until(lambda: worker.log.exists() and b" ready." in worker.log.read_bytes(), timeout=90,
               what="the Celery worker to start")


def _done(batch):
    return CertificateBatchItem.objects.filter(batch=batch, state="done").count()


def _assert_each_certificate_once(batch, coverages):
    batch.refresh_from_db()
    total = len(coverages)
    assert CertificateBatchItem.objects.filter(batch=batch, state="done").count() == total
    assert Certificate.objects.filter(coverage__in=coverages, status="ready").count() == total
    kpjs = [next(w for w in page.split() if w.startswith("25") and len(w) == 11) for page in pdf_pages(batch.merged_file.path)]
    assert sorted(kpjs) == sorted(c.kpj_number for c in coverages)
    with zipfile.ZipFile(batch.zip_file.path) as archive:
        assert len(archive.namelist()) == total == len(set(archive.namelist()))


@pytest.mark.django_db(transaction=True)
def test_a_certificate_batch_goes_on_while_redis_is_stopped_and_finishes_without_restarting_the_worker(
        services, funding, official):
    redis, worker = services
    coverages = [make_active_coverage(funding, full_name=f"PESERTA {n:02d}") for n in range(24)]
    worker.env["CERTIFICATE_BATCH_PARTS"] = "1"
    worker.concurrency = 1
    worker.start()
    _ready(worker)
    batch = batches.start_certificate_batch(funding=funding, by=official)
    wait_until(lambda: _done(batch) >= 2, timeout=60, interval=0.02, what="the first certificates")
    redis.stop()  # with every message in it
    done_when_stopped = _done(batch)
    time.sleep(3)
    # Rendering needs only PostgreSQL: it went on, and progress reports to Redis did not end it.
    assert _done(batch) > done_when_stopped
    redis.start()
    batch = wait_until(lambda: CertificateBatch.objects.filter(pk=batch.pk, status="done").first(), timeout=120,
                       interval=0.2, what="the batch to finish")
    assert worker.alive() and worker.starts == 1
    _assert_each_certificate_once(batch, coverages)


@pytest.mark.django_db(transaction=True)
def test_a_batch_requested_while_redis_is_down_waits_and_starts_by_itself_when_redis_returns(
        services, funding, official, client):
    redis, worker = services
    coverages = [make_active_coverage(funding, full_name=f"PESERTA {n:02d}") for n in range(6)]
    worker.start()
    _ready(worker)
    redis.stop()
    started = time.monotonic()
    batch = batches.start_certificate_batch(funding=funding, by=official)
    assert time.monotonic() - started < 10  # the request does not hang on the dead broker
    batch.refresh_from_db()
    assert batch.waiting_for_queue and batch.status == "running"
    client.force_login(official)
    page = client.get(reverse("admin:certificates_certificatebatch_change", args=[batch.pk])).content.decode()
    assert 'id="batch-waiting"' in page and "Menunggu antrean" in page

    redis.start()
    back = time.monotonic()
    wait_until(lambda: _done(batch) >= 1, timeout=60, interval=0.05, what="the first certificate after Redis returned")
    resumed_after = time.monotonic() - back
    batch = wait_until(lambda: CertificateBatch.objects.filter(pk=batch.pk, status="done").first(), timeout=120,
                       interval=0.2, what="the batch to finish")
    print(f"\nfirst certificate {resumed_after:.1f} s after Redis returned (sweep every 1 s)")
    assert not batch.waiting_for_queue and worker.alive() and worker.starts == 1
    _assert_each_certificate_once(batch, coverages)


@pytest.mark.django_db(transaction=True)
def test_an_import_uploaded_and_confirmed_while_redis_is_down_waits_then_finishes_by_itself(
        services, funding, official, client, tmp_path):
    redis, worker = services
    people = [person(n) for n in range(12)]
    path = simple_file(tmp_path / "desa.xlsx", people)
    worker.start()
    _ready(worker)
    client.force_login(official)

    redis.stop()
    started = time.monotonic()
    with open(path, "rb") as handle:
        response = client.post(reverse("admin:enrollment_importbatch_upload"), {"funding_source": funding.pk, "file": handle})
    assert response.status_code == 302 and time.monotonic() - started < 10  # accepted, not a 500 after 19 s
    batch = ImportBatch.objects.get()
    assert batch.status == "queued" and batch.waiting_for_queue
    page = client.get(response["Location"]).content.decode()
    assert 'id="batch-waiting"' in page and "Menunggu antrean" in page
    status = client.get(reverse("admin:enrollment_importbatch_status", args=[batch.pk])).json()
    assert status["running"] and "Menunggu antrean" in status["waiting"]

    redis.start()
    wait_until(lambda: ImportBatch.objects.filter(pk=batch.pk, status="checked").exists(), timeout=60,
               what="the check after Redis returned")
    batch.refresh_from_db()
    assert batch.result["valid"] == 12 and not batch.waiting_for_queue

    redis.stop()  # and again for the confirmation
    response = client.post(reverse("admin:enrollment_importbatch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "committing" and batch.waiting_for_queue and Worker.objects.count() == 0
    redis.start()
    wait_until(lambda: ImportBatch.objects.filter(pk=batch.pk, status="committed").exists(), timeout=60,
               what="the commit after Redis returned")

    assert worker.alive() and worker.starts == 1
    assert sorted(Worker.objects.values_list("nik", flat=True)) == sorted(p["NIK"] for p in people)  # each once
    assert Coverage.objects.filter(funding_source=funding, status="draft").count() == 12
