"""Scheduled work of the funding app (Celery beat: see CELERY_BEAT_SCHEDULE in settings)."""

import logging

from celery import shared_task
from django.db import OperationalError
from django.utils.dateparse import parse_date

from core.tasks import report_progress

from .expiry import end_expired_coverages

log = logging.getLogger(__name__)


@shared_task(
    bind=True, acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True,
)
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
