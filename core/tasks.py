"""The sweeper's task: run by the beat every ``QUEUED_WORK_SWEEP_SECONDS`` and when a worker starts."""

import logging
import time

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from . import queued_work

log = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3, retry_backoff=True,
             ignore_result=True)
def resume_stalled_work():
    """Send again the batches that are queued or claimed and not moving (core/queued_work.py)."""
    return queued_work.sweep()


@worker_ready.connect(dispatch_uid="core.resume_stalled_work", weak=False)
def _sweep_when_a_worker_starts(sender=None, **kwargs):
    try:
        resume_stalled_work.apply_async()
    except Exception:  # never keep a worker from starting: the beat sweeps again soon
        log.exception("could not enqueue resume_stalled_work")


PROGRESS_QUIET_SECONDS = 10  # after a failed report, skip reports for this long (no waiting on a dead Redis)
_quiet_until = 0.0


def report_progress(task, value: int, **extra) -> None:
    """``update_state`` for a progress bar: best effort. Progress lives in Redis; the work must never
    fail because Redis did not take it (issue 11), so errors are logged and swallowed. The page
    reads progress from the batch row anyway; this only feeds ``AsyncResult`` pollers."""
    global _quiet_until
    if task is None or not task.request.id or task.request.is_eager or time.monotonic() < _quiet_until:
        return
    try:
        task.update_state(state="PROGRESS", meta={"value": value, **extra})
    except Exception as exc:
        _quiet_until = time.monotonic() + PROGRESS_QUIET_SECONDS
        log.warning("progress of task %s not reported: %r", task.request.id, exc)


@shared_task(ignore_result=True)
def nightly_backup():
    """The database (pg_dump) and MEDIA_ROOT into BACKUP_DIR, keeping BACKUP_KEEP of each
    (django-dbbackup's ``--clean``). Run by the beat at BACKUP_HOUR:30 WIB; ``make backup`` by hand."""
    from django.core.management import call_command

    call_command("dbbackup", "--clean", "--noinput", "--compress")
    call_command("mediabackup", "--clean", "--noinput", "--compress")
