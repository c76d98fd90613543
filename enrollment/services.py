"""Enrolment and coverage transitions: the one place where the enrolment rules are enforced.

R-AGE-1, R-ENR-2, R-ENR-3, R-ENR-4 and R-ENR-5 of ../shared/domain.md. Enrolling locks the funding
source row first (quota and budget are checked against committed rows, so two officials
enrolling at the same moment cannot both take the last place), then the workers in primary-key
order (the same worker cannot be enrolled twice for overlapping days by two requests).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record, record_many
from core.money import ZERO, format_rupiah
from core.models import AuditEvent, ProgramRules
from funding.contributions import RateError, RateTable, coverage_end
from funding.models import FundingSource
from funding.services import committed_cost, counting_coverages

from .models import MAX_OCCUPATIONS, Coverage, ExternalCoverage, Worker
from .nik import age_on, kpj_error


class EnrollmentError(Exception):
    """Enrolment refused; ``problems`` is a list of (worker or None, Indonesian message)."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(message for _worker, message in problems))

    @property
    def messages(self):
        return [message for _worker, message in self.problems]


class CoverageError(Exception):
    """A coverage transition that is not allowed (explained in Indonesian)."""


def age_error(birth_date: datetime.date, start: datetime.date, rules: ProgramRules) -> str | None:
    """R-AGE-1: on the coverage start date the worker is at least 18 and under 65 (configurable)."""
    age = age_on(birth_date, start)
    if age < rules.min_age or age >= rules.max_age:
        return _(
            "Usia pada tanggal mulai %(start)s adalah %(age)d tahun; harus %(min)d sampai di bawah %(max)d tahun (R-AGE-1)."
        ) % {"start": start.strftime("%d-%m-%Y"), "age": age, "min": rules.min_age, "max": rules.max_age}
    return None


def occupations_error(occupations) -> str | None:
    """R-ENR-6: a worker declares at most 2 occupations."""
    if len(occupations) > MAX_OCCUPATIONS:
        return _("Paling banyak %(max)d pekerjaan (R-ENR-6); dipilih %(count)d.") % {
            "max": MAX_OCCUPATIONS,
            "count": len(occupations),
        }
    return None


def period_error(funding: FundingSource, start: datetime.date) -> str | None:
    """R-ENR-2: a coverage starts inside its funding source's period."""
    if not funding.period_start <= start <= funding.period_end:
        return _("Tanggal mulai %(start)s di luar periode %(name)s (%(from)s s.d. %(to)s) (R-ENR-2).") % {
            "start": start.strftime("%d-%m-%Y"),
            "name": funding.name,
            "from": funding.period_start.strftime("%d-%m-%Y"),
            "to": funding.period_end.strftime("%d-%m-%Y"),
        }
    return None


def overlap_problems(workers, start, end, programs) -> dict:
    """R-ENR-3 and R-ENR-5: {worker pk: message} for workers already covered on any of these days.

    Checks our own coverages (any payer) and BPJS's record of other payers. Two queries.
    """
    by_pk = {w.pk: w for w in workers}
    problems = {}
    program_filter = Q()
    for program in programs:
        program_filter |= Q(**{program.lower(): True})
    existing = (
        Coverage.objects.overlapping(start, end)
        .filter(program_filter, worker_id__in=by_pk)
        .select_related("funding_source")
        .order_by("start_date")
    )
    for coverage in existing:
        problems.setdefault(
            coverage.worker_id,
            _("Sudah terlindungi %(programs)s oleh %(funding)s pada %(from)s s.d. %(to)s (R-ENR-3).")
            % {
                "programs": "+".join(coverage.programs),
                "funding": coverage.funding_source.name,
                "from": coverage.start_date.strftime("%d-%m-%Y"),
                "to": coverage.end_date.strftime("%d-%m-%Y"),
            },
        )
    by_nik = {w.nik: w for w in workers}
    for external in ExternalCoverage.objects.filter(nik__in=by_nik, start_date__lte=end, end_date__gte=start):
        problems.setdefault(
            by_nik[external.nik].pk,
            _("Sudah terdaftar di BPJS melalui %(payer)s pada %(from)s s.d. %(to)s (R-ENR-5).")
            % {
                "payer": external.payer,
                "from": external.start_date.strftime("%d-%m-%Y"),
                "to": external.end_date.strftime("%d-%m-%Y"),
            },
        )
    return problems


@dataclass
class EnrollmentPlan:
    """What enrolling these workers would create, before anything is written."""

    coverages: list
    cost: object  # Decimal

    @property
    def count(self):
        return len(self.coverages)


