"""Enrolment and coverage transitions: the one place where the enrolment rules are enforced.

R-AGE-1, R-ENR-2, R-ENR-3, R-ENR-4 and R-ENR-5 of ../shared/domain.md. Enrolling locks the funding
source row first (quota and budget are checked against committed rows, so two officials
enrolling at the same moment cannot both take the last place), then the workers in primary-key
order (the same worker cannot be enrolled twice for overlapping days by two requests).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import transitions
from core.areas import unscoped
from core.roles import require_permission
from core.audit import record, record_many
from core.money import ZERO, format_rupiah
from core.models import AuditEvent, ProgramRules
from funding.contributions import RateError, RateTable, coverage_end
from funding.models import FundingSource, programs_of
from .commitment import committed_cost, quota_coverages

from .models import MAX_OCCUPATIONS, AreaShare, Coverage, Desa, ExternalCoverage, Worker
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


# Large batches (the Excel import) are checked a few thousand NIKs per query.
CHUNK = 5000


def chunked(items, size=CHUNK):
    items = list(items)
    for index in range(0, len(items), size):
        yield items[index:index + size]


def overlap_problems_by_nik(niks, start, end, programs) -> dict:
    """R-ENR-3 and R-ENR-5: {nik: message} for NIKs already covered on any of these days.

    Checks our own coverages (any payer) and BPJS's record of other payers; works for NIKs of
    workers not saved yet (an import). Two queries per 5,000 NIKs.
    """
    program_filter = Q()
    for program in programs:
        program_filter |= Q(**{program.lower(): True})
    problems = {}
    for chunk in chunked(dict.fromkeys(niks)):
        existing = (
            Coverage.objects.overlapping(start, end)
            .filter(program_filter, worker__nik__any=chunk)
            .order_by("start_date")
            .values_list("worker__nik", "jkk", "jkm", "funding_source__name", "start_date", "end_date")
        )
        for nik, jkk, jkm, funding_name, covered_from, covered_to in existing:
            problems.setdefault(
                nik,
                _("Sudah terlindungi %(programs)s oleh %(funding)s pada %(from)s s.d. %(to)s (R-ENR-3).")
                % {
                    "programs": "+".join(programs_of(jkk, jkm)),
                    "funding": funding_name,
                    "from": covered_from.strftime("%d-%m-%Y"),
                    "to": covered_to.strftime("%d-%m-%Y"),
                },
            )
        externals = ExternalCoverage.objects.filter(nik__any=chunk, start_date__lte=end, end_date__gte=start).order_by(
            "start_date"
        )
        for external in externals:
            problems.setdefault(
                external.nik,
                _("Sudah terdaftar di BPJS melalui %(payer)s pada %(from)s s.d. %(to)s (R-ENR-5).")
                % {
                    "payer": external.payer,
                    "from": external.start_date.strftime("%d-%m-%Y"),
                    "to": external.end_date.strftime("%d-%m-%Y"),
                },
            )
    return problems


def overlap_problems(workers, start, end, programs) -> dict:
    """R-ENR-3 and R-ENR-5: {worker pk: message} for workers already covered on any of these days."""
    by_nik = {w.nik: w for w in workers}
    return {by_nik[nik].pk: message for nik, message in overlap_problems_by_nik(by_nik, start, end, programs).items()}


def death_error(died_on: datetime.date | None, start: datetime.date) -> str | None:
    """A worker recorded as deceased on or before the start date cannot be enrolled."""
    if died_on and died_on <= start:
        return _("Pekerja tercatat meninggal pada %(date)s.") % {"date": died_on.strftime("%d-%m-%Y")}
    return None


def start_for(funding: FundingSource, today: datetime.date | None = None) -> datetime.date:
    """The start of a coverage enrolled now without a chosen date (village submissions, issue 14):
    the program's start, or today when the program is already running (never backdated)."""
    return max(funding.period_start, today or timezone.localdate())


