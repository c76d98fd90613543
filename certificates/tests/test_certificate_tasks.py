"""Rendering through the real Celery worker on Redis: idempotent, retried, failures recorded."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from certificates.rendering import request_certificate
from certificates.models import Certificate
from certificates.tasks import MAX_RETRIES

from demo.builders import make_active_coverage, paid_death_claim, pdf_pages, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def _settled(certificate, *, after=None):
    def check():
        current = Certificate.objects.get(pk=certificate.pk)
        if current.status == Certificate.Status.PENDING:
            return None
        if after is not None and current.rendered_at == after and current.status == Certificate.Status.READY:
            return None
        return current

    return wait_for(check, what=f"certificate {certificate.pk}")


def test_worker_renders_and_stores_the_pdf_with_its_checksum(funding, official):
    coverage = make_active_coverage(funding, full_name="DEWI LESTARI")

    certificate = _settled(request_certificate(kind="participation", subject=coverage, by=official))

    assert certificate.status == Certificate.Status.READY
    assert certificate.file.name.startswith(f"certificates/participation/{certificate.code}")
    data = certificate.file.read()
    assert hashlib.sha256(data).hexdigest() == certificate.checksum
    assert certificate.pages == 1
    assert "DEWI LESTARI" in pdf_pages(data)[0]
    assert len(certificate.data_version) == 64


def test_rendering_twice_gives_one_record_with_the_same_code_and_replaces_the_file(funding, official):
    coverage = make_active_coverage(funding)
    first = _settled(request_certificate(kind="participation", subject=coverage, by=official))

    second = _settled(request_certificate(kind="participation", subject=coverage, by=official), after=first.rendered_at)

    assert Certificate.objects.filter(coverage=coverage).count() == 1
    assert second.pk == first.pk and second.code == first.code
    assert second.data_version == first.data_version
    assert second.file.name != first.file.name
    wait_for(lambda: not default_storage.exists(first.file.name), what="the old file to be deleted")
    assert default_storage.exists(second.file.name)


def test_a_storage_failure_is_retried_then_recorded_with_a_readable_reason(funding, official, settings, tmp_path):
    coverage = make_active_coverage(funding)
    # The disk refuses the file: MEDIA_ROOT is a plain file, so no folder can be made in it.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked
    settings.CERTIFICATE_RETRY_SECONDS = 0

    certificate = _settled(request_certificate(kind="participation", subject=coverage, by=official))

    assert certificate.status == Certificate.Status.FAILED
    assert certificate.attempts == MAX_RETRIES + 1
    assert certificate.error.startswith("Gagal menyimpan atau membaca berkas")
    assert str(blocked) in certificate.error


def test_data_that_cannot_be_printed_is_recorded_at_once_without_retrying(funding, official):
    claim = paid_death_claim(make_active_coverage(funding), breakdown=[
        {"code": "funeral", "label": "Biaya pemakaman", "amount": "sepuluh juta"},
    ])

    certificate = _settled(request_certificate(kind="benefit", subject=claim, by=official))

    assert certificate.status == Certificate.Status.FAILED
    assert certificate.attempts == 1
    assert certificate.error == "Rincian manfaat baris 1: jumlah 'sepuluh juta' bukan angka rupiah utuh."


def test_benefit_certificate_of_a_paid_claim_is_rendered_by_the_worker(funding, official):
    claim = paid_death_claim(make_active_coverage(funding))

    certificate = _settled(request_certificate(kind="benefit", subject=claim, by=official))

    assert certificate.status == Certificate.Status.READY
    assert "Rp42.000.000" in pdf_pages(certificate.file.read())[0]
