"""Uploaded Excel files (ImportBatch): checked, then committed, by Celery tasks; polled by the admin.

An upload is saved privately under MEDIA_ROOT and checked at once (a dry run: never writes).
The page shows the preview; the user confirms (optionally "valid rows only") and the commit
task reads the file again and writes under the locks (imports.import_workers or
bpjs.import_bpjs_answer). Status moves by conditional updates, so a task run twice, or two
clicks on "confirm", do the work once.
"""

import logging
import tempfile

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from core import queued_work
from core.models import ProgramRules
from core.xlsx import FileProblem
from core.tasks import report_progress

from .bpjs import import_bpjs_answer
from .imports import ImportConflict, import_workers, write_rejected_rows
from .models import ImportBatch

log = logging.getLogger(__name__)

# The preview keeps the first problems; all of them are in the downloadable error file.
SUMMARY_PROBLEMS = 100

PERMISSION = {
    ImportBatch.Kind.WORKERS: "enrollment.import_workers",
    ImportBatch.Kind.BPJS_ANSWER: "enrollment.import_bpjs_answer",
}


def can_use(user, kind) -> bool:
    return user.has_perm(PERMISSION[kind])


def create_batch(*, kind, upload, by, funding=None, start_date=None) -> ImportBatch:
    """Store an uploaded file and queue its check. Raises FileProblem when it is too big."""
    if not can_use(by, kind):
        raise PermissionDenied
    limit = ProgramRules.current().import_max_megabytes
    if upload.size > limit * 1024 * 1024:
        raise FileProblem(_("Berkas %(name)s berukuran %(size).1f MB, melebihi batas %(max)d MB.") % {
            "name": upload.name, "size": upload.size / 1024 / 1024, "max": limit})
    batch = ImportBatch(kind=kind, funding_source=funding, start_date=start_date, original_name=upload.name[:255],
                        created_by=by)
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    # Redis down: the batch is kept as queued, marked "menunggu antrean", and sent by the sweeper.
    queued_work.send_on_commit(batch)
    return batch


def send_again(batch: ImportBatch) -> None:
    """Send the task a waiting batch needs (the sweeper's ``send``): its commit once confirmed,
    else its check. Both are safe to run twice."""
    from .tasks import check_import_batch, commit_import_batch

    status, confirmed_by = ImportBatch.objects.filter(pk=batch.pk).values_list("status", "confirmed_by").get()
    if status == ImportBatch.Status.COMMITTING:
        commit_import_batch.apply_async((batch.pk, confirmed_by))
    else:
        check_import_batch.apply_async((batch.pk,))


def confirm_batch(batch: ImportBatch, *, skip_invalid: bool, by) -> bool:
    """Queue the commit of a checked batch; False when it was not waiting for confirmation."""
    if not can_use(by, batch.kind):
        raise PermissionDenied
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKED).update(
        status=ImportBatch.Status.COMMITTING, skip_invalid=skip_invalid, progress=0, rows_read=0, message="",
        confirmed_by=by, updated_at=timezone.now(),
    )
    if claimed:
        queued_work.send_on_commit(batch)
    return bool(claimed)


def summarize(result) -> dict:
    summary = {key: value for key, value in result.as_dict().items() if key not in ("errors", "warnings")}
    summary.update(
        errors=[p.as_dict() for p in result.errors[:SUMMARY_PROBLEMS]],
        warnings=[p.as_dict() for p in result.warnings[:SUMMARY_PROBLEMS]],
        error_count=len(result.errors),
        warning_count=len(result.warnings),
        rejected_rows=len(result.rejected),
        enrolled=getattr(result, "enrolled", 0),
        submitted=getattr(result, "submitted", 0),
        already=getattr(result, "already", 0),
    )
    return summary


