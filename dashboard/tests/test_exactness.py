"""Every dashboard figure equals a plain recomputation over the rows after a few hundred random
changes made through the real verbs (issue 13): enrol, submit, activate, end, cancel, bill and pay
contributions, file, verify, approve, reject and pay claims; then after an Excel import (PostgreSQL
COPY) and bulk updates that no verb makes (queryset update() and delete(), as a shell would),
which the summary rows' triggers must see too (dashboard/migrations/0001_summary_tables_and_triggers.py).
The cache is off, so every call computes; the expected figures are counted in Python, one record
at a time, with the module's definitions (covered worker, money, claims, months, small cells
under UU 27/2022)."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from claims.models import Claim
from claims.services import ClaimError, approve_claim, reject_claim, verify_claim
from demo.builders import file_claim, pay_contributions, pay_in_full, upload_required
from core.models import ProgramRules
from dashboard import summary as summary_rows
from demo.builders import make_funding, make_heir, make_worker
from dashboard.queries import AGE_BANDS, ENDING_WINDOWS, Filters, build_dashboard, mask_small, resolve_scope, summarize
from enrollment.imports import import_workers
from enrollment.models import Coverage, Desa, Kecamatan, Occupation, Worker
from enrollment.nik import FEMALE, MALE
from enrollment.services import (
    CoverageError,
    EnrollmentError,
    activate_coverage,
    cancel_coverage,
    end_coverage,
    enroll_worker,
    submit_coverage,
)
from funding.billing import BillingError
from funding.models import ContributionPayment, FundingSource
from funding.services import committed_cost

from demo.builders import cover, person, simple_file

STEPS = 300
SEED = 13
KEC_A, KEC_B = "62.09.01", "62.09.02"


def _years_ago(today, years, days=0):
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=days)


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _band(birth, today):
    age = _age(birth, today)
    for index, (_label, lower, upper) in enumerate(AGE_BANDS):
        if (lower is None or age >= lower) and (upper is None or age < upper):
            return index
    raise AssertionError(age)


def expected_figures(filters: Filters, *, today, hide_small):
    """The dashboard's figures counted record by record in Python (no aggregate in SQL)."""
    sources = list(FundingSource.objects.all())
    if filters.funding:
        sources = [s for s in sources if s.code == filters.funding]
    if filters.year:
        sources = [s for s in sources if s.fiscal_year == filters.year]
    restricted = bool(filters.funding or filters.year)
    source_ids = {s.pk for s in sources}
    over = {s.pk for s in sources if s.period_end < today}
    kecamatan = Kecamatan.objects.get(code=filters.kecamatan) if filters.kecamatan else None
    desa_kecamatan = dict(Desa.objects.values_list("pk", "kecamatan_id"))
    workers = {w.pk: w for w in Worker.objects.prefetch_related("occupations")}

    def here(worker_id):
        return kecamatan is None or desa_kecamatan[workers[worker_id].desa_id] == kecamatan.pk

    def covering(c):
        return c.status == Coverage.Status.ACTIVE or (c.status == Coverage.Status.ENDED and c.funding_source_id in over)

    coverages = [c for c in Coverage.objects.all() if (not restricted or c.funding_source_id in source_ids) and here(c.worker_id)]
    covered = {c.worker_id for c in coverages if covering(c)}
    claims = [
        k for k in Claim.objects.select_related("coverage")
        if (not restricted or k.coverage.funding_source_id in source_ids) and here(k.worker_id)
    ]
    status = Counter(k.status for k in claims)
    active = [c for c in coverages if c.status == Coverage.Status.ACTIVE]
    summary = {
        "covered": len(covered),
        "active": len(active),
        "active_jkk": sum(1 for c in active if c.jkk),
        "active_jkm": sum(1 for c in active if c.jkm),
        "pending": sum(1 for c in coverages if c.status in (Coverage.Status.DRAFT, Coverage.Status.SUBMITTED)),
        **{f"ending_{d}": sum(1 for c in active if 0 <= (c.end_date - today).days <= d) for d in ENDING_WINDOWS},
        "claims_filed": len(claims),
        "claims_approved": status[Claim.Status.APPROVED] + status[Claim.Status.PAID],
        "claims_paid": status[Claim.Status.PAID],
        "claims_rejected": status[Claim.Status.REJECTED],
    }
    hide = hide_small and kecamatan is not None
    summary = {key: mask_small(value, hide_small=hide) for key, value in summary.items()}
    paid_amount = sum((k.paid_amount for k in claims if k.status == Claim.Status.PAID), Decimal(0))
    summary["benefits_paid"] = None if summary["claims_paid"] == "<5" else int(paid_amount)
    payments = defaultdict(Decimal)
    for payment in ContributionPayment.objects.all():
        payments[payment.funding_source_id] += payment.amount
    costs = {s.pk: committed_cost(s) for s in sources}  # R-COST-1 source by source, its own query
    summary["committed_cost"] = int(sum(costs.values()))
    summary["paid_to_bpjs"] = int(sum(payments[s.pk] for s in sources))
    summary["programs"] = {
        s.code: (
            mask_small(sum(1 for c in coverages if c.funding_source_id == s.pk and covering(c)), hide_small=hide),
            mask_small(sum(1 for c in active if c.funding_source_id == s.pk), hide_small=hide),
            int(costs[s.pk]),
            int(payments[s.pk]),
        )
        for s in sources
    }

    def masked(counter):
        return {key: mask_small(value, hide_small=hide_small) for key, value in counter.items()}

    by_kecamatan, by_desa = Counter(), Counter()
    for worker_id in covered:
        by_desa[workers[worker_id].desa_id] += 1
        by_kecamatan[desa_kecamatan[workers[worker_id].desa_id]] += 1
    filed_k, paid_k, filed_d, paid_d = Counter(), Counter(), Counter(), Counter()
    for k in claims:
        desa_id = workers[k.worker_id].desa_id
        filed_k[desa_kecamatan[desa_id]] += 1
        filed_d[desa_id] += 1
        if k.status == Claim.Status.PAID:
            paid_k[desa_kecamatan[desa_id]] += 1
            paid_d[desa_id] += 1
    regions = {
        "kecamatan": {
            k.code: tuple(mask_small(counter[k.pk], hide_small=hide_small) for counter in (by_kecamatan, filed_k, paid_k))
            for k in Kecamatan.objects.all() if kecamatan is None or k.pk == kecamatan.pk
        },
        "desa": {
            d.code: tuple(mask_small(counter[d.pk], hide_small=hide_small) for counter in (by_desa, filed_d, paid_d))
            for d in Desa.objects.all() if kecamatan is not None and d.kecamatan_id == kecamatan.pk
        },
    }

    occupations, sex, bands = Counter(), Counter(), Counter()
    for worker_id in covered:
        worker = workers[worker_id]
        for occupation in worker.occupations.all():
            occupations[occupation.code] += 1
        sex[worker.sex] += 1
        bands[AGE_BANDS[_band(worker.birth_date, today)][0]] += 1
    groups = {
        "occupation": masked({o.code: occupations[o.code] for o in Occupation.objects.all()}),
        "sex": masked({code: sex[code] for code in Worker.Sex.values}),
        "age_band": masked({label: bands[label] for label, _lower, _upper in AGE_BANDS}),
    }

    enrolments, filed, paid = Counter(), Counter(), Counter()
    for c in coverages:
        if covering(c):
            enrolments[c.start_date.replace(day=1)] += 1
    for k in claims:
        filed[timezone.localtime(k.submitted_at or k.created_at).date().replace(day=1)] += 1
        if k.status == Claim.Status.PAID and k.paid_on:
            paid[k.paid_on.replace(day=1)] += 1
    months = []
    known = set(enrolments) | set(filed) | set(paid)
    if known:
        month = min(known)
        while month <= max(known):
            months.append((
                month.strftime("%Y-%m"),
                *(mask_small(counter[month], hide_small=hide_small) for counter in (enrolments, filed, paid)),
            ))
            month = (month + datetime.timedelta(days=32)).replace(day=1)
    return {"summary": summary, "regions": regions, "groups": groups, "monthly": months}


