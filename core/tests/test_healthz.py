import datetime

from django.utils import timezone

from enrollment.models import ImportBatch


def test_healthz_reports_database_and_broker_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["broker"], body["status"]) == ("ok", "ok", "ok")


def test_healthz_shows_the_age_of_the_oldest_waiting_batch_and_the_queue_depth(client, db, funding, settings):
    """Issue 11: monitoring sees stuck work, while the probe itself stays 200."""
    from lamandau_bpjs.celery import app

    body = client.get("/healthz").json()
    assert body["oldest_waiting_seconds"] is None
    assert body["waiting_batches"] == {"enrollment.Certificate": None, "enrollment.CertificateBatch": None,
                                      "enrollment.ImportBatch": None, "funding.InvoiceComparison": None,
                                      "dashboard.MonthlyReport": None}
    batch = ImportBatch.objects.create(kind="workers", funding_source=funding, original_name="a.xlsx", file="imports/a.xlsx")
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=7))
    ImportBatch.objects.create(kind="workers", funding_source=funding, original_name="b.xlsx", file="imports/b.xlsx",
                               status=ImportBatch.Status.COMMITTED)  # finished: not waiting
    queue = "healthz-depth-test"
    settings.CERTIFICATE_QUEUE = queue
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.client.delete(queue)
        channel.client.rpush(queue, "a", "b", "c")
        try:
            response = client.get("/healthz")
        finally:
            channel.client.delete(queue)
    assert response.status_code == 200
    body = response.json()
    assert 420 <= body["oldest_waiting_seconds"] < 480
    assert 420 <= body["waiting_batches"]["enrollment.ImportBatch"] < 480
    assert body["queue_depth"][queue] == 3 and body["queue_depth"]["celery"] >= 0


def test_healthz_reports_an_unreachable_broker(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_healthz_is_get_only(client, db):
    assert client.post("/healthz").status_code == 405
