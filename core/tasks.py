"""The one task base of the project, and the sweeper's task.

Every Celery task is declared ``@shared_task(base=BackgroundTask, ...)`` and follows one rule:

- **Retry**: only transient errors (``TRANSIENT``: the database went away for a moment, a lock
  timeout; a task may add its own, e.g. ``OSError`` while writing a PDF) are retried, at most
  ``max_retries`` (3) times, after ``backoff() × 2^retries`` seconds (capped at ``BACKOFF_MAX``).
  After the last retry ``gave_up(exc, …)`` runs: by default the error is raised (the task fails);
  a task whose row shows the failure records it there instead. Other errors are never retried.
- **Results**: ``ignore_result=True`` (a web process sending a task with a result subscribes to
  it on Redis, issue 11), unless somebody reads the result: then the task says
  ``ignore_result=False`` (the nightly end of coverages and the monthly report, read by tests).
- **Acknowledged late**: every task is safe to run twice, so a worker killed mid-task leaves the
  message to be delivered again.
- **Enqueue**: a row the sweeper knows (a ``QueuedWork``: import batch, certificate, certificate
  batch, invoice comparison) is sent with ``core.queued_work.send_on_commit(row)``, which records
  a failed send on the row for the sweeper; anything else from a request or a service with
  ``task.delay_on_commit(...)``. Inside a running task (fan-out into parts, a later check-in),
  where no transaction is open, ``task.apply_async(..., queue=...)``.
"""

import logging
import time

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from . import queued_work
from .areas import unscoped

log = logging.getLogger(__name__)

# Worth another try: the database went away for a moment or a lock was not granted in time
# (psycopg's LockNotAvailable and QueryCanceled under lock_timeout are OperationalErrors).
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 3
BACKOFF_MAX = 60  # seconds


class BackgroundTask(DjangoTask):
    """The base of every task: the retry, result and acknowledgement rule of the module docstring
    (DjangoTask: Celery's Django task class, which gives ``delay_on_commit``)."""

    acks_late = True
    ignore_result = True
    max_retries = MAX_RETRIES
    transient = TRANSIENT

    def backoff(self) -> float:
        """Seconds before the first retry (doubled at each one)."""
        return 2

    def retry_options(self) -> dict:
        """Extra ``apply_async`` options of a retry (e.g. the queue the task runs on)."""
        return {}

    def gave_up(self, exc, *args, **kwargs):
        """After the last retry of a transient error: raise it (override to record it on a row)."""
        raise exc

    def __call__(self, *args, **kwargs):
        # self.run, not super().__call__: the worker has pushed this delivery's request (id, retries),
        # which Task.__call__ would hide behind a fresh one (Celery's documented custom __call__).
        try:
            # A task works for the whole regency (no area scope), also when Celery runs eagerly
            # inside a village operator's request: rules such as NIK deduplication see every row.
            with unscoped():
                return self.run(*args, **kwargs)
        except self.transient as exc:
            if self.request.called_directly:
                raise
            if self.request.retries >= self.max_retries:
                return self.gave_up(exc, *args, **kwargs)
            countdown = min(self.backoff() * 2 ** self.request.retries, BACKOFF_MAX)
            raise self.retry(exc=exc, countdown=countdown, **self.retry_options()) from exc


@shared_task(base=BackgroundTask)
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


@shared_task(base=BackgroundTask)
def nightly_backup():
    """The database (pg_dump) and MEDIA_ROOT into BACKUP_DIR, keeping BACKUP_KEEP of each
    (django-dbbackup's ``--clean``). Run by the beat at BACKUP_HOUR:30 WIB; ``make backup`` by hand."""
    from django.core.management import call_command

    call_command("dbbackup", "--clean", "--noinput", "--compress")
    call_command("mediabackup", "--clean", "--noinput", "--compress")