def shown_summary(summary):
    """The headline figures as shown (the JSON summary computes them without the page's parts)."""
    shown = {key: summary[key] for key in (
        "covered", "active", "active_jkk", "active_jkm", "pending", *[f"ending_{d}" for d in ENDING_WINDOWS],
        "claims_filed", "claims_approved", "claims_paid", "claims_rejected", "benefits_paid", "committed_cost",
        "paid_to_bpjs",
    )}
    shown["programs"] = {p["code"]: (p["registered"], p["active"], p["committed_cost"], p["paid_to_bpjs"]) for p in summary["programs"]}
    return shown


def shown_figures(data):
    """The same figures as the dashboard shows them (page, API and Excel share build_dashboard)."""
    summary = shown_summary(data["summary"])
    regions = {
        part: {row["code"]: (row["covered"], row["claims_filed"], row["claims_paid"]) for row in data["regions"][part]}
        for part in ("kecamatan", "desa")
    }
    groups = {
        "occupation": {row["code"]: row["covered"] for row in data["groups"]["occupation"]},
        "sex": {row["code"]: row["covered"] for row in data["groups"]["sex"]},
        "age_band": {row["name"]: row["covered"] for row in data["groups"]["age_band"]},
    }
    monthly = [(m["month"], m["enrolments"], m["claims_filed"], m["claims_paid"]) for m in data["monthly"]]
    return {"summary": summary, "regions": regions, "groups": groups, "monthly": monthly}


