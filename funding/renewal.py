"""Next year's program from this year's: a new funding source and the chosen workers carried over.

Each carried worker's new coverage starts the day after the old one ends (no gap; R-ENR-3 no
overlap). Skipped, each with the reason: workers who died, who are over the age limit on the new
start date (R-AGE-1), who are covered by another coverage or payer on those days (R-ENR-3,
R-ENR-5), whose new start falls outside the new period (R-ENR-2), and those the official left out.
The enrolment itself goes through ``enrollment.services.enroll_workers`` (quota and budget under
lock, R-ENR-4), so a renewal that does not fit is refused as a whole.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.roles import require_permission
from core.audit import plain, record
from core.models import AuditEvent, ProgramRules
from enrollment.models import Coverage
from enrollment.services import AGE, Applicant, EnrollmentError, check_enrollment, enroll_workers

from .contributions import RateTable, coverage_end
from .models import FundingSource


class RenewalError(Exception):
    """The renewal was refused as a whole; ``messages`` explain why, in Indonesian."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


class Skip:
    """Why a worker is not carried over (codes for counting, messages for people)."""

    EXCLUDED = "excluded"
    DIED = "died"
    PERIOD = "period"
    AGE = "age"
    COVERED = "covered"

    LABELS = {
        EXCLUDED: gettext_lazy("tidak dipilih"),
        DIED: gettext_lazy("meninggal"),
        PERIOD: gettext_lazy("di luar periode baru"),
        AGE: gettext_lazy("batas usia"),
        COVERED: gettext_lazy("sudah terlindungi"),
    }


@dataclass
class Candidate:
    """A worker of the old program and what happens to them in the renewal."""

    coverage: object  # the old Coverage
    start: datetime.date
    skip: str | None = None
    reason: str = ""

    @property
    def worker(self):
        return self.coverage.worker


@dataclass
class RenewalPlan:
    source: FundingSource
    target: FundingSource
    carry: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    @property
    def skip_counts(self) -> dict:
        counts = Counter(c.skip for c in self.skipped)
        return {str(Skip.LABELS[code]): n for code, n in counts.items()}




def _next_year_text(text: str, year: int) -> str:
    return text.replace(str(year), str(year + 1)) if str(year) in text else f"{text}-{year + 1}"


def next_year_values(source: FundingSource, *, rates: RateTable | None = None) -> dict:
    """Defaults for next year's funding source: the same program a year on, budget = quota ×
    a full period's contribution at the rates valid then (R-COST-1). The official edits them."""
    rates = rates or RateTable.load()
    start = source.period_end + datetime.timedelta(days=1)
    end = start + relativedelta(months=12) - datetime.timedelta(days=1)
    months = 12
    try:
        per_worker = rates.coverage_cost(
            start=start, end=coverage_end(start, months, end), programs=source.programs,
            basis=source.income_basis, public_funds=source.is_public_funds,
        )
    except ValueError:  # no rate entered for next year yet: the official types the budget
        per_worker = 0
    return {
        "code": _next_year_text(source.code, source.fiscal_year).upper(),
        "name": _next_year_text(source.name, source.fiscal_year),
        "kind": source.kind,
        "fiscal_year": source.fiscal_year + 1,
        "period_start": start,
        "period_end": end,
        "coverage_months": months,
        "covers_jkk": source.covers_jkk,
        "covers_jkm": source.covers_jkm,
        "income_basis": source.income_basis,
        "quota": source.quota,
        "budget": per_worker * source.quota,
    }


def build_target(values: dict) -> FundingSource:
    """An unsaved funding source from the official's values, validated like the admin form."""
    target = FundingSource(**values)
    target.full_clean()
    return target


def renewal_candidates(source: FundingSource):
    """The registered coverages of ``source`` (active or ended), the latest per worker."""
    latest = {}
    for coverage in (
        Coverage.objects.registered().filter(funding_source=source)
        .select_related("worker__desa__kecamatan")
        .order_by("worker_id", "end_date", "pk")
    ):
        latest[coverage.worker_id] = coverage
    return list(latest.values())


