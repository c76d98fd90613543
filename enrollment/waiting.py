"""Quota by area and a fair waiting list (issue 14, R-ENR-4).

The district accepts village submissions (enrollment/submissions.py); each accepted row is enrolled
through the one enrolment gate (enrollment.services.check_enrollment, under enroll_workers) unless
there is no place for it: beyond its desa's or kecamatan's share of the program (AreaShare), beyond
the program's quota or beyond its budget. Such a row goes to the waiting list (status *waiting*).

**The order.** The waiting list is ordered by ``queue_at`` ascending, then by primary key.
``queue_at`` is the time the village submitted the row (``submitted_at``), so whoever was proposed
first is enrolled first, whenever the district decides; the district may move a row with a reason
(``reorder_waiting``, permission ``enrollment.reorder_waiting``), which sets its ``queue_at``
between its new neighbours and is audited with the reason.

**Places are taken in that order.** Every decision (``enroll_or_wait``) runs under the funding
source's lock and puts the rows it decides into the queue together with the rows already waiting:
places go one by one in queue order, so a row accepted today never takes the place of an earlier
row still waiting. A waiting row ahead that fits is not enrolled by that decision: it is *offered*.

**The offer rule.** When a place frees up (a death ends a coverage, a coverage is cancelled, BPJS
answers the worker is covered elsewhere: ``enrollment.services.end_coverages_at_death``,
``cancel_coverage``, ``record_external_coverage``), nothing is written: ``waiting_list`` derives
on read which waiting rows would get a place now, going down the queue exactly as the gate does
(for an area with one free place, its first waiting row). Those rows are shown to the district as
"Tempat tersedia: tawarkan" on the program page and the waiting list; enrolling one is again
``enroll_or_wait``, through the gate. Rows refused for their own reasons (age, overlap, death) are
shown with that reason and take no place.

Lock order: the funding source, then the submissions (primary-key order), then the workers
(enroll_workers): callers that lock submissions first must not hold a funding source lock.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core import transitions
from core.areas import current_scope, unscoped
from core.audit import record
from core.models import AuditEvent
from core.roles import require_permission
from funding.contributions import RateTable
from funding.models import FundingSource

from .commitment import quota_coverages
from .models import AreaShare, Desa, Submission
from .services import CAPACITY, Applicant, EnrollmentError, check_enrollment, enroll_workers, start_for

QUEUE_ORDER = (Coalesce("queue_at", "submitted_at"), "pk")


def queue_key(submission: Submission):
    """The waiting list's order: time of submission (or as moved by the district), then pk."""
    return (submission.queue_at or submission.submitted_at, submission.pk)


def waiting_rows(funding: FundingSource):
    """The program's waiting list in its order, whoever asks (the whole regency)."""
    return (
        Submission.objects.filter(funding_source=funding, status=Submission.Status.WAITING)
        .select_related("worker__desa__kecamatan")
        .order_by(*QUEUE_ORDER)
    )


def _with_occupations(queryset, funding):
    # The transport flag changes the price only for a non-public payer (R-RATE-4).
    return queryset if funding.is_public_funds else queryset.prefetch_related("worker__occupations")


def _applicant(submission: Submission, funding: FundingSource) -> Applicant:
    worker = submission.worker
    transport = not funding.is_public_funds and any(o.is_transport for o in worker.occupations.all())
    return Applicant(nik=worker.nik, birth_date=worker.birth_date, died_on=worker.died_on, transport=transport,
                     item=submission, desa_id=worker.desa_id)


def _check_queue(funding, queue, *, start, rates=None):
    """The gate over the queue (rows in order): (check, {submission pk: applicant})."""
    applicants = [_applicant(s, funding) for s in queue]
    check = check_enrollment(funding=funding, applicants=applicants, start=start, rates=rates or RateTable.load())
    return check, {a.item.pk: a for a in applicants}


def _own_problems(check, applicant) -> list:
    return [message for rule, message in check.problems_of(applicant) if rule not in CAPACITY]


def _move(submission: Submission, status, *, by, now, note="", coverage=None) -> None:
    """The decision's move (core/transitions.py, audited): a row joins the queue at its time of
    submission the first time it is decided, and keeps its place after that."""
    fields = {"queue_at": submission.queue_at or submission.submitted_at, "decided_at": now,
              "decided_by": by if getattr(by, "pk", None) else None}
    if coverage is not None:
        fields["coverage"] = coverage
    transitions.apply(submission, status, by=by, fields=fields, note=note, parent=submission.worker, as_text=True,
                      unaudited=("decided_at", "decided_by"))