def coverage_end_for(funding: FundingSource, start: datetime.date, programs) -> datetime.date:
    """R-ENR-2: the end of a coverage starting on ``start``; EnrollmentError when it cannot start then."""
    error = period_error(funding, start)
    if error:
        raise EnrollmentError([(None, error)])
    unknown = set(programs) - set(funding.programs)
    if unknown:
        raise EnrollmentError([(None, _("Sumber dana %(name)s tidak membiayai %(programs)s.") % {
            "name": funding.name, "programs": ", ".join(sorted(unknown))})])
    return coverage_end(start, funding.coverage_months, funding.period_end)


def draft_coverage_fields(funding: FundingSource, start: datetime.date, end: datetime.date, programs) -> dict:
    """The values of a new draft coverage (the admin, the form and the Excel import write the same)."""
    return {
        "funding_source": funding,
        "jkk": "JKK" in programs,
        "jkm": "JKM" in programs,
        "start_date": start,
        "end_date": end,
        "income_basis": funding.income_basis,
        "status": Coverage.Status.DRAFT,
    }


def coverage_created_changes(funding: FundingSource, coverage) -> dict:
    """The audit trail's record of a new coverage."""
    return {
        "funding_source": [None, funding.code],
        "programs": [None, "+".join(programs_of(coverage.jkk, coverage.jkm))],
        "start_date": [None, coverage.start_date.isoformat()],
        "end_date": [None, coverage.end_date.isoformat()],
        "status": [None, coverage.status],
    }


def applicant_costs(funding: FundingSource, *, start, end, programs, transports, rates: RateTable) -> list:
    """R-COST-1 of each new coverage from ``start`` to ``end`` (one per item of ``transports``), as
    ``enrollment_cost`` prices them; a price is computed once per transport flag."""
    prices = {}
    try:
        for transport in set(transports):
            prices[transport] = rates.coverage_cost(
                start=start, end=end, programs=programs, basis=funding.income_basis,
                public_funds=funding.is_public_funds, transport=transport and not funding.is_public_funds,
            )
    except RateError as exc:
        raise EnrollmentError([(None, str(exc))]) from exc
    return [prices[transport] for transport in transports]


def enrollment_cost(funding: FundingSource, *, start, end, programs, transports, rates: RateTable):
    """R-COST-1: the cost of new coverages from ``start`` to ``end``, one per item of ``transports``.

    Regency funds are public money, so occupation (transport) never changes the price here;
    a non-public payer gets PP 50/2025's discount by occupation (R-RATE-4).
    """
    return sum(applicant_costs(funding, start=start, end=end, programs=programs, transports=transports, rates=rates),
               ZERO)


# --- The enrolment gate ------------------------------------------------------------------------
#
# The admin (plan_enrollment, under enroll_workers), the Excel import (imports.check) and the renewal
# (funding.renewal.plan_renewal) all call check_enrollment: a rule added here holds on every path.

AGE, DEATH, COVERED = "R-AGE-1", "death", "R-ENR-3"
# Capacity (R-ENR-4 and the area shares of issue 14): an applicant refused only for one of these
# waits for a place (enrollment/waiting.py); the others are refused for the person's own reasons.
SHARE, QUOTA, BUDGET = "share", "R-ENR-4 quota", "R-ENR-4 budget"
CAPACITY = (SHARE, QUOTA, BUDGET)


@dataclass(eq=False, slots=True)
class Applicant:
    """One person the gate checks: a saved worker (admin, renewal) or a row of an import.

    ``nik`` is empty for a row without a usable NIK (only the personal rules apply); ``birth_date``
    None when it is unknown. ``counted``: whether, if the gate lets the person in, they take a place
    and budget (R-ENR-4); the import says False for a row already refused for a file error.
    ``item`` is the caller's own object (the Worker, the import's Candidate, ...).
    """

    nik: str = ""
    birth_date: datetime.date | None = None
    died_on: datetime.date | None = None
    transport: bool = False
    counted: bool = True
    item: object = None
    desa_id: int | None = None  # the domicile desa: its (and its kecamatan's) share of the quota applies