def plan_renewal(*, source: FundingSource, target: FundingSource, exclude=()) -> RenewalPlan:
    """Who would be carried over into ``target`` (saved or not) and why the others are skipped. Reads only.

    The rules are the enrolment gate's (``enrollment.services.check_enrollment``), asked once per new
    start date; a worker who died is not carried whatever the date, and nor is one the official left out.
    """
    rules = ProgramRules.current()
    exclude = {int(pk) for pk in exclude}
    plan = RenewalPlan(source=source, target=target)
    checking = defaultdict(list)
    for coverage in renewal_candidates(source):
        candidate = Candidate(coverage=coverage, start=coverage.end_date + datetime.timedelta(days=1))
        worker = coverage.worker
        if worker.pk in exclude:
            candidate.skip, candidate.reason = Skip.EXCLUDED, _("Tidak dipilih untuk dilanjutkan oleh petugas.")
            plan.skipped.append(candidate)
        elif worker.died_on:
            candidate.skip, candidate.reason = Skip.DIED, _("Meninggal pada %(date)s.") % {
                "date": worker.died_on.strftime("%d-%m-%Y")}
            plan.skipped.append(candidate)
        else:
            checking[candidate.start].append(candidate)
    for start, candidates in checking.items():
        applicants = [Applicant(nik=c.worker.nik, birth_date=c.worker.birth_date, item=c) for c in candidates]
        check = check_enrollment(funding=target, applicants=applicants, start=start, programs=target.programs,
                                 rules=rules, capacity=False)  # R-ENR-4 is enroll_workers', for the whole renewal
        for applicant in applicants:
            candidate = applicant.item
            problems = check.problems_of(applicant)
            if check.end is None:  # R-ENR-2: the new start falls outside the new period
                candidate.skip, candidate.reason = Skip.PERIOD, check.batch[0][1]
            elif problems:
                rule, message = problems[0]
                candidate.skip, candidate.reason = (Skip.AGE if rule == AGE else Skip.COVERED), message
            if candidate.skip:
                plan.skipped.append(candidate)
            else:
                plan.carry.append(candidate)
    plan.carry.sort(key=_listing_order)
    plan.skipped.sort(key=_listing_order)
    return plan


def _listing_order(candidate: Candidate):
    worker = candidate.worker
    return (worker.desa.kecamatan.code, worker.full_name, worker.pk)


def check_renewal_target(*, by, target: FundingSource | None) -> None:
    """Funding sources are the administrator's (``funding.add_fundingsource``): a renewal creates
    next year's program only for such a user, and fills an existing one only if such a user (or the
    system: a migration, ``seed_demo``) created it. Otherwise an operator could set any budget and
    quota by renewing into a code of their choosing (issue 10)."""
    may_create = by is None or by.has_perm("funding.add_fundingsource")
    if target is None:
        if not may_create:
            raise RenewalError([_("Program tahun berikutnya belum ada. Sumber dana dibuat oleh administrator; "
                                  "minta administrator membuatnya dulu, lalu perpanjang ke kode itu.")])
        return
    created = (AuditEvent.objects.filter(content_type__app_label="funding", content_type__model="fundingsource",
                                         object_id=str(target.pk), action=AuditEvent.Action.CREATE)
               .select_related("actor").order_by("at", "pk").first())
    creator = created.actor if created else None
    if creator is not None and not creator.has_perm("funding.add_fundingsource") and not may_create:
        raise RenewalError([_("Program %(code)s tidak dibuat oleh administrator; perpanjangan hanya mengisi "
                              "program yang dibuat administrator.") % {"code": target.code}])


