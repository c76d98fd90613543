"""A few village submissions for the demo (issue 14): Bunut's officer (``desa``) has proposed new
workers for the running program; one was checked by Bulik's officer (``kecamatan``), one rejected
by the district (``operator``) with a reason and a note, waiting to be fixed and resubmitted.

Written with the ORM plus their audit rows, the way enrollment/submissions.py's verbs leave them
(when those verbs exist on main, this module should call them instead: submit as ``desa``,
check as ``kecamatan``, reject as ``operator``).
"""

import datetime

from django.utils import timezone

from core.audit import record
from core.models import AuditEvent
from enrollment.models import Desa, Submission, Worker
from funding.models import FundingSource

from .builders import WorkerFactory, save_workers

BUNUT = "62.09.03.2006"
# (status, checked by the kecamatan, rejected by the district) of each row, oldest first.
ROWS = [
    (Submission.Status.REJECTED, False, True),
    (Submission.Status.CHECKED, True, False),
    (Submission.Status.SUBMITTED, False, False),
    (Submission.Status.SUBMITTED, False, False),
]
REJECT_NOTE = "Tanggal lahir di formulir berbeda dengan KTP; mohon perbaiki sesuai KTP lalu ajukan lagi."


def seed_village_submissions(*, today: datetime.date, village, subdistrict, district) -> int:
    """Bunut's pending submissions for this year's program, once (returns how many were made)."""
    program = FundingSource.objects.filter(fiscal_year=today.year).order_by("code").first()
    if program is None or Submission.objects.filter(submitted_by=village).exists():
        return 0
    bunut = Desa.objects.select_related("kecamatan").get(code=BUNUT)
    factory = WorkerFactory(seed=14, serial_start=7001)
    demo = []
    while len(demo) < len(ROWS):
        candidate = factory.worker(bunut, born_from=datetime.date(1970, 1, 1), born_until=datetime.date(2000, 12, 31))
        if not Worker.objects.filter(nik=candidate.worker.nik).exists():
            demo.append(candidate)
    workers = save_workers(demo)
    now = timezone.now()
    made = 0
    for index, (worker, (status, checked, rejected)) in enumerate(zip(workers, ROWS)):
        submitted_at = now - datetime.timedelta(days=len(ROWS) - index, hours=3)
        record(actor=village, obj=worker, action=AuditEvent.Action.CREATE, note="Dimasukkan oleh desa")
        submission = Submission.objects.create(
            worker=worker, funding_source=program, status=Submission.Status.SUBMITTED, submitted_at=submitted_at,
            submitted_by=village, queue_at=submitted_at,
        )
        record(actor=village, obj=submission, action=AuditEvent.Action.CREATE, parent=worker,
               note="Diajukan desa", changes={"status": [None, Submission.Status.SUBMITTED]})
        if checked:
            submission.status, submission.checked_by = Submission.Status.CHECKED, subdistrict
            submission.checked_at = submitted_at + datetime.timedelta(hours=20)
            submission.save(update_fields=["status", "checked_by", "checked_at"])
            record(actor=subdistrict, obj=submission, action=AuditEvent.Action.TRANSITION, parent=worker,
                   note="Diperiksa kecamatan", changes={"status": [Submission.Status.SUBMITTED, Submission.Status.CHECKED]})
        if rejected:
            submission.status, submission.decided_by = Submission.Status.REJECTED, district
            submission.decided_at = submitted_at + datetime.timedelta(days=1)
            submission.reason, submission.note = Submission.Reason.IDENTITY, REJECT_NOTE
            submission.save(update_fields=["status", "decided_by", "decided_at", "reason", "note"])
            record(actor=district, obj=submission, action=AuditEvent.Action.TRANSITION, parent=worker,
                   note=f"Ditolak: {submission.get_reason_display()}. {REJECT_NOTE}",
                   changes={"status": [Submission.Status.SUBMITTED, Submission.Status.REJECTED]})
        made += 1
    return made