@dataclass
class EnrollmentCheck:
    """What the gate found. ``refused``: applicant -> [(rule, message)], in the order AGE, DEATH,
    COVERED; ``covered``: {nik: message} in the order found (R-ENR-3/5); ``batch``: (None, message)
    problems of the whole batch: the period and programs (R-ENR-2; nothing else is then checked
    but the age) or the quota, budget and area shares (R-ENR-4, issue 14). ``beyond``: counted
    applicant -> (SHARE/QUOTA/BUDGET, message) for those who, taking places in the order given,
    find none left (the waiting list's order, enrollment/waiting.py); empty exactly when the
    capacity part of ``batch`` is."""

    end: datetime.date | None
    refused: dict
    covered: dict
    batch: list
    cost: object  # Decimal
    count: int
    beyond: dict = field(default_factory=dict)

    def problems_of(self, applicant) -> list:
        return self.refused.get(applicant, [])


def check_enrollment(*, funding: FundingSource, applicants, start: datetime.date, programs=None, rules=None,
                     rates=None, capacity=True, count_refused=False) -> EnrollmentCheck:
    """THE enrolment gate: R-AGE-1, R-ENR-2, death, R-ENR-3, R-ENR-5 for each applicant and R-ENR-4
    (quota and budget) with the area shares (issue 14) for the batch, set-based (two queries per
    5,000 NIKs, three for the capacity, five when the program has area shares), so the import
    checks 100,000 rows in a few dozen queries. Reads only.

    The quota and budget count the applicants with ``counted`` and, unless ``count_refused`` (the
    admin refuses the whole selection on any problem, so it counts it whole), no problem of their
    own. RateError of the rates table is raised as EnrollmentError, as enrollment_cost does.

    The gate looks at the whole regency whoever asks (core/areas.py): a village account's request
    must not miss another village's coverage (R-ENR-3) or BPJS's other payers (R-ENR-5).
    """
    with unscoped():
        return _check_enrollment(funding=funding, applicants=applicants, start=start, programs=programs, rules=rules,
                                 rates=rates, capacity=capacity, count_refused=count_refused)


def _check_enrollment(*, funding, applicants, start, programs, rules, rates, capacity, count_refused):
    rules = rules or ProgramRules.current()
    programs = programs or funding.programs
    applicants = list(applicants)
    refused = {}
    for applicant in applicants:
        if applicant.birth_date is not None and (error := age_error(applicant.birth_date, start, rules)):
            refused[applicant] = [(AGE, error)]
    try:
        end = coverage_end_for(funding, start, programs)  # R-ENR-2
    except EnrollmentError as exc:
        return EnrollmentCheck(end=None, refused=refused, covered={}, batch=exc.problems, cost=ZERO, count=0)
    for applicant in applicants:
        if error := death_error(applicant.died_on, start):
            refused.setdefault(applicant, []).append((DEATH, error))
    with_nik = [a for a in applicants if a.nik]
    covered = overlap_problems_by_nik([a.nik for a in with_nik], start, end, programs)  # R-ENR-3, R-ENR-5
    for applicant in with_nik:
        if applicant.nik in covered:
            refused.setdefault(applicant, []).append((COVERED, covered[applicant.nik]))
    counted = [a for a in applicants if a.counted and (count_refused or a not in refused)]
    cost, batch, beyond = ZERO, [], {}
    if capacity:
        rates = rates or RateTable.load()
        costs = applicant_costs(funding, start=start, end=end, programs=programs, rates=rates,
                                transports=[a.transport for a in counted])
        cost = sum(costs, ZERO)
        batch, beyond = capacity_problems(funding, counted, costs, rates=rates)  # R-ENR-4, area shares
    return EnrollmentCheck(end=end, refused=refused, covered=covered, batch=batch, cost=cost, count=len(counted),
                           beyond=beyond)