def enroll_or_wait(submissions, *, by, start: datetime.date | None = None) -> tuple[list, list]:
    """Enrol the accepted ``submissions`` through the gate, or put them on the waiting list.

    Per program, under its lock: the rows join the queue with the rows already waiting, and take
    places in queue order (see the module's docstring). A row with a place is enrolled
    (``enroll_workers``: draft coverage, status *enrolled*); a row refused only for capacity (its
    area's share, the quota, the budget) waits, ``queue_at`` = its time of submission. A row refused
    for its own reasons (age, already covered, death, period) raises EnrollmentError listing them,
    and nothing is written. Rows already waiting are decided again the same way (the district
    enrolling an offered row). Returns (enrolled, waiting) lists of submissions.
    """
    require_permission(by, "enrollment.decide_submission")
    by_funding = {}
    for submission in submissions:
        by_funding.setdefault(submission.funding_source_id, []).append(submission.pk)
    enrolled, waiting = [], []
    with transaction.atomic(), unscoped():
        for funding_pk in sorted(by_funding):
            done, queued = _decide(funding_pk, by_funding[funding_pk], by=by, start=start)
            enrolled += done
            waiting += queued
    return enrolled, waiting


def _decide(funding_pk, pks, *, by, start):
    funding = FundingSource.objects.lock(funding_pk)
    start = start or start_for(funding)
    rows = list(_with_occupations(
        Submission.objects.filter(pk__in=pks).select_related("worker").order_by("pk").select_for_update(of=("self",)),
        funding,
    ))
    closed = [s for s in rows if s.status not in Submission.OPEN]
    if closed:
        raise EnrollmentError([(s.worker, _("Pengajuan %(worker)s berstatus %(status)s dan tidak dapat didaftarkan.") % {
            "worker": s.worker.full_name, "status": s.get_status_display()}) for s in closed])
    ahead = list(_with_occupations(waiting_rows(funding).exclude(pk__in=pks), funding))
    queue = sorted([*rows, *ahead], key=queue_key)
    check, applicants = _check_queue(funding, queue, start=start)
    if check.end is None:  # R-ENR-2: nobody can start then
        raise EnrollmentError(check.batch)
    problems = [(s.worker, message) for s in rows for message in _own_problems(check, applicants[s.pk])]
    if problems:
        raise EnrollmentError(problems)
    deciding = set(pks)
    fit = [s for s in queue if s.pk in deciding and applicants[s.pk] not in check.beyond]
    beyond = [s for s in queue if s.pk in deciding and applicants[s.pk] in check.beyond]
    now = timezone.now()
    if fit:
        coverages = enroll_workers(funding=funding, workers=[s.worker for s in fit], start=start, by=by,
                                   note=_("Pengajuan desa diterima."))
        for submission, coverage in zip(fit, coverages):
            _move(submission, Submission.Status.ENROLLED, by=by, now=now, coverage=coverage)
    for submission in beyond:
        if submission.status != Submission.Status.WAITING:
            _move(submission, Submission.Status.WAITING, by=by, now=now, note=check.beyond[applicants[submission.pk]][1])
    return fit, beyond


@dataclass
class WaitingRow:
    """One row of the waiting list as it stands now: ``offered`` when a place is free for it (the
    district may enrol it), else ``reason``: why it still waits or cannot be enrolled."""

    submission: Submission
    position: int
    offered: bool
    reason: str = ""


def waiting_list(funding: FundingSource, *, start: datetime.date | None = None, rates=None) -> list[WaitingRow]:
    """The waiting list in order with the offers derived on read (the module's offer rule):
    the gate over the whole queue, in a constant number of queries whatever its length."""
    with unscoped():
        queue = list(_with_occupations(waiting_rows(funding), funding))
        if not queue:
            return []
        check, applicants = _check_queue(funding, queue, start=start or start_for(funding), rates=rates)
    rows = []
    for position, submission in enumerate(queue, 1):
        applicant = applicants[submission.pk]
        own = _own_problems(check, applicant)
        if check.end is None:
            reason = check.batch[0][1]
        elif own:
            reason = " ".join(own)
        elif applicant in check.beyond:
            reason = check.beyond[applicant][1]
        else:
            reason = ""
        rows.append(WaitingRow(submission=submission, position=position, offered=not reason, reason=reason))
    if current_scope() is not None:
        # An area account sees its own rows at their place in the program's queue (core/areas.py).
        visible = set(Submission.objects.filter(pk__in=[row.submission.pk for row in rows]).values_list("pk", flat=True))
        rows = [row for row in rows if row.submission.pk in visible]
    return rows


def offers(funding: FundingSource, **kwargs) -> list[Submission]:
    """The waiting rows a place is free for now, in queue order ("Tempat tersedia: tawarkan")."""
    return [row.submission for row in waiting_list(funding, **kwargs) if row.offered]


