"""A few village submissions for the demo (issue 14): Bunut's officer (``desa``) has proposed new
workers for the running program; one was checked by Bulik's officer (``kecamatan``), one rejected
by the district (``operator``) with a reason and a note, waiting to be fixed and resubmitted.

Made through enrollment/submissions.py's verbs, as the three officers would (each verb is
durable, so this runs outside any transaction; the verbs write the audit rows).
"""

import datetime

from core.audit import record
from core.models import AuditEvent
from enrollment.models import Desa, Submission, Worker
from enrollment.submissions import check_submissions, reject_submissions, submit_workers
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
    """Bunut's pending submissions for the program running today, once (returns how many were made)."""
    program = FundingSource.objects.filter(period_start__lte=today, period_end__gte=today).order_by("code").first()
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
    for worker in workers:
        record(actor=village, obj=worker, action=AuditEvent.Action.CREATE, note="Dimasukkan oleh desa")
    rows = submit_workers(workers, program, village)
    for row, (_status, checked, rejected) in zip(rows, ROWS):
        if checked:
            check_submissions([row], subdistrict)
        if rejected:
            reject_submissions([row], district, Submission.Reason.IDENTITY, REJECT_NOTE)
    return len(rows)