@dataclass
class EnrollmentPlan:
    """What enrolling these workers would create, before anything is written."""

    coverages: list
    cost: object  # Decimal

    @property
    def count(self):
        return len(self.coverages)


def plan_enrollment(*, funding: FundingSource, workers, start: datetime.date, programs=None, rates=None) -> EnrollmentPlan:
    """Check every rule for enrolling ``workers`` from ``start`` (the gate, check_enrollment); raise
    EnrollmentError listing all problems.

    Reads only; ``enroll_workers`` calls it under locks, and the admin form and the import's
    preview call it to explain problems before the user commits.
    """
    rates = rates or RateTable.load()
    programs = programs or funding.programs
    problems = []
    workers = list(workers)
    seen = set()
    for worker in workers:
        if worker.pk in seen:
            problems.append((worker, _("%(name)s dipilih lebih dari sekali.") % {"name": worker.full_name}))
        seen.add(worker.pk)
    applicants = [
        Applicant(nik=w.nik, birth_date=w.birth_date, died_on=w.died_on, transport=_is_transport(w, funding), item=w,
                  desa_id=w.desa_id)
        for w in workers
    ]
    check = check_enrollment(funding=funding, applicants=applicants, start=start, programs=programs, rates=rates,
                             count_refused=True)
    if check.end is None:
        raise EnrollmentError(check.batch)
    for applicant in applicants:
        problems.extend((applicant.item, message) for rule, message in check.problems_of(applicant) if rule != COVERED)
    by_nik = {w.nik: w for w in workers}
    problems.extend((by_nik[nik], message) for nik, message in check.covered.items())
    problems.extend(check.batch)
    if problems:
        raise EnrollmentError(problems)
    fields = draft_coverage_fields(funding, start, check.end, programs)
    return EnrollmentPlan(coverages=[Coverage(worker=worker, **fields) for worker in workers], cost=check.cost)


def _is_transport(worker, funding) -> bool:
    if funding.is_public_funds:
        return False
    return any(o.is_transport for o in worker.occupations.all())


