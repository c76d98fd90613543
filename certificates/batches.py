"""Rendering all participation certificates of a funding source, safely across worker crashes.

The batch is a list of ``CertificateBatchItem`` rows in the database, the only state that matters:

- a worker *claims* a few pending rows with a conditional UPDATE (``SKIP LOCKED``, as healthchecks'
  sendalerts compare-and-set), renders them, and marks each done only if its claim is still its own;
- a claim not finished within ``CERTIFICATE_LEASE_SECONDS`` belongs to a dead worker: it is put back
  to pending and taken again (``release_stale_claims``); an item that keeps failing is given up after
  ``MAX_ATTEMPTS`` with a readable reason;
- when no item is pending or claimed, exactly one worker wins the RUNNING -> ASSEMBLING update and
  writes the merged PDF and the ZIP, once, from the stored documents.

Rendering a document twice (a slow worker whose lease expired) is harmless: it is the same record
overwritten, and the merged PDF and ZIP list each item once. ``resume_batches`` restarts the work
after a crash; the worker runs it when it starts (certificates/tasks.py).
"""

import datetime
import logging
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pypdf import PdfWriter

from core.roles import require_permission
from core.audit import record
from core.models import AuditEvent
from enrollment.models import Coverage
from funding.models import FundingSource

from .rendering import (
    CERTIFIABLE_COVERAGE,
    TRANSIENT_ERRORS,
    CertificateError,
    new_code,
    readable_error,
    record_certificate_failure,
    render_certificate_document,
)
from .models import Certificate, CertificateBatch, CertificateBatchItem

log = logging.getLogger(__name__)

Item = CertificateBatchItem
CLAIM_SIZE = 4  # items per claim: few enough that a killed worker loses little, enough to save queries
MAX_ATTEMPTS = 3  # per item, counting claims lost to crashes; then the item is recorded as failed


class BatchError(Exception):
    """A batch cannot be started (explained in Indonesian)."""


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CERTIFICATE_LEASE_SECONDS)


def batch_coverages(funding: FundingSource):
    """The coverages whose certificates a batch renders, in print order (kecamatan, desa, name)."""
    return (
        Coverage.objects.filter(funding_source=funding, status__in=CERTIFIABLE_COVERAGE)
        .exclude(kpj_number="")
        .order_by("worker__desa__kecamatan__code", "worker__desa__name", "worker__full_name", "pk")
    )


@transaction.atomic
def start_certificate_batch(*, funding: FundingSource, by) -> CertificateBatch:
    """Create the batch and its items, and start rendering after the commit.

    A funding source has at most one unfinished batch: asking again returns the running one.
    """
    from .tasks import enqueue_batch

    require_permission(by, "certificates.render_certificate")
    funding = FundingSource.objects.lock(funding)  # one start at a time
    running = CertificateBatch.objects.exclude(status=CertificateBatch.Status.DONE).filter(funding_source=funding).first()
    if running:
        return running
    coverage_ids = list(batch_coverages(funding).values_list("pk", flat=True))
    if not coverage_ids:
        raise BatchError(_("%(funding)s belum punya kepesertaan aktif bernomor KPJ: tidak ada sertifikat untuk dibuat.")
                         % {"funding": funding})
    # One certificate record per coverage: create the missing ones, keep the others (and their codes).
    Certificate.objects.bulk_create(
        [Certificate(kind=Certificate.Kind.PARTICIPATION, coverage_id=pk, code=new_code()) for pk in coverage_ids],
        batch_size=2000,
        ignore_conflicts=True,
    )
    certificate_of = dict(
        Certificate.objects.filter(kind=Certificate.Kind.PARTICIPATION, coverage_id__in=coverage_ids).values_list(
            "coverage_id", "pk"
        )
    )
    batch = CertificateBatch.objects.create(funding_source=funding, total=len(coverage_ids), started_by=by)
    Item.objects.bulk_create(
        [Item(batch=batch, certificate_id=certificate_of[pk], position=n) for n, pk in enumerate(coverage_ids, start=1)],
        batch_size=2000,
    )
    record(actor=by, obj=funding, action=AuditEvent.Action.UPDATE,
           note=ngettext("Batch sertifikat kepesertaan dimulai (%(count)d dokumen).",
                        "Batch sertifikat kepesertaan dimulai (%(count)d dokumen).", len(coverage_ids))
           % {"count": len(coverage_ids)})
    enqueue_batch(batch)
    return batch


# --- Claiming and working ------------------------------------------------------------------------


