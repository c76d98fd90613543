"""Celery tasks of the Excel import: thin, ids in, enqueued after the commit (the certificates'
tasks moved to certificates/tasks.py with their app, issue 12)."""

import logging

from celery import shared_task
from django.db import OperationalError
from django.db.models import Q

from core import queued_work

from . import import_batches
from .imports import ImportConflict

log = logging.getLogger(__name__)

# --- Excel imports (issue 3): the preview and the commit of an uploaded file ---------------------

# Worth another try: the database went away for a moment, or a NIK was registered while we wrote.
IMPORT_TRANSIENT = (OperationalError, ImportConflict)


def _run_import_step(task, function, batch_id, *args):
    try:
        function(batch_id, *args, task=task)
    except IMPORT_TRANSIENT as exc:
        if task.request.retries < task.max_retries:
            raise task.retry(exc=exc, countdown=2 ** task.request.retries) from exc
        import_batches.mark_failed(batch_id, exc)
    except Exception as exc:
        import_batches.mark_failed(batch_id, exc)
        raise


# acks_late: a worker killed mid-import leaves the message to Redis; both steps are safe twice
# (the check writes nothing, the commit re-checks its batch's status under the row lock).
@shared_task(bind=True, max_retries=3, acks_late=True, ignore_result=True)
def check_import_batch(self, batch_id):
    """Preview an uploaded Excel file (never writes); idempotent."""
    _run_import_step(self, import_batches.check_batch, batch_id)


@shared_task(bind=True, max_retries=3, acks_late=True, ignore_result=True)
def commit_import_batch(self, batch_id, user_id):
    """Write a confirmed Excel file, all or nothing; runs once per confirmation."""
    _run_import_step(self, import_batches.commit_batch, batch_id, user_id)


# --- The sweeper (issue 11): what "not moving" means for an import batch ------------------------

queued_work.register(
    import_batches.ImportBatch,
    waiting=Q(status__in=import_batches.ImportBatch.RUNNING),
    send=import_batches.send_again,
    heartbeat="updated_at",
)