def capacity_problems(funding: FundingSource, applicants, costs, *, rates=None) -> tuple[list, dict]:
    """R-ENR-4 and the area shares (issue 14) for adding ``applicants`` (each costing ``costs[i]``).

    Returns (batch, beyond). ``batch``: the problems of the whole batch, as (None, message): the
    quota, the budget, and each kecamatan's or desa's share (AreaShare) its new coverages would
    exceed. ``beyond``: applicant -> (rule, message) for the applicants that, taking places in the
    order given, find none: an applicant whose desa or kecamatan share is full waits (the others
    go on); once the program's quota or budget refuses one, every later one waits too (nobody
    overtakes on the program's places).

    Places are counted with ``Coverage.objects.holding_place()`` (a coverage ended by the
    worker's death frees its place) for the whole regency, whoever asks (an area-bound account
    must not see a smaller count). Three queries, five when the program has shares.
    """
    rates = rates or RateTable.load()
    with unscoped():
        shares = list(
            AreaShare.objects.filter(funding_source=funding)
            .values_list("kecamatan_id", "desa_id", "places", "kecamatan__name", "desa__name")
        )
        held_by_desa, kecamatan_of = {}, {}
        if shares:
            held_by_desa = dict(
                quota_coverages(funding).values_list("worker__desa_id").annotate(n=Count("id")).order_by()
            )
            kecamatan_of = dict(Desa.objects.values_list("pk", "kecamatan_id"))
            taken = sum(held_by_desa.values())
        else:
            taken = quota_coverages(funding).count()  # a place freed by a death can be taken again
        committed = committed_cost(funding, rates=rates)
    new_count, new_cost = len(applicants), sum(costs, ZERO)
    problems = []
    if taken + new_count > funding.quota:
        problems.append((None, _(
            "Kuota %(name)s terlampaui: %(taken)d terdaftar + %(new)d baru > kuota %(quota)d (R-ENR-4)."
        ) % {"name": funding.name, "taken": taken, "new": new_count, "quota": funding.quota}))
    if committed + new_cost > funding.budget:
        problems.append((None, _(
            "Anggaran %(name)s tidak cukup: terpakai %(committed)s + %(new)s > anggaran %(budget)s (R-ENR-4)."
        ) % {
            "name": funding.name,
            "committed": format_rupiah(committed),
            "new": format_rupiah(new_cost),
            "budget": format_rupiah(funding.budget),
        }))

    # The areas with a share: ("kecamatan", pk) or ("desa", pk) -> [label, share, held, new].
    areas = {}
    for kecamatan_id, desa_id, places, kecamatan_name, desa_name in shares:
        if desa_id is None:
            held = sum(n for desa, n in held_by_desa.items() if kecamatan_of.get(desa) == kecamatan_id)
            areas[("kecamatan", kecamatan_id)] = [_("Kecamatan %(name)s") % {"name": kecamatan_name}, places, held, 0]
        else:
            areas[("desa", desa_id)] = [_("Desa/Kelurahan %(name)s") % {"name": desa_name}, places,
                                        held_by_desa.get(desa_id, 0), 0]

    def areas_of(applicant):
        keys = [("desa", applicant.desa_id), ("kecamatan", kecamatan_of.get(applicant.desa_id))]
        return [key for key in keys if key in areas]

    for applicant in applicants:
        for key in areas_of(applicant):
            areas[key][3] += 1
    for label, places, held, new in areas.values():
        if new and held + new > places:
            problems.append((None, share_message(label, funding, held=held, new=new, places=places)))

    # Places taken one by one in the order given (the waiting list's order, enrollment/waiting.py).
    beyond, blocked = {}, None
    left_quota, left_budget = funding.quota - taken, funding.budget - committed
    taking = {key: area[2] for key, area in areas.items()}  # held, then held + those admitted so far
    for applicant, cost in zip(applicants, costs):
        if blocked:
            beyond[applicant] = blocked
            continue
        full = [key for key in areas_of(applicant) if taking[key] >= areas[key][1]]
        if full:
            label, places = areas[full[0]][0], areas[full[0]][1]
            beyond[applicant] = (SHARE, _("Jatah %(area)s untuk %(name)s sudah penuh: %(taken)d dari %(places)d tempat.")
                                 % {"area": label, "name": funding.name, "taken": taking[full[0]], "places": places})
        elif left_quota < 1:
            blocked = beyond[applicant] = (QUOTA, _("Kuota %(name)s sudah penuh (%(quota)d) (R-ENR-4).") % {
                "name": funding.name, "quota": funding.quota})
        elif cost > left_budget:
            blocked = beyond[applicant] = (BUDGET, _("Sisa anggaran %(name)s tidak cukup (R-ENR-4).") % {
                "name": funding.name})
        else:
            left_quota, left_budget = left_quota - 1, left_budget - cost
            for key in areas_of(applicant):
                taking[key] += 1
    return problems, beyond


def share_message(label, funding, *, held, new, places) -> str:
    """An area's share of the quota would be exceeded (issue 14), naming the area and the figures."""
    return _(
        "Jatah %(area)s untuk %(name)s terlampaui: %(held)d terdaftar + %(new)d baru > jatah %(places)d."
    ) % {"area": label, "name": funding.name, "held": held, "new": new, "places": places}


@transaction.atomic
def enroll_workers(*, funding: FundingSource, workers, start: datetime.date, by, programs=None, note="") -> list[Coverage]:
    """Enrol workers in a funding source as draft coverage: all of them or none.

    Usable on its own or inside a larger transaction (the Excel import, the admin form).
    """
    require_permission(by, "enrollment.add_coverage")
    funding = FundingSource.objects.lock(funding)
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
        changes_for=lambda c: coverage_created_changes(funding, c),
        note=note,
        parent_for=lambda c: c.worker,
    )
    return created