def plan_enrollment(*, funding: FundingSource, workers, start: datetime.date, programs=None, rates=None) -> EnrollmentPlan:
    """Check every rule for enrolling ``workers`` from ``start``; raise EnrollmentError listing all problems.

    Reads only; ``enroll_workers`` calls it under locks, and the admin form and the import's
    preview call it to explain problems before the user commits.
    """
    rules = ProgramRules.current()
    rates = rates or RateTable.load()
    programs = programs or funding.programs
    problems = []
    error = period_error(funding, start)
    if error:
        raise EnrollmentError([(None, error)])
    unknown = set(programs) - set(funding.programs)
    if unknown:
        raise EnrollmentError([(None, _("Sumber dana %(name)s tidak membiayai %(programs)s.") % {
            "name": funding.name, "programs": ", ".join(sorted(unknown))})])
    end = coverage_end(start, funding.coverage_months, funding.period_end)
    workers = list(workers)
    seen = set()
    for worker in workers:
        if worker.pk in seen:
            problems.append((worker, _("%(name)s dipilih lebih dari sekali.") % {"name": worker.full_name}))
        seen.add(worker.pk)
    for worker in workers:
        error = age_error(worker.birth_date, start, rules)
        if error:
            problems.append((worker, error))
        if worker.died_on and worker.died_on <= start:
            problems.append((worker, _("Pekerja tercatat meninggal pada %(date)s.") % {"date": worker.died_on.strftime("%d-%m-%Y")}))
    for pk, message in overlap_problems(workers, start, end, programs).items():
        problems.append((next(w for w in workers if w.pk == pk), message))
    coverages = [
        Coverage(
            worker=worker,
            funding_source=funding,
            jkk="JKK" in programs,
            jkm="JKM" in programs,
            start_date=start,
            end_date=end,
            income_basis=funding.income_basis,
        )
        for worker in workers
    ]
    try:
        # Regency funds are public money, so occupation (transport) never changes the price here;
        # a non-public payer would get PP 50/2025's discount by occupation.
        cost = sum(
            (
                rates.coverage_cost(
                    start=c.start_date, end=c.end_date, programs=programs, basis=c.income_basis,
                    public_funds=funding.is_public_funds, transport=_is_transport(c.worker, funding),
                )
                for c in coverages
            ),
            ZERO,
        )
    except RateError as exc:
        raise EnrollmentError([(None, str(exc))]) from exc
    problems.extend(capacity_problems(funding, len(coverages), cost, rates=rates))
    if problems:
        raise EnrollmentError(problems)
    return EnrollmentPlan(coverages=coverages, cost=cost)


def _is_transport(worker, funding) -> bool:
    if funding.is_public_funds:
        return False
    return any(o.is_transport for o in worker.occupations.all())


def capacity_problems(funding: FundingSource, new_count: int, new_cost, *, rates=None) -> list:
    """R-ENR-4: the funding source's quota and budget hold after adding these coverages."""
    problems = []
    taken = counting_coverages(funding).count()
    if taken + new_count > funding.quota:
        problems.append((None, _(
            "Kuota %(name)s terlampaui: %(taken)d terdaftar + %(new)d baru > kuota %(quota)d (R-ENR-4)."
        ) % {"name": funding.name, "taken": taken, "new": new_count, "quota": funding.quota}))
    committed = committed_cost(funding, rates=rates)
    if committed + new_cost > funding.budget:
        problems.append((None, _(
            "Anggaran %(name)s tidak cukup: terpakai %(committed)s + %(new)s > anggaran %(budget)s (R-ENR-4)."
        ) % {
            "name": funding.name,
            "committed": format_rupiah(committed),
            "new": format_rupiah(new_cost),
            "budget": format_rupiah(funding.budget),
        }))
    return problems


@transaction.atomic
def enroll_workers(*, funding: FundingSource, workers, start: datetime.date, by, programs=None, note="") -> list[Coverage]:
    """Enrol workers in a funding source as draft coverage: all of them or none.

    Usable on its own or inside a larger transaction (the Excel import, the admin form).
    """
    _require(by, "enrollment.add_coverage")
    funding = FundingSource.objects.select_for_update().get(pk=funding.pk)
    pks = [w.pk for w in workers]
    locked = {
        w.pk: w
        for w in Worker.objects.filter(pk__in=pks).order_by("pk").select_for_update(of=("self",)).prefetch_related("occupations")
    }
    plan = plan_enrollment(funding=funding, workers=[locked[pk] for pk in pks], start=start, programs=programs)
    for coverage in plan.coverages:
        coverage.created_by = by if getattr(by, "pk", None) else None
    created = Coverage.objects.bulk_create(plan.coverages, batch_size=2000)
    record_many(
        actor=by,
        objs=created,
        action=AuditEvent.Action.CREATE,
        changes_for=lambda c: {
            "funding_source": [None, funding.code],
            "programs": [None, "+".join(c.programs)],
            "start_date": [None, c.start_date.isoformat()],
            "end_date": [None, c.end_date.isoformat()],
            "status": [None, c.status],
        },
        note=note,
        parent_for=lambda c: c.worker,
    )
    return created


