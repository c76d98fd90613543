"""Village submissions (issue 14, maker-checker): the verbs that move a ``Submission``.

An Operator Desa proposes workers of their village for a running program (``submit_workers``; the
Excel upload writes the same rows, enrollment/imports/village.py); an Operator Kecamatan may check
them (``check_submissions``; required before acceptance when ``ProgramRules.kecamatan_check`` is
on); the Operator Kabupaten accepts them (``accept_submissions``: enrolled through the one
enrolment gate by ``enrollment.waiting.enroll_or_wait``, or put on the waiting list) or rejects
them with a reason (``reject_submissions``); the village fixes a rejected worker and submits it
again (``resubmit``). A village account never enrols: none of its verbs creates a coverage.

Each verb, like claims/services.py: one durable transaction; checks its permission itself
(``require_permission``) and the account's area (enrollment/areas.py: a village only its desa, a
kecamatan only the kecamatan assigned to it); locks the rows in primary-key order, reading them
unscoped so that a row of another area is refused, not silently skipped; checks
``Submission.NEXT``; audits every move under the worker (core/transitions.py, core/audit.py).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import transitions
from core.areas import unscoped
from core.audit import record
from core.models import AuditEvent, ProgramRules
from core.roles import require_permission
from funding.models import FundingSource

from .areas import held_kecamatan_ids, is_area_bound, scope_for
from .models import Submission, Worker
from .services import Applicant, check_enrollment, start_for
from .waiting import enroll_or_wait

# Rows that block a new submission of the same worker to the same program (the unique constraint
# submission_one_open_per_program): open ones, and a rejected one (reopened by ``resubmit``).
BLOCKING = (*Submission.OPEN, Submission.Status.REJECTED)


class SubmissionError(Exception):
    """A submission step refused; ``messages`` are Indonesian sentences for the user."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


def _pks(items) -> list:
    return [getattr(item, "pk", item) for item in items]


def _lock(pks) -> list[Submission]:
    """The submissions, locked in primary-key order, read unscoped (the verbs check the area)."""
    with unscoped():
        rows = transitions.lock_many(
            Submission.objects.select_related("worker__desa__kecamatan", "funding_source"), pks)
    if len(rows) != len(set(pks)):
        raise SubmissionError(_("Sebagian pengajuan yang dipilih tidak ditemukan."))
    return rows


def _refuse_outside_village(by, workers) -> None:
    """An Operator Desa acts only on the workers of their desa."""
    scope = scope_for(by) if by is not None else None
    if scope is not None and any(worker.desa_id not in scope.desa_ids for worker in workers):
        raise PermissionDenied(_("Pekerja ini berada di luar wilayah tugas Anda."))


def _refuse_outside_kecamatan(by, submissions) -> None:
    """An Operator Kecamatan checks only the rows of the kecamatan assigned to them."""
    if by is not None and is_area_bound(by):
        held = held_kecamatan_ids(by)
        if any(s.worker.desa.kecamatan_id not in held for s in submissions):
            raise PermissionDenied(_("Pengajuan ini berada di luar kecamatan tugas Anda."))


def _refusals(rows, to, message) -> None:
    errors = [error for row in rows if (error := transitions.refusal(row, to, message, worker=row.worker.full_name))]
    if errors:
        raise SubmissionError(errors)


def gate_problems(workers, funding: FundingSource) -> list[str]:
    """What the enrolment gate already says of these workers for ``funding`` (R-AGE-1, R-ENR-2,
    death, R-ENR-3, R-ENR-5), without the quota and budget: those apply at the verdict."""
    applicants = [Applicant(nik=w.nik, birth_date=w.birth_date, died_on=w.died_on, item=w) for w in workers]
    # The gate looks at the whole regency itself (every coverage, BPJS's other payers).
    check = check_enrollment(funding=funding, applicants=applicants, start=start_for(funding), capacity=False)
    if check.end is None:
        return [message for _none, message in check.batch]
    return [
        f"{applicant.item.full_name}: {message}"
        for applicant in applicants for _rule, message in check.problems_of(applicant)
    ]


def _refuse_ended(funding: FundingSource) -> None:
    if funding.period_end < timezone.localdate():
        raise SubmissionError(_("Program %(name)s sudah berakhir (%(end)s); pilih program yang sedang berjalan.") % {
            "name": funding.name, "end": funding.period_end.strftime("%d-%m-%Y")})


def already_submitted(worker_ids, funding: FundingSource) -> dict:
    """{worker id: Submission} of the rows that block a new submission to ``funding``."""
    with unscoped():
        return {s.worker_id: s for s in Submission.objects.filter(
            worker_id__in=worker_ids, funding_source=funding, status__in=BLOCKING)}


def blocked_message(submission: Submission) -> str:
    if submission.status == Submission.Status.REJECTED:
        return _("%(worker)s sudah diajukan ke %(funding)s dan ditolak; perbaiki datanya lalu ajukan ulang dari "
                 "daftar Pengajuan desa.") % {"worker": submission.worker.full_name, "funding": submission.funding_source}
    return _("%(worker)s sudah diajukan ke %(funding)s (%(status)s).") % {
        "worker": submission.worker.full_name, "funding": submission.funding_source,
        "status": submission.get_status_display()}