def enroll_worker(*, worker: Worker, funding: FundingSource, start: datetime.date, by, programs=None) -> Coverage:
    return enroll_workers(funding=funding, workers=[worker], start=start, by=by, programs=programs)[0]




# Coverages are locked with their worker and funding source read along (core.transitions.lock).
_COVERAGES = Coverage.objects.select_related("worker", "funding_source")


def _transition_error(current: Coverage, to: str) -> str | None:
    """The move must be one of Coverage.NEXT."""
    return transitions.refusal(
        current, to, _("Kepesertaan %(coverage)s berstatus %(status)s dan tidak dapat diubah menjadi %(to)s."),
        coverage=current,
    )


def _move(coverage: Coverage, to: str, *, by, fields: dict, note="") -> Coverage:
    """Lock, check the move against Coverage.NEXT, set the new status and fields, audit under the worker."""
    current = transitions.lock(_COVERAGES, coverage.pk)
    error = _transition_error(current, to)
    if error:
        raise CoverageError(error)
    return transitions.apply(current, to, by=by, fields=fields, note=note, parent=current.worker)


def _locked_many(pks) -> list[Coverage]:
    """Lock many coverages in primary-key order (a fixed order: two batches never deadlock)."""
    return transitions.lock_many(_COVERAGES, pks)


@transaction.atomic
def submit_coverage(*, coverage: Coverage, by) -> Coverage:
    """Draft -> submitted to BPJS (done for many at once by the BPJS export)."""
    require_permission(by, "enrollment.submit_coverage")
    return _move(coverage, Coverage.Status.SUBMITTED, by=by, fields={"submitted_at": timezone.now()})


@transaction.atomic
def submit_coverages(*, coverages, by, note="") -> list[Coverage]:
    """Draft -> submitted for many coverages at once (the BPJS export): all of them or none."""
    require_permission(by, "enrollment.submit_coverage")
    locked = _locked_many([c.pk for c in coverages])
    errors = [error for c in locked if (error := _transition_error(c, Coverage.Status.SUBMITTED))]
    if errors:
        raise CoverageError(" ".join(errors[:5]))
    now = timezone.now()
    Coverage.objects.filter(pk__in=[c.pk for c in locked]).update(
        status=Coverage.Status.SUBMITTED, submitted_at=now, updated_at=now
    )
    for coverage in locked:
        coverage.status, coverage.submitted_at = Coverage.Status.SUBMITTED, now
    record_many(
        actor=by, objs=locked, action=AuditEvent.Action.TRANSITION, note=note,
        changes_for=lambda c: {"status": [Coverage.Status.DRAFT, Coverage.Status.SUBMITTED], "submitted_at": [None, now]},
        parent_for=lambda c: c.worker,
    )
    return locked


def clean_kpj(raw) -> str:
    return "".join(ch for ch in str(raw or "") if ch.isdigit())


def activation_problems(items, *, kpj_length: int) -> dict:
    """R-NIK-4 for BPJS's answer: {index: message} for the (coverage, kpj_number) pairs that cannot be activated.

    The KPJ has the configured length, belongs to one worker only (in our records and within
    this batch; a renewed worker keeps his), and the coverage was submitted to BPJS.
    """
    problems = {}
    kpjs = {}
    for index, (coverage, raw_kpj) in enumerate(items):
        kpj = clean_kpj(raw_kpj)
        error = kpj_error(kpj, kpj_length) or _transition_error(coverage, Coverage.Status.ACTIVE)
        if error:
            problems[index] = error
        else:
            kpjs[index] = kpj
    used = {}
    for chunk in chunked(set(kpjs.values())):
        for kpj, worker_id, name in Coverage.objects.filter(kpj_number__any=chunk).values_list(
            "kpj_number", "worker_id", "worker__full_name"
        ):
            used.setdefault(kpj, {})[worker_id] = name
    for index, kpj in kpjs.items():
        coverage = items[index][0]
        used.setdefault(kpj, {})
        others = {pk: name for pk, name in used[kpj].items() if pk != coverage.worker_id}
        if others:
            problems[index] = _("Nomor KPJ %(kpj)s sudah dipakai pekerja lain (%(worker)s).") % {
                "kpj": kpj, "worker": next(iter(others.values()))}
        used[kpj].setdefault(coverage.worker_id, coverage.worker.full_name)
    return problems