def enroll_worker(*, worker: Worker, funding: FundingSource, start: datetime.date, by, programs=None) -> Coverage:
    return enroll_workers(funding=funding, workers=[worker], start=start, by=by, programs=programs)[0]


def _require(user, perm):
    """Services check permissions themselves, so views, admin and commands cannot forget it.

    ``user=None`` is the system itself (a scheduled task), which may do what its code does.
    """
    if user is not None and not user.has_perm(perm):
        raise PermissionDenied(_("Anda tidak berwenang untuk tindakan ini."))


def _locked(coverage) -> Coverage:
    return Coverage.objects.select_for_update(of=("self",)).select_related("worker", "funding_source").get(pk=coverage.pk)


def _move(coverage: Coverage, to: str, *, by, fields: dict, note="") -> Coverage:
    """Check the move against Coverage.NEXT, set the new status and fields, write the audit row."""
    current = _locked(coverage)
    if to not in Coverage.NEXT.get(current.status, set()):
        raise CoverageError(
            _("Kepesertaan %(coverage)s berstatus %(status)s dan tidak dapat diubah menjadi %(to)s.")
            % {"coverage": current, "status": current.get_status_display(), "to": Coverage.Status(to).label}
        )
    changes = {"status": [current.status, to]}
    for name, value in fields.items():
        old = getattr(current, name)
        setattr(current, name, value)
        if old != value:
            changes[name] = [old, value]
    current.status = to
    current.save(update_fields=["status", "updated_at", *fields])
    record(actor=by, obj=current, action=AuditEvent.Action.TRANSITION, changes=changes, note=note, parent=current.worker)
    return current


@transaction.atomic
def submit_coverage(*, coverage: Coverage, by) -> Coverage:
    """Draft -> submitted to BPJS (done for many at once by the BPJS export)."""
    _require(by, "enrollment.submit_coverage")
    return _move(coverage, Coverage.Status.SUBMITTED, by=by, fields={"submitted_at": timezone.now()})


@transaction.atomic
def activate_coverage(*, coverage: Coverage, kpj_number: str, registered_on: datetime.date | None, by) -> Coverage:
    """Submitted -> active once BPJS assigned the KPJ number (R-NIK-4)."""
    _require(by, "enrollment.activate_coverage")
    kpj_number = "".join(ch for ch in (kpj_number or "") if ch.isdigit())
    error = kpj_error(kpj_number, ProgramRules.current().kpj_length)
    if error:
        raise CoverageError(error)
    other = (
        Coverage.objects.filter(kpj_number=kpj_number).exclude(worker_id=coverage.worker_id).select_related("worker").first()
    )
    if other:
        raise CoverageError(
            _("Nomor KPJ %(kpj)s sudah dipakai pekerja lain (%(worker)s).") % {"kpj": kpj_number, "worker": other.worker}
        )
    return _move(
        coverage,
        Coverage.Status.ACTIVE,
        by=by,
        fields={"kpj_number": kpj_number, "registered_on": registered_on, "activated_at": timezone.now()},
    )


@transaction.atomic
def end_coverage(*, coverage: Coverage, by=None) -> Coverage:
    """Active -> ended (the end date passed; normally the scheduled task)."""
    if by is not None:
        _require(by, "enrollment.cancel_coverage")
    return _move(coverage, Coverage.Status.ENDED, by=by, fields={"ended_at": timezone.now()})


@transaction.atomic
def cancel_coverage(*, coverage: Coverage, by, reason: str) -> Coverage:
    """Any open coverage -> cancelled, with a reason; frees its quota place and budget."""
    _require(by, "enrollment.cancel_coverage")
    reason = (reason or "").strip()
    if not reason:
        raise CoverageError(_("Alasan pembatalan wajib diisi."))
    return _move(
        coverage, Coverage.Status.CANCELLED, by=by, fields={"cancelled_at": timezone.now(), "cancel_reason": reason[:255]}
    )
