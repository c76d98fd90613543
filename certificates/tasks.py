"""Celery tasks for certificates: thin, ids in, idempotent, enqueued after the commit (the rule
of core/tasks.py: BackgroundTask, send_on_commit for the rows the sweeper knows).

Every task here is safe to run twice (the same record is overwritten, batch items are claimed
with compare-and-set), so all of them use ``acks_late``: a worker killed mid-task leaves the
message to be delivered again, and the batch's own resume path (``resume_certificate_batches``,
run when a worker starts, and the beat's sweeper, core/queued_work.py) does not even have to wait
for that. Sends that fail (Redis down) are recorded on the batch row and sent again by the sweeper.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from core import queued_work
from core.tasks import MAX_RETRIES, BackgroundTask, report_progress  # noqa: F401 (MAX_RETRIES: tests)

from . import batches
from .rendering import TRANSIENT_ERRORS, CertificateError, readable_error, record_certificate_failure, render_certificate_document

log = logging.getLogger(__name__)



class CertificateTask(BackgroundTask):
    """core.tasks.BackgroundTask, retried on the certificates' queue."""

    def retry_options(self) -> dict:
        return {"queue": settings.CERTIFICATE_QUEUE}


class RenderTask(CertificateTask):
    """A document's rendering also retries disk errors, CERTIFICATE_RETRY_SECONDS apart at first
    (read at retry time, so a test may shorten it), and after the last retry records the failure
    on the document (MAX_RETRIES + 1 attempts) instead of failing the task."""

    transient = TRANSIENT_ERRORS

    def backoff(self) -> float:
        return settings.CERTIFICATE_RETRY_SECONDS

    def gave_up(self, exc, certificate_id, *args, **kwargs):
        record_certificate_failure(certificate_id, readable_error(exc))


def send_render(certificate) -> None:
    """Send one document's rendering (the sweeper's ``send`` for a Certificate requested alone)."""
    render_certificate.apply_async((certificate.pk,), queue=settings.CERTIFICATE_QUEUE)


def enqueue_batch(batch, task=None):
    """Send a batch's task after the commit; if Redis is down the batch records it and waits
    ("menunggu antrean") until the sweeper sends it (core/queued_work.py)."""
    task = task or run_certificate_batch
    queued_work.send_on_commit(batch, lambda row: task.apply_async((row.pk,), queue=settings.CERTIFICATE_QUEUE))


@shared_task(base=RenderTask, bind=True)
def render_certificate(self, certificate_id: int):
    """Render one document; transient failures are retried (RenderTask), then recorded."""
    try:
        render_certificate_document(certificate_id)
    except CertificateError as exc:
        record_certificate_failure(certificate_id, str(exc))
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        log.exception("certificate %s failed", certificate_id)
        record_certificate_failure(certificate_id, readable_error(exc))


@shared_task(base=CertificateTask)
def run_certificate_batch(batch_id: int):
    """Start a batch: as many parts as configured, each draining the batch's items."""
    for _part in range(settings.CERTIFICATE_BATCH_PARTS):
        render_certificate_batch_part.apply_async((batch_id,), queue=settings.CERTIFICATE_QUEUE)


# A database that drops the connection ends the part; the retry (or, later, the sweeper) goes on.
@shared_task(base=CertificateTask, bind=True)
def render_certificate_batch_part(self, batch_id: int):
    """Render items until none is left; the last part to finish writes the merged PDF and ZIP."""

    last = {"percent": -1}

    def report(progress):
        if progress.percent != last["percent"]:  # about every 1%, not every claim
            last["percent"] = progress.percent
            report_progress(self, progress.percent)

    outcome = batches.work_on_batch(batch_id, on_progress=report if self.request.id else None)
    if outcome == "waiting":
        # Other workers hold claims. If one of them died, its claims expire: look again then.
        # (Redis down: recorded on the batch, and the sweeper looks again instead.)
        countdown = batches.next_check_in(batch_id) or 1
        queued_work.send(batches.CertificateBatch(pk=batch_id), lambda row: resume_certificate_batch.apply_async(
            (row.pk,), queue=settings.CERTIFICATE_QUEUE, countdown=countdown))
    return outcome


@shared_task(base=CertificateTask)
def resume_certificate_batch(batch_id: int):
    """Continue one batch after a crash: free expired claims, restart parts or the assembly."""
    batch = batches.CertificateBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status == batch.Status.DONE:
        return "done"
    if batch.status == batch.Status.ASSEMBLING:
        if batches.take_over_assembly(batch_id):
            batches.assemble_batch(batch_id)
        return "assembling"
    outcome = batches.settle_batch(batch_id)
    if outcome == "pending":
        run_certificate_batch.apply_async((batch_id,), queue=settings.CERTIFICATE_QUEUE)
    elif outcome == "waiting":
        resume_certificate_batch.apply_async(
            (batch_id,), queue=settings.CERTIFICATE_QUEUE, countdown=batches.next_check_in(batch_id) or 1
        )
    return outcome


@shared_task(base=CertificateTask)
def resume_certificate_batches():
    """Resume every unfinished batch (run when a worker starts, and from the admin)."""
    ids = list(batches.unfinished_batches().values_list("pk", flat=True))
    for batch_id in ids:
        resume_certificate_batch.apply_async((batch_id,), queue=settings.CERTIFICATE_QUEUE)
    return ids


@worker_ready.connect(dispatch_uid="certificates.resume_certificate_batches", weak=False)
def _resume_after_restart(sender=None, **kwargs):
    """A worker that starts (again, after a crash) picks up the batches left unfinished."""
    try:
        resume_certificate_batches.apply_async(queue=settings.CERTIFICATE_QUEUE)
    except Exception:  # never keep a worker from starting; the admin can resume by hand
        log.exception("could not enqueue resume_certificate_batches")


# --- The sweeper (issue 11): what "not moving" means for the certificates' rows ---------------------------


def _stalled_certificate_batches(waiting, before):
    """Running with no item claimed since ``before`` (no worker is on it), or an assembly that
    started before it (the resume task takes it over once it is really dead)."""
    Batch, Item = batches.CertificateBatch, batches.Item
    recent_claim = Item.objects.filter(batch=OuterRef("pk"), claimed_at__gte=before)
    return waiting.filter(
        Q(status=Batch.Status.RUNNING, created_at__lt=before) & ~Exists(recent_claim)
        | Q(status=Batch.Status.ASSEMBLING, assembling_at__lt=before)
    )


queued_work.register(
    batches.CertificateBatch,
    waiting=~Q(status=batches.CertificateBatch.Status.DONE),
    send=lambda batch: resume_certificate_batch.apply_async((batch.pk,), queue=settings.CERTIFICATE_QUEUE),
    stalled=_stalled_certificate_batches,
    report_as="enrollment.CertificateBatch",  # /healthz's JSON key, kept when the model moved (issue 12)
)
# A document requested on its own (never a batch's: those are never sent one by one).
queued_work.register(
    batches.Certificate,
    waiting=Q(enqueue_failed_at__isnull=False) | Q(status=batches.Certificate.Status.PENDING, enqueued_at__isnull=False),
    send=send_render,
    heartbeat="updated_at",
    since="updated_at",
    report_as="enrollment.Certificate",  # /healthz's JSON key, kept when the model moved (issue 12)
)