def _progress_reporter(batch_id, task=None):
    def report(done, total):
        percent = min(99, done * 100 // total) if total else 0
        # updated_at is the heartbeat the sweeper watches (core/queued_work.py).
        ImportBatch.objects.filter(pk=batch_id).update(progress=percent, rows_read=done, updated_at=timezone.now())
        report_progress(task, percent)  # never fails the import (Redis may be down)

    return report


def _run(batch, *, by, dry_run, on_commit=None, progress=None):
    try:
        path = batch.file.path
    except NotImplementedError:  # a storage without local files: work on a copy
        with batch.file.open("rb") as handle, tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as copy:
            for chunk in handle.chunks():
                copy.write(chunk)
            path = copy.name
    options = dict(by=by, dry_run=dry_run, skip_invalid=batch.skip_invalid, display_name=batch.original_name,
                   on_commit=on_commit)
    if batch.kind == ImportBatch.Kind.BPJS_ANSWER:
        return path, import_bpjs_answer(path, funding=batch.funding_source, **options)
    return path, import_workers(path, funding=batch.funding_source, start=batch.start_date, progress=progress, batch=batch,
                                **options)


def _save_errors_file(batch, path, result):
    """The rejected rows, as in the file, with a "Kesalahan" column (worker lists only)."""
    if batch.errors_file:
        batch.errors_file.delete(save=False)
    if batch.kind != ImportBatch.Kind.WORKERS or not result.rejected:
        return ""
    with tempfile.TemporaryFile() as target:
        write_rejected_rows(path, result, target, max_megabytes=ProgramRules.current().import_max_megabytes)
        target.seek(0)
        batch.errors_file.save(f"kesalahan-{batch.pk}.xlsx", File(target), save=False)
    return batch.errors_file.name


def check_batch(batch_id, *, task=None) -> None:
    """The preview: read and check everything, write nothing (the check task)."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.QUEUED, ImportBatch.Status.CHECKING]
    ).update(status=ImportBatch.Status.CHECKING, progress=0, rows_read=0, updated_at=timezone.now())
    if not claimed:
        return
    batch = ImportBatch.objects.select_related("funding_source", "created_by").get(pk=batch_id)
    try:
        path, result = _run(batch, by=batch.created_by, dry_run=True, progress=_progress_reporter(batch_id, task))
    except FileProblem as exc:
        _finish(batch_id, status=ImportBatch.Status.REJECTED, message=str(exc), expected=ImportBatch.Status.CHECKING)
        return
    errors_file = _save_errors_file(batch, path, result)
    # Only if still checking: a check sent twice must not undo a confirmation that came meanwhile.
    _finish(batch_id, status=ImportBatch.Status.CHECKED, result=summarize(result), errors_file=errors_file,
            rows_read=result.rows, expected=ImportBatch.Status.CHECKING)


def commit_batch(batch_id, user_id, *, task=None) -> None:
    """The commit task: read again, check again under the locks, write (or report why not)."""
    batch = ImportBatch.objects.select_related("funding_source").filter(
        pk=batch_id, status=ImportBatch.Status.COMMITTING
    ).first()
    if batch is None:
        return  # already done, or never confirmed
    by = get_user_model().objects.get(pk=user_id)

    def mark(result):
        # Inside the import's transaction: the batch says "committed" exactly when the rows are there.
        # A commit sent twice (the sweeper, a redelivered message) waits here for the first one's
        # row lock, then finds the batch no longer committing and rolls its own writes back.
        if not ImportBatch.objects.select_for_update().filter(pk=batch_id, status=ImportBatch.Status.COMMITTING).exists():
            raise AlreadyFinished
        if result.committed:
            status, message = ImportBatch.Status.COMMITTED, ""
        else:
            status, message = ImportBatch.Status.CHECKED, _(
                "Tidak disimpan: pemeriksaan ulang saat menyimpan menemukan masalah. Periksa daftar di bawah."
            )
        _finish(batch_id, status=status, result=summarize(result), message=message, rows_read=result.rows)

    try:
        path, result = _run(batch, by=by, dry_run=False, on_commit=mark, progress=_progress_reporter(batch_id, task))
    except AlreadyFinished:
        return
    except FileProblem as exc:
        _finish(batch_id, status=ImportBatch.Status.REJECTED, message=str(exc))
        return
    except PermissionDenied:  # e.g. an area account: it may import its list, never enrol it (issue 14)
        _finish(batch_id, status=ImportBatch.Status.FAILED, message=_(
            "Tidak disimpan: akun ini tidak berwenang mendaftarkan peserta ke program."))
        return
    errors_file = _save_errors_file(batch, path, result)
    ImportBatch.objects.filter(pk=batch_id).update(errors_file=errors_file)


def mark_failed(batch_id, exc) -> None:
    """An unexpected error: say so readably on the page; the details go to the log."""
    if isinstance(exc, ImportConflict):
        _finish(batch_id, status=ImportBatch.Status.FAILED, message=str(exc))
        return
    log.error("import batch %s failed", batch_id, exc_info=exc)
    _finish(batch_id, status=ImportBatch.Status.FAILED, message=_(
        "Pemrosesan berkas gagal karena kesalahan sistem (%(error)s); tidak ada data yang disimpan. "
        "Coba unggah lagi atau hubungi administrator."
    ) % {"error": exc.__class__.__name__})


class AlreadyFinished(Exception):
    """Another run of the same commit got there first: roll this one back, change nothing."""


def _finish(batch_id, *, status, expected=None, **fields):
    fields.setdefault("progress", 100)
    rows = ImportBatch.objects.filter(pk=batch_id)
    if expected:
        rows = rows.filter(status=expected)
    rows.update(status=status, finished_at=timezone.now(), updated_at=timezone.now(), **fields)