@transaction.atomic
def activate_coverage(*, coverage: Coverage, kpj_number: str, registered_on: datetime.date | None, by) -> Coverage:
    """Submitted -> active once BPJS assigned the KPJ number (R-NIK-4)."""
    return activate_coverages(answers=[(coverage, kpj_number, registered_on)], by=by)[0]


@transaction.atomic
def activate_coverages(*, answers, by, note="") -> list[Coverage]:
    """Submitted -> active for (coverage, kpj_number, registered_on) answers of BPJS: all or none.

    The rules are checked again under the coverage locks (activation_problems).
    """
    require_permission(by, "enrollment.activate_coverage")
    locked = {c.pk: c for c in _locked_many([coverage.pk for coverage, _kpj, _on in answers])}
    items = [(locked[coverage.pk], kpj) for coverage, kpj, _on in answers]
    problems = activation_problems(items, kpj_length=ProgramRules.current().kpj_length)
    if problems:
        raise CoverageError(" ".join(problems[index] for index in sorted(problems)[:5]))
    now = timezone.now()
    changed, changes = [], {}
    for (coverage, kpj), (_coverage, _kpj, registered_on) in zip(items, answers):
        changes[coverage.pk] = {
            "status": [coverage.status, Coverage.Status.ACTIVE],
            "kpj_number": [coverage.kpj_number, clean_kpj(kpj)],
            "registered_on": [coverage.registered_on, registered_on],
            "activated_at": [coverage.activated_at, now],
        }
        coverage.status, coverage.kpj_number = Coverage.Status.ACTIVE, clean_kpj(kpj)
        coverage.registered_on, coverage.activated_at, coverage.updated_at = registered_on, now, now
        changed.append(coverage)
    Coverage.objects.bulk_update(
        changed, ["status", "kpj_number", "registered_on", "activated_at", "updated_at"], batch_size=1000
    )
    record_many(actor=by, objs=changed, action=AuditEvent.Action.TRANSITION, note=note,
                changes_for=lambda c: changes[c.pk], parent_for=lambda c: c.worker)
    return changed


@transaction.atomic
def end_coverage(*, coverage: Coverage, by=None) -> Coverage:
    """Active -> ended (the end date passed; normally the scheduled task)."""
    if by is not None:
        require_permission(by, "enrollment.cancel_coverage")
    return _move(coverage, Coverage.Status.ENDED, by=by, fields={"ended_at": timezone.now()})