class Changes:
    """Random changes through the verbs; a refused change (a rule said no) is simply not made."""

    def __init__(self, rng, *, today, sources, workers, admin, official, staff):
        self.rng, self.today, self.sources, self.workers = rng, today, sources, workers
        self.admin, self.official, self.staff = admin, official, staff
        self.kpj_length = ProgramRules.current().kpj_length
        self.kpj = 10 ** (self.kpj_length - 1) + 7_000
        self.reference = 0
        self.done = Counter()

    def pick(self, queryset):
        pks = list(queryset.order_by("pk").values_list("pk", flat=True))
        return queryset.model.objects.get(pk=self.rng.choice(pks)) if pks else None

    def coverage(self, status, **filters):
        return self.pick(Coverage.objects.filter(status=status, **filters))

    def claim(self, status):
        return self.pick(Claim.objects.filter(status=status))

    def next_reference(self):
        self.reference += 1
        return f"TRF-ACAK-{self.reference}"

    def enrol(self):
        funding = self.rng.choice(self.sources)
        programs = self.rng.choice([None, ["JKK"], ["JKM"]])
        enroll_worker(worker=self.rng.choice(self.workers), funding=funding, start=funding.period_start,
                      by=self.admin, programs=programs)

    def submit(self):
        if coverage := self.coverage(Coverage.Status.DRAFT):
            submit_coverage(coverage=coverage, by=self.admin)
            return True

    def activate(self):
        if coverage := self.coverage(Coverage.Status.SUBMITTED):
            self.kpj += 1
            activate_coverage(coverage=coverage, kpj_number=str(self.kpj), registered_on=self.today, by=self.staff)
            return True

    def end(self):
        if coverage := self.coverage(Coverage.Status.ACTIVE):
            end_coverage(coverage=coverage, by=self.admin)
            return True

    def cancel(self):
        coverage = self.pick(Coverage.objects.exclude(status__in=[Coverage.Status.ENDED, Coverage.Status.CANCELLED]))
        if coverage:
            cancel_coverage(coverage=coverage, by=self.admin, reason="Data ganda")
            return True

    def pay_contributions(self):
        if coverage := self.coverage(Coverage.Status.ACTIVE):
            pay_contributions(coverage, paid_on=self.today)
            return True

    def file(self):
        coverage = self.coverage(Coverage.Status.ACTIVE, jkm=True, worker__died_on__isnull=True,
                                 start_date__lte=self.today - datetime.timedelta(days=5))
        if coverage:
            heir = coverage.worker.heirs.first() or make_heir(coverage.worker)
            day = coverage.start_date + datetime.timedelta(days=self.rng.randint(1, (self.today - coverage.start_date).days - 1))
            file_claim(coverage=coverage, by=self.official, event_date=day, claimant=heir)
            return True

    def verify(self):
        if claim := self.claim(Claim.Status.SUBMITTED):
            upload_required(claim, by=self.official)
            verify_claim(claim=claim, by=self.staff)
            return True

    def approve(self):
        if claim := self.claim(Claim.Status.VERIFIED):
            approve_claim(claim=claim, by=self.staff)
            return True

    def reject(self):
        claim = self.pick(Claim.objects.filter(status__in=[Claim.Status.SUBMITTED, Claim.Status.VERIFIED]))
        if claim:
            reject_claim(claim=claim, by=self.staff, reason="Dokumen tidak sah")
            return True

    def pay_claim(self):
        if claim := self.claim(Claim.Status.APPROVED):
            pay_in_full(claim, by=self.staff, reference=self.next_reference())
            return True

    VERBS = ["enrol"] * 6 + ["submit"] * 4 + ["activate"] * 4 + ["end", "cancel", "pay_contributions"] + [
        "file"] * 2 + ["verify", "approve", "reject", "pay_claim"]

    def step(self):
        verb = self.rng.choice(self.VERBS)
        try:
            if getattr(self, verb)() is not False:
                self.done[verb] += 1
        except (EnrollmentError, CoverageError, ClaimError, BillingError):
            self.done["refused"] += 1


