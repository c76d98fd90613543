"""Celery tasks of the Excel import: thin, ids in, enqueued after the commit (the certificates'
tasks moved to certificates/tasks.py with their app, issue 12). The rule of core/tasks.py."""

from celery import shared_task
from django.db.models import Q

from core import queued_work
from core.tasks import TRANSIENT, BackgroundTask

from . import import_batches
from .imports import ImportConflict

# --- Excel imports (issue 3): the preview and the commit of an uploaded file ---------------------

class ImportTask(BackgroundTask):
    """core.tasks.BackgroundTask for an import step: a NIK registered while we wrote is worth
    another try too; after the last retry the batch is marked failed instead of the task."""

    transient = (*TRANSIENT, ImportConflict)

    def backoff(self) -> float:
        return 1

    def gave_up(self, exc, batch_id, *args, **kwargs):
        import_batches.mark_failed(batch_id, exc)


def _run_import_step(task, function, batch_id, *args):
    try:
        function(batch_id, *args, task=task)
    except ImportTask.transient:
        raise  # retried by ImportTask
    except Exception as exc:
        import_batches.mark_failed(batch_id, exc)
        raise


# Acknowledged late (BackgroundTask): a worker killed mid-import leaves the message to Redis; both
# steps are safe twice (the check writes nothing, the commit re-checks its batch's status under the row lock).
@shared_task(base=ImportTask, bind=True)
def check_import_batch(self, batch_id):
    """Preview an uploaded Excel file (never writes); idempotent."""
    _run_import_step(self, import_batches.check_batch, batch_id)


@shared_task(base=ImportTask, bind=True)
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