@transaction.atomic
def renew_funding(*, source: FundingSource, target_values: dict, by, exclude=()) -> RenewalPlan:
    """Create next year's funding source from ``target_values`` (or use the one with that code if
    it exists) and enrol every eligible worker of ``source`` not in ``exclude`` (worker ids).

    All or nothing: a renewal exceeding the new quota or budget is refused as a whole.
    """
    require_permission(by, "funding.renew_fundingsource")
    target = FundingSource.objects.locked().filter(code=target_values["code"]).first()
    check_renewal_target(by=by, target=target)
    if target is None:
        try:
            target = build_target(target_values)
        except ValidationError as exc:
            raise RenewalError(exc.messages) from exc
        target.save()
        record(
            actor=by,
            obj=target,
            action=AuditEvent.Action.CREATE,
            changes={name: [None, plain(value)] for name, value in target_values.items()},
            note=_("Perpanjangan dari %(code)s") % {"code": source.code},
        )
    if target.pk == source.pk:
        raise RenewalError([_("Program tujuan harus berbeda dari program asal.")])
    plan = plan_renewal(source=source, target=target, exclude=exclude)
    by_start = defaultdict(list)
    for candidate in plan.carry:
        by_start[candidate.start].append(candidate.worker)
    note = _("Perpanjangan dari %(code)s") % {"code": source.code}
    try:
        for start, workers in sorted(by_start.items()):
            enroll_workers(funding=target, workers=workers, start=start, by=by, note=note)
    except EnrollmentError as exc:
        raise RenewalError(exc.messages) from exc
    record(
        actor=by,
        obj=target,
        action=AuditEvent.Action.UPDATE,
        changes={"renewed_from": [None, source.code], "carried": [None, len(plan.carry)],
                 "skipped": [None, plan.skip_counts]},
        note="\n".join(f"{c.worker.full_name} (#{c.worker.pk}): {c.reason}" for c in plan.skipped),
    )
    return plan


# --- How far next year's renewal has come (dashboard and program page, from October) ----------

# From this month on, the dashboard and the program page put the renewal of the running program
# in front: its period ends with the year, and next year's program needs its workers.
RENEWAL_SEASON_MONTH = 10


def next_program(source: FundingSource) -> FundingSource | None:
    """Next year's program of ``source``: the one with the code a renewal would give it, else the
    first of the next fiscal year starting after it ends (one query)."""
    code = next_year_values_code(source)
    candidates = list(
        FundingSource.objects.filter(
            Q(code=code) | Q(fiscal_year=source.fiscal_year + 1, period_start__gt=source.period_end)
        ).exclude(pk=source.pk).order_by("period_start", "code")
    )
    return next((c for c in candidates if c.code == code), candidates[0] if candidates else None)


def next_year_values_code(source: FundingSource) -> str:
    return _next_year_text(source.code, source.fiscal_year).upper()


@dataclass
class RenewalProgress:
    """The workers of ``source`` against next year's ``target``: renewed (enrolled in it, any
    status but cancelled), waiting (the renewal would carry them) and skipped by reason."""

    source: FundingSource
    target: FundingSource
    renewed: int
    waiting: int
    skipped: dict  # Skip code -> count (died, age, covered, period)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_rows(self) -> list[tuple[str, str, int]]:
        """(code, label, count) in the renewal's order of checks, zeros included."""
        return [(code, str(Skip.LABELS[code]), self.skipped.get(code, 0))
                for code in (Skip.DIED, Skip.AGE, Skip.COVERED, Skip.PERIOD)]


def renewal_progress(*, source: FundingSource, target: FundingSource) -> RenewalProgress:
    """How far the renewal of ``source`` into ``target`` has come. Reads only.

    The reasons are the renewal's own (``plan_renewal``): the workers already in ``target`` are
    passed as ``exclude``, so the plan's EXCLUDED ones are exactly the renewed; the plan's carry
    is who still waits. A fixed number of queries whatever the size of the program.
    """
    renewed_ids = (
        Coverage.objects.filter(funding_source=target).exclude(status=Coverage.Status.CANCELLED).values_list("worker_id", flat=True)
    )
    plan = plan_renewal(source=source, target=target, exclude=set(renewed_ids))
    counts = Counter(candidate.skip for candidate in plan.skipped)
    renewed = counts.pop(Skip.EXCLUDED, 0)
    return RenewalProgress(source=source, target=target, renewed=renewed, waiting=len(plan.carry), skipped=dict(counts))


def in_renewal_season(today: datetime.date) -> bool:
    return today.month >= RENEWAL_SEASON_MONTH
