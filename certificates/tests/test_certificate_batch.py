"""A funding source's batch: every certificate exactly once, merged PDF and ZIP, crash-safe claims."""

import datetime
import zipfile

import pytest
from django.utils import timezone

from certificates import batches
from certificates.models import Certificate, CertificateBatch, CertificateBatchItem
from enrollment.models import Coverage

from demo.builders import make_active_coverage, pdf_pages, wait_for

Item = CertificateBatchItem


def _kpjs_in(path):
    return [next(word for word in page.split() if word.startswith("25") and len(word) == 11) for page in pdf_pages(path)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_batch_renders_every_certificate_once_into_a_merged_pdf_and_a_zip(funding, official):
    coverages = [make_active_coverage(funding, full_name=f"PESERTA {n:02d}") for n in range(10)]
    make_active_coverage(funding, status=Coverage.Status.CANCELLED)  # not certified

    batch = batches.start_certificate_batch(funding=funding, by=official)
    assert batches.start_certificate_batch(funding=funding, by=official).pk == batch.pk  # joins the running one

    batch = wait_for(lambda: CertificateBatch.objects.filter(pk=batch.pk, status="done").first(), what="the batch")
    progress = batches.batch_progress(batch.pk)
    assert (progress.percent, progress.done, progress.failed, progress.total) == (100, 10, 0, 10)
    expected = sorted(c.kpj_number for c in coverages)
    assert sorted(_kpjs_in(batch.merged_file.path)) == expected
    with zipfile.ZipFile(batch.zip_file.path) as archive:
        names = archive.namelist()
    assert len(names) == 10 and sorted(name.split("_")[1] for name in names) == expected
    assert Certificate.objects.filter(coverage__funding_source=funding, status="ready").count() == 10

    # A second batch re-renders the same records: still one certificate per coverage.
    codes = set(Certificate.objects.values_list("code", flat=True))
    again = batches.start_certificate_batch(funding=funding, by=official)
    wait_for(lambda: CertificateBatch.objects.filter(pk=again.pk, status="done").exists(), what="the second batch")
    assert set(Certificate.objects.values_list("code", flat=True)) == codes


@pytest.mark.django_db
def test_claims_of_a_dead_worker_are_taken_again_after_the_lease(funding, settings):
    """Without a worker: the functions the tasks call, with a claim left by a 'killed' worker."""
    settings.CERTIFICATE_LEASE_SECONDS = 60
    for n in range(6):
        make_active_coverage(funding, full_name=f"PESERTA {n}")
    batch = batches.start_certificate_batch(funding=funding, by=None)  # enqueues only on commit: never here
    dead = batches.claim_items(batch.pk, "dead-worker", limit=2)
    assert [item.position for item in dead] == [1, 2]

    # Another worker renders the rest but must not touch the dead worker's fresh claims.
    assert batches.work_on_batch(batch.pk) == "waiting"
    assert Item.objects.filter(batch=batch, state="done").count() == 4
    assert 55 < batches.next_check_in(batch.pk) <= 61

    Item.objects.filter(claim_token="dead-worker").update(claimed_at=timezone.now() - datetime.timedelta(seconds=61))
    assert batches.settle_batch(batch.pk) == "pending"
    assert batches.work_on_batch(batch.pk) == "done"

    batch.refresh_from_db()
    assert batch.status == "done"
    assert Item.objects.filter(batch=batch, state="done").count() == 6
    assert len(pdf_pages(batch.merged_file.path)) == 6
    # The dead worker waking up cannot mark anything: its claims are no longer its own.
    assert not batches._finish_item(dead[0], "dead-worker", Item.State.DONE)


@pytest.mark.django_db
def test_an_item_that_keeps_killing_workers_is_given_up_with_a_reason(funding, settings):
    make_active_coverage(funding)
    batch = batches.start_certificate_batch(funding=funding, by=None)
    for attempt in range(batches.MAX_ATTEMPTS):
        assert batches.claim_items(batch.pk, f"crash-{attempt}")
        Item.objects.filter(batch=batch).update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
        batches.release_stale_claims(batch.pk)

    item = Item.objects.get(batch=batch)
    assert item.state == "failed"
    assert item.error == "Pembuatan dokumen terhenti 3 kali (worker berhenti)."
    assert batches.settle_batch(batch.pk) == "done"


@pytest.mark.django_db
def test_a_funding_source_without_registered_coverage_has_no_batch(funding, official):
    make_active_coverage(funding, status=Coverage.Status.CANCELLED)

    with pytest.raises(batches.BatchError, match="belum punya kepesertaan aktif"):
        batches.start_certificate_batch(funding=funding, by=official)


@pytest.mark.django_db
def test_only_roles_that_render_may_start_a_batch(funding, bpjs_staff, leader):
    from django.core.exceptions import PermissionDenied

    make_active_coverage(funding)
    for user in (bpjs_staff, leader):
        with pytest.raises(PermissionDenied):
            batches.start_certificate_batch(funding=funding, by=user)
    assert not CertificateBatch.objects.exists()


def _numbered_pdfs(folder, count):
    from demo.builders import pdf_bytes

    paths = []
    for n in range(1, count + 1):
        path = folder / f"doc{n}.pdf"
        path.write_bytes(pdf_bytes(f"Dokumen {n}"))
        paths.append(str(path))
    return paths


def test_merging_in_chunks_with_pdfunite_keeps_every_document_once_in_order(tmp_path):
    import shutil

    from certificates.batches import merge_with_pdfunite

    sources = _numbered_pdfs(tmp_path, 7)
    target = tmp_path / "merged.pdf"
    merge_with_pdfunite(shutil.which("pdfunite"), sources, target, chunk=3)
    assert [text.strip() for text in pdf_pages(target.read_bytes())] == [f"Dokumen {n}" for n in range(1, 8)]


def test_merging_with_pypdf_gives_the_same_document(tmp_path):
    from certificates.batches import merge_with_pypdf

    sources = _numbered_pdfs(tmp_path, 3)
    target = tmp_path / "merged.pdf"
    merge_with_pypdf(sources, target)
    assert [text.strip() for text in pdf_pages(target.read_bytes())] == ["Dokumen 1", "Dokumen 2", "Dokumen 3"]
