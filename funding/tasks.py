"""Background work of the funding app: scheduled (Celery beat, see CELERY_BEAT_SCHEDULE) and on upload."""

import logging

from celery import shared_task
from django.db.models import Q
from django.utils.dateparse import parse_date

from core import queued_work
from core.tasks import TRANSIENT, BackgroundTask, report_progress

from . import invoices
from .expiry import end_expired_coverages

log = logging.getLogger(__name__)


@shared_task(base=BackgroundTask, bind=True, ignore_result=False)  # the count is read (tests, flower)
def end_expired_coverages_task(self, today: str | None = None) -> int:
    """Daily: end the coverages whose end date passed. Idempotent (see end_expired_coverages).

    ``today`` (ISO date) is for tests and catching up; the schedule passes nothing.
    """
    step = {"last": -1}

    def progress(done, total):
        percent = done * 100 // total
        if percent != step["last"]:
            step["last"] = percent
            report_progress(self, percent, done=done, total=total)  # never fails the work (Redis may be down)

    ended = end_expired_coverages(today=parse_date(today) if today else None, progress=progress)
    log.info("end_expired_coverages_task: %d coverage(s) ended", ended)
    return ended


@shared_task(base=BackgroundTask, bind=True)
def compare_invoice_task(self, comparison_id: int) -> None:
    """Read BPJS's invoice through the reading gate and compare it with the bill (issue 10)."""
    step = {"last": -1}

    def progress(done, total):
        percent = done * 100 // total if total else 0
        if percent != step["last"]:
            step["last"] = percent
            invoices.report_progress(comparison_id, done, total)

    try:
        invoices.run_comparison(comparison_id, progress=progress)
    except TRANSIENT:
        raise  # retried by BackgroundTask
    except Exception:
        log.exception("invoice comparison %s failed", comparison_id)
        invoices.mark_comparison_failed(comparison_id)


# A comparison whose message was lost or could not be sent is sent again (issue 11).
queued_work.register(invoices.InvoiceComparison, waiting=Q(status__in=invoices.InvoiceComparison.RUNNING),
                     task=compare_invoice_task)
