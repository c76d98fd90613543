"""A village's upload (issue 14): the same import, ending in submissions instead of coverages.

When the uploader is area-bound (an Operator Desa), ``import_workers`` reads the file with the
uploader's desa (a row of another desa is a row error at its Desa column, imports.rows), runs
the enrolment gate without the quota and budget (they apply at the district's verdict), then the
two steps here: ``check_village_rows`` (workers already registered elsewhere, rows already
submitted to the program) and ``write_submissions`` (the workers, their occupations and heirs
as the district's import writes them, and one submitted row per valid line, audited under the
worker). Nothing of a village's upload is enrolled.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record, record_many
from core.models import AuditEvent
from funding.models import FundingSource

from ..models import Submission, Worker
from .reading import WorkerFile
from .result import Problem
from .write import write_candidates

BLOCKING = (*Submission.OPEN, Submission.Status.REJECTED)


def check_village_rows(file: WorkerFile, *, funding: FundingSource) -> None:
    """After imports.check: refuse the rows whose NIK is a worker of another area (named only as
    "already registered", as the worker form does) or already submitted to ``funding``."""
    result = file.result
    registered = {c.worker_id: c for c in file.candidates if c.ok and c.worker_id is not None}
    if not registered:
        return
    desa_of = dict(Worker.objects.filter(pk__in=registered).values_list("pk", "desa_id"))
    open_rows = {
        worker_id: status for worker_id, status in Submission.objects.filter(
            worker_id__in=registered, funding_source=funding, status__in=BLOCKING).values_list("worker_id", "status")
    }
    hidden = set()
    for worker_id, candidate in registered.items():
        if desa_of.get(worker_id) not in file.allowed_desa:
            message = _("NIK ini sudah terdaftar di luar wilayah tugas Anda; hubungi Dinas (kabupaten).")
            hidden.add((candidate.sheet, candidate.row))  # the warning naming the registered worker goes
        elif worker_id in open_rows:
            status = Submission.Status(open_rows[worker_id])
            message = (_("Pekerja ini sudah diajukan ke %(funding)s dan ditolak; perbaiki datanya lalu ajukan ulang "
                         "dari daftar Pengajuan desa.") if status == Submission.Status.REJECTED else
                       _("Pekerja ini sudah diajukan ke %(funding)s (%(status)s).")) % {
                "funding": funding.name, "status": status.label}
        else:
            continue
        result.errors.append(Problem(candidate.sheet, candidate.row, candidate.nik_column, candidate.nik, message))
        result.rejected.setdefault((candidate.sheet, candidate.row), []).append(message)
        candidate.ok = False
    if hidden:
        result.warnings = [w for w in result.warnings if (w.sheet, w.row) not in hidden]
    result.valid = sum(1 for c in file.candidates if c.ok)


def write_submissions(file: WorkerFile, *, funding: FundingSource, by, batch=None) -> None:
    """Write the valid rows as the district's import does, without coverage, and a submitted row
    for each (import_batch set), audited under its worker."""
    write_candidates(file, funding=funding, start=file.start, by=by, batch=batch, coverages=False)
    valid = [c for c in file.candidates if c.ok]
    now = timezone.now()
    actor = by if getattr(by, "pk", None) else None
    # The worker as its audit rows name it, without reading the rows just written back.
    rows = [
        Submission(worker=Worker(pk=c.worker_id, full_name=c.full_name), funding_source=funding, import_batch=batch,
                   submitted_at=now, submitted_by=actor)
        for c in valid
    ]
    created = Submission.objects.bulk_create(rows, batch_size=2000)
    note = _("Impor Excel %(file)s") % {"file": file.name}
    record_many(actor=by, objs=created, action=AuditEvent.Action.IMPORT, note=note, parent_for=lambda s: s.worker,
                changes_for=lambda s: {"status": [None, Submission.Status.SUBMITTED], "funding_source": [None, funding.code]})
    if batch is not None:
        record(actor=by, obj=batch, action=AuditEvent.Action.IMPORT, note=file.name,
               changes={"submissions_created": [None, len(created)]})
    file.result.submitted = len(created)