@dataclass
class AreaFigures:
    label: str
    kecamatan: str
    is_desa: bool
    places: int
    enrolled: int
    waiting: int
    offered: int

    @property
    def free(self) -> int:
        return max(self.places - self.enrolled, 0)


def area_figures(funding: FundingSource, *, start=None, rates=None) -> dict:
    """The program page's table: each area share with its places, the places held
    (``holding_place()``, as the gate counts them), the rows waiting and those offered; plus the
    program's totals. A constant number of queries, whatever the number of areas and rows."""
    waiting = waiting_list(funding, start=start, rates=rates)
    with unscoped():
        shares = list(AreaShare.objects.filter(funding_source=funding).select_related("kecamatan", "desa")
                      .order_by("kecamatan__code", "desa__code"))
        held, kecamatan_of = {}, {}
        if shares:
            held = dict(quota_coverages(funding).values_list("worker__desa_id").annotate(n=Count("id")).order_by())
            kecamatan_of = dict(Desa.objects.values_list("pk", "kecamatan_id"))

    def within(share, desa) -> bool:
        return desa == share.desa_id if share.desa_id else kecamatan_of.get(desa) == share.kecamatan_id

    waiting_desa = [row.submission.worker.desa_id for row in waiting]
    offered_desa = [row.submission.worker.desa_id for row in waiting if row.offered]
    areas = [
        AreaFigures(
            label=share.desa.name if share.desa_id else share.kecamatan.name,
            kecamatan=share.kecamatan.name, is_desa=bool(share.desa_id), places=share.places,
            enrolled=sum(n for desa, n in held.items() if within(share, desa)),
            waiting=sum(1 for desa in waiting_desa if within(share, desa)),
            offered=sum(1 for desa in offered_desa if within(share, desa)),
        )
        for share in shares
    ]
    return {"areas": areas, "waiting": len(waiting), "offered": len(offered_desa), "rows": waiting}


@transaction.atomic
def reorder_waiting(submission: Submission, *, before: Submission | None = None, after: Submission | None = None,
                    reason: str, by) -> Submission:
    """Move a waiting row just before or just after another row of the same program's waiting list.

    Sets its ``queue_at`` between its new neighbours (a neighbour with the same time is moved on by
    a microsecond, audited too), under the program's lock; audited with the required reason.
    """
    require_permission(by, "enrollment.reorder_waiting")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Alasan perubahan urutan daftar tunggu wajib diisi."))
    if (before is None) == (after is None):
        raise ValidationError(_("Pilih satu baris tujuan: sebelum atau sesudah baris lain."))
    target = before or after
    with unscoped():
        return _reorder(submission, target, before=before is not None, reason=reason, by=by)


def _reorder(submission, target, *, before: bool, reason, by):
    funding = FundingSource.objects.lock(submission.funding_source_id)
    queue = list(
        Submission.objects.filter(funding_source=funding, status=Submission.Status.WAITING)
        .select_related("worker").order_by("pk").select_for_update(of=("self",))
    )
    queue.sort(key=queue_key)
    by_pk = {s.pk: s for s in queue}
    moving, target = by_pk.get(submission.pk), by_pk.get(target.pk)
    if moving is None or target is None:
        raise ValidationError(_("Hanya baris daftar tunggu program yang sama yang dapat dipindahkan."))
    if moving is target:
        raise ValidationError(_("Baris tujuan harus baris lain."))
    rest = [s for s in queue if s is not moving]
    index = rest.index(target) + (0 if before else 1)
    previous = rest[index - 1] if index > 0 else None
    following = rest[index] if index < len(rest) else None
    old = {s.pk: s.queue_at for s in queue}
    if previous is None:
        moving.queue_at = queue_key(following)[0] - datetime.timedelta(seconds=1)
    elif following is None:
        moving.queue_at = queue_key(previous)[0] + datetime.timedelta(seconds=1)
    else:
        low, high = queue_key(previous)[0], queue_key(following)[0]
        moving.queue_at = low + (high - low) / 2
    order = [*rest[:index], moving, *rest[index:]]
    last, changed = None, [moving]
    for row in order:  # keep the order strict where neighbours share a time
        if last is not None and queue_key(row) <= last:
            row.queue_at = last[0] + datetime.timedelta(microseconds=1)
            if row is not moving:
                changed.append(row)
        last = queue_key(row)
    for row in changed:
        Submission.objects.filter(pk=row.pk).update(queue_at=row.queue_at)
        note = reason if row is moving else _("Bergeser karena %(worker)s dipindahkan: %(reason)s") % {
            "worker": moving.worker.full_name, "reason": reason}
        record(actor=by, obj=row, action=AuditEvent.Action.UPDATE, note=note, parent=row.worker, changes={
            "queue_at": [old[row.pk].isoformat() if old[row.pk] else None, row.queue_at.isoformat()]})
    return moving