@transaction.atomic(durable=True)
def submit_workers(workers, funding: FundingSource, by, *, note="") -> list[Submission]:
    """An Operator Desa proposes ``workers`` of their desa for ``funding`` (a running program): all
    of them or none. Each becomes a submitted row, audited under its worker. Nothing is enrolled."""
    require_permission(by, "enrollment.submit_village")
    _refuse_ended(funding)
    with unscoped():
        locked = transitions.lock_many(Worker.objects.all(), _pks(workers))
    if len(locked) != len(set(_pks(workers))):
        raise PermissionDenied(_("Pekerja ini berada di luar wilayah tugas Anda."))
    _refuse_outside_village(by, locked)
    blocked = already_submitted([w.pk for w in locked], funding)
    problems = [blocked_message(blocked[w.pk]) for w in locked if w.pk in blocked]
    problems += gate_problems(locked, funding)
    if problems:
        raise SubmissionError(problems)
    now = timezone.now()
    created = []
    for worker in locked:
        submission = Submission.objects.create(worker=worker, funding_source=funding, submitted_at=now,
                                               submitted_by=by if getattr(by, "pk", None) else None)
        record(actor=by, obj=submission, action=AuditEvent.Action.CREATE, parent=worker, note=note, changes={
            "status": [None, Submission.Status.SUBMITTED], "funding_source": [None, funding.code]})
        created.append(submission)
    return created


@transaction.atomic(durable=True)
def check_submissions(submissions, by, note="") -> list[Submission]:
    """An Operator Kecamatan confirms submitted rows of their kecamatan (submitted -> checked)."""
    require_permission(by, "enrollment.check_submission")
    rows = _lock(_pks(submissions))
    _refuse_outside_kecamatan(by, rows)
    _refusals(rows, Submission.Status.CHECKED, _(
        "Pengajuan %(worker)s berstatus %(status)s dan tidak dapat diubah menjadi %(to)s."))
    now = timezone.now()
    return [
        transitions.apply(row, Submission.Status.CHECKED, by=by, fields={"checked_at": now, "checked_by": by},
                          note=note, parent=row.worker, as_text=True)
        for row in rows
    ]


@transaction.atomic(durable=True)
def accept_submissions(submissions, by) -> tuple[list, list]:
    """The district accepts rows (row by row or in bulk): enrolled through the one enrolment gate,
    or put on the waiting list beyond a share, the quota or the budget (enrollment.waiting).
    With the kecamatan check on, only checked rows may be accepted. Returns (enrolled, waiting)."""
    require_permission(by, "enrollment.decide_submission")
    pks = _pks(submissions)
    # The programs first, then the rows: the order enroll_or_wait and reorder_waiting lock in.
    with unscoped():
        programs = Submission.objects.filter(pk__in=pks).values_list("funding_source_id", flat=True).distinct()
        for funding_pk in sorted(programs):
            FundingSource.objects.lock(funding_pk)
    rows = _lock(pks)
    _refusals(rows, Submission.Status.ENROLLED, _(
        "Pengajuan %(worker)s berstatus %(status)s dan tidak dapat diterima."))
    if ProgramRules.current().kecamatan_check:
        unchecked = [row.worker.full_name for row in rows if row.status == Submission.Status.SUBMITTED]
        if unchecked:
            raise SubmissionError(_("Belum diperiksa kecamatan: %(names)s. Pengajuan desa harus diperiksa kecamatan "
                                    "sebelum diterima.") % {"names": ", ".join(unchecked)})
    now = timezone.now()
    for row in rows:
        changes = {"decided_at": [None, now.isoformat()], "decided_by": [None, str(by) if by else None]}
        row.decided_at, row.decided_by = now, by
        row.save(update_fields=["decided_at", "decided_by", "updated_at"])
        record(actor=by, obj=row, action=AuditEvent.Action.UPDATE, changes=changes, parent=row.worker,
               note=_("Diterima kabupaten"))
    return enroll_or_wait(rows, by=by)


@transaction.atomic(durable=True)
def reject_submissions(submissions, by, reason, note="") -> list[Submission]:
    """The district rejects rows with a reason from ``Submission.Reason`` and free text (required
    for "Lainnya"); the village sees both on the worker's page and in its list."""
    require_permission(by, "enrollment.decide_submission")
    note = (note or "").strip()
    if reason not in Submission.Reason.values:
        raise SubmissionError(_("Pilih alasan penolakan dari daftar."))
    if reason == Submission.Reason.OTHER and not note:
        raise SubmissionError(_("Alasan \"Lainnya\" wajib disertai catatan."))
    rows = _lock(_pks(submissions))
    _refusals(rows, Submission.Status.REJECTED, _(
        "Pengajuan %(worker)s berstatus %(status)s dan tidak dapat ditolak."))
    now = timezone.now()
    return [
        transitions.apply(row, Submission.Status.REJECTED, by=by, as_text=True, parent=row.worker, note=note,
                          fields={"decided_at": now, "decided_by": by, "reason": reason, "note": note})
        for row in rows
    ]


@transaction.atomic(durable=True)
def resubmit(submission, by) -> Submission:
    """The village submits a rejected row again after fixing the worker (rejected -> submitted).
    The verdict fields are cleared; the verdict stays in the audit trail."""
    require_permission(by, "enrollment.submit_village")
    row = _lock([getattr(submission, "pk", submission)])[0]
    _refuse_outside_village(by, [row.worker])
    _refusals([row], Submission.Status.SUBMITTED, _(
        "Pengajuan %(worker)s berstatus %(status)s dan tidak dapat diajukan ulang."))
    _refuse_ended(row.funding_source)
    problems = gate_problems([row.worker], row.funding_source)
    if problems:
        raise SubmissionError(problems)
    return transitions.apply(row, Submission.Status.SUBMITTED, by=by, as_text=True, parent=row.worker, fields={
        "submitted_at": timezone.now(), "submitted_by": by if getattr(by, "pk", None) else None,
        "checked_at": None, "checked_by": None, "decided_at": None, "decided_by": None, "reason": "", "note": "",
        "queue_at": None,
    }, note=_("Diajukan ulang"))