@pytest.fixture
def random_program(db, official, bpjs_staff, superuser):
    """Three sources (last year's, over; this year's DBH Sawit; this year's non-public payer with
    the transport rate of R-COST-1), 40 workers spread over the regency with birthdays around
    the age bands' edges, and last year's coverage in every state."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    year = dict(quota=1_000, budget=Decimal(1_000) * 1_000_000)
    past = make_funding(code="LALU", fiscal_year=today.year - 1, period_start=datetime.date(today.year - 1, 1, 1),
                        period_end=datetime.date(today.year - 1, 12, 31), **year)
    period = dict(period_start=today - datetime.timedelta(days=200), period_end=today + datetime.timedelta(days=45))
    current = make_funding(code="KINI", fiscal_year=today.year, **period, **year)
    private = make_funding(code="SWASTA", fiscal_year=today.year, kind=FundingSource.Kind.OTHER, **period, **year)
    desas = list(Desa.objects.select_related("kecamatan").order_by("code"))
    here = [d for d in desas if d.kecamatan.code in (KEC_A, KEC_B)]
    occupations = list(Occupation.objects.order_by("code"))
    transport = [o for o in occupations if o.is_transport]
    assert transport, "the seeded occupations include a transport one (R-COST-1)"
    workers = []
    for index in range(40):
        age = rng.choice([20, 24, 25, 34, 35, 44, 45, 54, 55, 60])
        birth = _years_ago(today, age, days=rng.choice([-1, 0, 1, 40, 200]))
        worker = make_worker(desa=rng.choice(here if index % 3 else desas), birth_date=birth,
                             sex=rng.choice([MALE, FEMALE]), full_name=f"PEKERJA {index}")
        worker.occupations.set(rng.sample(occupations, rng.choice([0, 1, 1, 2])) if index % 5 else transport[:1])
        workers.append(worker)
    for worker in workers[:25]:
        cover(worker, past, status=rng.choice([Coverage.Status.ACTIVE, Coverage.Status.ENDED, Coverage.Status.CANCELLED]))
    changes = Changes(rng, today=today, sources=[current, private], workers=workers,
                      admin=superuser, official=official, staff=bpjs_staff)
    for _ in range(STEPS):
        changes.step()
    return today, current, changes


FILTERS = [
    Filters(),  # opens on the program running today (issue 16): compared as the year it resolves to
    Filters(all_years=True),
    Filters(funding="KINI"),
    Filters(funding="SWASTA"),
    Filters(funding="LALU"),
    Filters(year=None, kecamatan=KEC_A),
    Filters(all_years=True, kecamatan=KEC_A),
    Filters(funding="KINI", kecamatan=KEC_B),
]


@pytest.mark.django_db
def test_every_figure_equals_a_plain_recount_after_random_changes_through_the_verbs(random_program, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    today, current, changes = random_program
    # The random walk reached every kind of change (else it would compare little).
    for verb in ("enrol", "submit", "activate", "end", "cancel", "pay_contributions", "file", "verify", "approve",
                 "reject", "pay_claim"):
        assert changes.done[verb] >= 2, (verb, changes.done)
    assert_every_figure_is_exact(today)


@pytest.mark.django_db
def test_the_recount_sees_the_changes_it_is_compared_with(random_program):
    """The comparison above is not between two empty dashboards: the walk leaves covered
    workers, paid claims and committed cost behind."""
    today, current, changes = random_program
    figures = expected_figures(Filters(all_years=True), today=today, hide_small=False)
    assert figures["summary"]["covered"] >= 10
    assert figures["summary"]["claims_paid"] >= 1
    assert figures["summary"]["programs"]["SWASTA"][2] > 0


def assert_every_figure_is_exact(today):
    for hide_small in (False, True):  # a user with enrollment.view_worker; Pimpinan
        for chosen in [*FILTERS, Filters(year=today.year), Filters(year=today.year, kecamatan=KEC_A)]:
            scope = resolve_scope(chosen, today=today, hide_small=hide_small)
            expected = expected_figures(scope.filters, today=today, hide_small=hide_small)  # as resolved
            shown = shown_figures(build_dashboard(scope))
            assert shown == expected, (chosen, hide_small)
            alone = summarize(resolve_scope(chosen, today=today, hide_small=hide_small))
            assert shown_summary(alone) == expected["summary"], (chosen, hide_small)


def summary_tables():
    """The summary rows as they stand (no zero rows), to compare with a rebuild from the tables."""
    tables = ["dashboard_worker_state", "dashboard_tally_place", "dashboard_tally_birth_year", "dashboard_tally_birth_date",
              "dashboard_tally_occupation", "dashboard_tally_coverage", "dashboard_tally_claim"]
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            where = "" if table == "dashboard_worker_state" else " WHERE n <> 0"
            cursor.execute(f"SELECT * FROM {table}{where}")  # noqa: S608 (constant names)
            rows[table] = sorted(map(repr, cursor.fetchall()))
        return rows


@pytest.mark.django_db
def test_the_figures_stay_exact_after_an_excel_import_and_bulk_updates_no_verb_makes(random_program, settings, tmp_path):
    """The Excel import writes with COPY; update() and delete() on querysets skip every model
    method and the audit: on PostgreSQL the summary rows follow them through triggers."""
    settings.DASHBOARD_CACHE_SECONDS = 0
    today, current, changes = random_program
    assert summary_rows.in_use(), "the suite runs on PostgreSQL, where the dashboard reads the summary rows"

    # An import of 12 workers born around the age bands' edges into this year's program (drafts),
    # then more random verbs, which submit, activate, end and cancel some of them.
    births = [_years_ago(today, age, days=shift) for age in (25, 35, 45, 65) for shift in (-1, 0, 1)]
    people = [person(4_000 + i, birth_date=born, occupation="Ojek" if i % 2 else "Petani sawit")
              for i, born in enumerate(births)]
    result = import_workers(simple_file(tmp_path / "impor.xlsx", people), funding=current, by=None,
                            start=current.period_start)
    assert result.committed and result.created == len(people), result
    imported = list(Worker.objects.filter(nik__in=[p["NIK"] for p in people]).order_by("pk"))
    changes.workers.extend(imported)
    for _ in range(120):
        changes.step()
    assert_every_figure_is_exact(today)

    # Bulk updates, as a shell or a data fix would make them.
    workers = list(Worker.objects.order_by("pk").values_list("pk", flat=True))
    elsewhere = Desa.objects.exclude(kecamatan__code__in=[KEC_A, KEC_B]).order_by("code").first()
    Worker.objects.filter(pk__in=workers[::4]).update(desa=elsewhere)  # moved house
    Worker.objects.filter(pk__in=workers[1::5]).update(birth_date=F("birth_date") + datetime.timedelta(days=1))
    Worker.objects.filter(pk__in=workers[2::6]).update(sex=FEMALE)
    ojek = Occupation.objects.get(name="Ojek")
    Worker.occupations.through.objects.filter(worker_id__in=workers[3::4]).delete()
    Worker.occupations.through.objects.bulk_create(
        [Worker.occupations.through(worker_id=pk, occupation_id=ojek.pk) for pk in workers[3::8]]
    )
    not_transport = Occupation.objects.filter(is_transport=False).order_by("code").first()
    Occupation.objects.filter(pk=not_transport.pk).update(is_transport=True)  # R-COST-1 price of SWASTA moves
    active = list(Coverage.objects.filter(status=Coverage.Status.ACTIVE).order_by("pk").values_list("pk", flat=True))
    Coverage.objects.filter(pk__in=active[::3]).update(status=Coverage.Status.ENDED, ended_at=timezone.now())
    Coverage.objects.filter(pk__in=active[1::3]).update(end_date=today + datetime.timedelta(days=20))
    drafts = list(Coverage.objects.filter(status=Coverage.Status.DRAFT).order_by("pk").values_list("pk", flat=True))
    Coverage.objects.filter(pk__in=drafts[:3]).delete()
    claims = list(Claim.objects.exclude(status=Claim.Status.PAID).order_by("pk").values_list("pk", flat=True))  # paid: immutable
    Claim.objects.filter(pk__in=claims[::2]).update(submitted_at=F("submitted_at") - datetime.timedelta(days=40))
    with_claims = Coverage.objects.filter(claims__isnull=False, funding_source=current).order_by("pk").first()
    Coverage.objects.filter(pk=with_claims.pk).update(funding_source=changes.sources[1])  # a data fix: other payer
    moved = Desa.objects.filter(kecamatan__code=KEC_B).order_by("code").first()
    Desa.objects.filter(pk=moved.pk).update(kecamatan=Kecamatan.objects.get(code=KEC_A))  # a boundary change
    assert_every_figure_is_exact(today)

    # The rows the triggers kept are the rows a rebuild from the tables gives.
    kept = summary_tables()
    summary_rows.rebuild()
    assert summary_tables() == kept


@pytest.mark.django_db
def test_the_figures_computed_from_the_tables_as_on_sqlite_equal_the_recount_too(random_program, settings, monkeypatch):
    """The path ``make run`` takes on SQLite (no triggers, aggregates over the tables), run here
    on PostgreSQL by choosing it: it stays the reference the summary rows are checked against."""
    settings.DASHBOARD_CACHE_SECONDS = 0
    today, current, changes = random_program
    monkeypatch.setattr(summary_rows, "in_use", lambda: False)
    assert_every_figure_is_exact(today)