@transaction.atomic
def end_coverages_at_death(*, worker: Worker, died_on: datetime.date, by, note="") -> list[Coverage]:
    """The worker died on ``died_on``: every running coverage stops then (issue 15).

    An active coverage that covers the day of death ends that day (status ended, end date = date
    of death, reason "death"): its months up to and including the month of death stay payable
    (R-COST-1), none after, and its quota place is free again. A coverage that starts after the
    death (a renewal, a draft, one submitted to BPJS) or was not registered at BPJS yet is
    cancelled with the reason. Coverages already ended or cancelled are left as they are.

    Deaths are established by BPJS approving a death claim, so the permission is the claim
    approver's (``claims.approve_claim``). Audited per coverage with ``note`` (the claim).
    """
    require_permission(by, "claims.approve_claim")
    reason = _("Peserta meninggal dunia pada %(date)s.") % {"date": died_on.strftime("%d-%m-%Y")}
    running = Coverage.objects.filter(
        worker=worker, status__in=[Coverage.Status.DRAFT, Coverage.Status.SUBMITTED, Coverage.Status.ACTIVE],
        end_date__gte=died_on,
    ).order_by("pk").values_list("pk", flat=True)
    changed = []
    for coverage in _locked_many(list(running)):
        if coverage.status == Coverage.Status.ACTIVE and coverage.start_date <= died_on:
            fields = {"ended_at": timezone.now(), "end_date": died_on, "end_reason": Coverage.EndReason.DEATH}
            changed.append(_move(coverage, Coverage.Status.ENDED, by=by, fields=fields, note=note or reason))
        else:
            fields = {"cancelled_at": timezone.now(), "cancel_reason": reason[:255]}
            changed.append(_move(coverage, Coverage.Status.CANCELLED, by=by, fields=fields, note=note or reason))
    return changed


@transaction.atomic
def end_coverages(*, coverages, by=None) -> list[Coverage]:
    """Active -> ended for many coverages at once (the nightly end of coverage, in chunks).

    The same move as ``end_coverage``: rows locked in primary-key order, Coverage.NEXT checked
    under the lock, one audit row each. A coverage no longer active once locked (another run
    ended it first) is left alone; returns the coverages this call ended.
    """
    if by is not None:
        require_permission(by, "enrollment.cancel_coverage")
    locked = [c for c in _locked_many([c.pk for c in coverages]) if not _transition_error(c, Coverage.Status.ENDED)]
    now = timezone.now()
    Coverage.objects.filter(pk__in=[c.pk for c in locked]).update(status=Coverage.Status.ENDED, ended_at=now, updated_at=now)
    for coverage in locked:
        coverage.status, coverage.ended_at = Coverage.Status.ENDED, now
    record_many(
        actor=by, objs=locked, action=AuditEvent.Action.TRANSITION,
        changes_for=lambda c: {"status": [Coverage.Status.ACTIVE, Coverage.Status.ENDED], "ended_at": [None, now]},
        parent_for=lambda c: c.worker,
    )
    return locked


@transaction.atomic
def cancel_coverage(*, coverage: Coverage, by, reason: str) -> Coverage:
    """Any open coverage -> cancelled, with a reason; frees its quota place and budget."""
    require_permission(by, "enrollment.cancel_coverage")
    reason = (reason or "").strip()
    if not reason:
        raise CoverageError(_("Alasan pembatalan wajib diisi."))
    return _move(
        coverage, Coverage.Status.CANCELLED, by=by, fields={"cancelled_at": timezone.now(), "cancel_reason": reason[:255]}
    )


@transaction.atomic
def record_external_coverage(*, coverage: Coverage, payer: str, start: datetime.date, end: datetime.date, source: str,
                             by) -> ExternalCoverage:
    """R-ENR-5: BPJS answered that this worker is registered through another payer for that period.

    The fact is recorded (later enrolments check it) and our coverage, which BPJS will not
    register, is cancelled so it frees its quota place and budget. Part of reading BPJS's answer.
    """
    require_permission(by, "enrollment.import_bpjs_answer")
    external = ExternalCoverage.objects.create(
        nik=coverage.worker.nik, payer=payer[:120], start_date=start, end_date=end, source=source[:200]
    )
    record(actor=by, obj=external, action=AuditEvent.Action.CREATE, note=source, parent=coverage.worker, changes={
        "nik": [None, external.nik], "payer": [None, external.payer],
        "start_date": [None, start.isoformat()], "end_date": [None, end.isoformat()]})
    reason = _("Sudah terdaftar di BPJS melalui %(payer)s (R-ENR-5).") % {"payer": payer}
    _move(coverage, Coverage.Status.CANCELLED, by=by, note=source,
          fields={"cancelled_at": timezone.now(), "cancel_reason": reason[:255]})
    return external