def claim_items(batch_id: int, token: str, limit: int = CLAIM_SIZE) -> list[Item]:
    """Take up to ``limit`` pending items for this worker; rows another worker is taking are skipped."""
    with transaction.atomic():
        ids = list(
            Item.objects.filter(batch_id=batch_id, state=Item.State.PENDING, batch__status=CertificateBatch.Status.RUNNING)
            .order_by("position")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Item.objects.filter(pk__in=ids, state=Item.State.PENDING).update(
            state=Item.State.CLAIMED, claim_token=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return list(Item.objects.filter(pk__in=ids, claim_token=token).order_by("position"))


def _finish_item(item: Item, token: str, state: str, error: str = "") -> bool:
    """Mark an item done/failed only while the claim is still ours (compare-and-set)."""
    return bool(
        Item.objects.filter(pk=item.pk, state=Item.State.CLAIMED, claim_token=token).update(state=state, error=error)
    )


def _release_item(item: Item, token: str) -> None:
    Item.objects.filter(pk=item.pk, state=Item.State.CLAIMED, claim_token=token).update(
        state=Item.State.PENDING, claim_token="", claimed_at=None
    )


def render_item(item: Item, token: str) -> None:
    """Render one item's certificate; a transient failure puts it back for a later try."""
    try:
        render_certificate_document(item.certificate_id)
    except CertificateError as exc:
        record_certificate_failure(item.certificate_id, str(exc))
        _finish_item(item, token, Item.State.FAILED, str(exc))
    except TRANSIENT_ERRORS as exc:
        reason = readable_error(exc)
        if item.attempts < MAX_ATTEMPTS:
            log.warning("certificate %s: %s; will retry", item.certificate_id, reason)
            _release_item(item, token)
        else:
            record_certificate_failure(item.certificate_id, reason)
            _finish_item(item, token, Item.State.FAILED, reason)
    except Exception as exc:  # a bug or bad data we did not foresee: record it readably, keep going
        log.exception("certificate %s failed", item.certificate_id)
        reason = readable_error(exc)
        record_certificate_failure(item.certificate_id, reason)
        _finish_item(item, token, Item.State.FAILED, reason)
    else:
        _finish_item(item, token, Item.State.DONE)


def work_on_batch(batch_id: int, *, on_progress=None) -> str:
    """Claim and render items until none is pending, then settle the batch. Safe to run anywhere, twice."""
    token = uuid.uuid4().hex
    while items := claim_items(batch_id, token):
        for item in items:
            render_item(item, token)
        if on_progress:
            on_progress(batch_progress(batch_id))
    return settle_batch(batch_id)


# --- Settling, crashes and assembly ----------------------------------------------------------------


def release_stale_claims(batch_id: int) -> int:
    """Claims older than the lease belong to a worker that died: put them back (or give up on them)."""
    stale = Item.objects.filter(batch_id=batch_id, state=Item.State.CLAIMED, claimed_at__lt=timezone.now() - lease())
    given_up = stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=Item.State.FAILED, error=_("Pembuatan dokumen terhenti %(n)d kali (worker berhenti).") % {"n": MAX_ATTEMPTS}
    )
    return stale.update(state=Item.State.PENDING, claim_token="", claimed_at=None) + given_up


def settle_batch(batch_id: int) -> str:
    """Decide what the batch needs next: 'pending' (work left), 'waiting' (others are working),
    or 'done' (assembled here or already)."""
    release_stale_claims(batch_id)
    counts = _counts(batch_id)
    if counts[Item.State.PENDING]:
        return "pending"
    if counts[Item.State.CLAIMED]:
        return "waiting"
    won = CertificateBatch.objects.filter(pk=batch_id, status=CertificateBatch.Status.RUNNING).update(
        status=CertificateBatch.Status.ASSEMBLING, assembling_at=timezone.now()
    )
    if won:
        assemble_batch(batch_id)
    return "done"


def next_check_in(batch_id: int) -> float | None:
    """Seconds until the oldest open claim of the batch expires (when to look again), or None."""
    oldest = Item.objects.filter(batch_id=batch_id, state=Item.State.CLAIMED).aggregate(at=Min("claimed_at"))["at"]
    if oldest is None:
        return None
    return max((oldest + lease() - timezone.now()).total_seconds(), 0) + 1


def take_over_assembly(batch_id: int) -> bool:
    """An assembly that did not finish within five leases died with its worker: take it over."""
    deadline = timezone.now() - 5 * lease()
    return bool(
        CertificateBatch.objects.filter(
            pk=batch_id, status=CertificateBatch.Status.ASSEMBLING, assembling_at__lt=deadline
        ).update(assembling_at=timezone.now())
    )


MERGE_CHUNK = 500  # files per pdfunite call: keeps the command line short for any batch size


def merge_pdfs(sources: list[str], target: Path) -> None:
    """Write the PDFs ``sources`` as one file ``target``, in order.

    poppler's ``pdfunite`` when it is installed (Dockerfile, .ci/run): 3,200 certificates in 2 s
    and 110 MB. Otherwise pypdf, which holds every page in memory (20 s and 650 MB for 3,200).
    """
    pdfunite = shutil.which("pdfunite")
    if pdfunite and sources:
        merge_with_pdfunite(pdfunite, sources, target)
    else:
        merge_with_pypdf(sources, target)


def merge_with_pdfunite(pdfunite: str, sources: list[str], target: Path, *, chunk: int = MERGE_CHUNK) -> None:
    if len(sources) == 1:
        shutil.copyfile(sources[0], target)
    elif len(sources) <= chunk:
        subprocess.run([pdfunite, *sources, str(target)], check=True, capture_output=True)
    else:
        parts = []
        for n in range(0, len(sources), chunk):
            part = target.with_name(f"{target.stem}-{n // chunk:05d}.pdf")
            merge_with_pdfunite(pdfunite, sources[n:n + chunk], part, chunk=chunk)
            parts.append(str(part))
        merge_with_pdfunite(pdfunite, parts, target, chunk=chunk)


def merge_with_pypdf(sources: list[str], target: Path) -> None:
    writer = PdfWriter()
    for source in sources:
        writer.append(source)
    with open(target, "wb") as out:
        writer.write(out)
    writer.close()


def assemble_batch(batch_id: int) -> CertificateBatch:
    """Write the merged PDF and the ZIP of the done items, in order, each exactly once."""
    batch = CertificateBatch.objects.select_related("funding_source").get(pk=batch_id)
    items = list(
        Item.objects.filter(batch=batch, state=Item.State.DONE)
        .select_related("certificate__coverage__worker")
        .order_by("position")
    )
    stem = f"certificate-batches/{slugify(batch.funding_source.code)}-{batch.pk}-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        pdf_path, zip_path = Path(folder) / "merged.pdf", Path(folder) / "batch.zip"
        sources = []
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
            for item in items:
                source = default_storage.path(item.certificate.file.name)
                sources.append(source)
                coverage = item.certificate.coverage
                archive.write(source, f"{item.position:05d}_{coverage.kpj_number}_{slugify(coverage.worker.full_name)}.pdf")
        merge_pdfs(sources, pdf_path)
        with open(pdf_path, "rb") as merged, open(zip_path, "rb") as packed:
            merged_name = default_storage.save(f"{stem}.pdf", File(merged))
            zip_name = default_storage.save(f"{stem}.zip", File(packed))
    updated = CertificateBatch.objects.filter(pk=batch.pk, status=CertificateBatch.Status.ASSEMBLING).update(
        merged_file=merged_name, zip_file=zip_name, status=CertificateBatch.Status.DONE, finished_at=timezone.now()
    )
    if not updated:  # someone else finished it meanwhile: keep theirs
        default_storage.delete(merged_name)
        default_storage.delete(zip_name)
    batch.refresh_from_db()
    return batch


def retry_failed_items(batch: CertificateBatch, *, by) -> int:
    """Put a finished batch's failed items back to work (after the cause was fixed)."""
    from .tasks import enqueue_batch

    require_permission(by, "certificates.render_certificate")
    with transaction.atomic():
        count = Item.objects.filter(batch=batch, state=Item.State.FAILED).update(
            state=Item.State.PENDING, attempts=0, error="", claim_token="", claimed_at=None
        )
        if count:
            CertificateBatch.objects.filter(pk=batch.pk, status=CertificateBatch.Status.DONE).update(
                status=CertificateBatch.Status.RUNNING, finished_at=None, assembling_at=None
            )
            enqueue_batch(batch)
    return count


def unfinished_batches():
    return CertificateBatch.objects.exclude(status=CertificateBatch.Status.DONE).order_by("pk")


# --- Progress -----------------------------------------------------------------------------------


def _counts(batch_id: int) -> dict:
    counts = dict.fromkeys(Item.State.values, 0)
    counts.update(dict(Item.objects.filter(batch_id=batch_id).values_list("state").annotate(n=Count("pk")).order_by()))
    return counts


@dataclass
class Progress:
    total: int
    done: int
    failed: int
    pending: int
    claimed: int
    status: str

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        """Whole percent of documents finished; 100 only once the merged files are written too."""
        if self.status == CertificateBatch.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(int(self.finished * 100 / self.total), 99)

    def as_dict(self) -> dict:
        return {"total": self.total, "done": self.done, "failed": self.failed, "pending": self.pending,
                "claimed": self.claimed, "status": self.status, "percent": self.percent}


def batch_progress(batch_id: int) -> Progress:
    """Two small queries whatever the size of the batch."""
    batch = CertificateBatch.objects.only("total", "status").get(pk=batch_id)
    counts = _counts(batch_id)
    return Progress(
        total=batch.total, done=counts[Item.State.DONE], failed=counts[Item.State.FAILED],
        pending=counts[Item.State.PENDING], claimed=counts[Item.State.CLAIMED], status=batch.status,
    )
