"""Funding-source figures: committed contribution cost (R-COST-1), capacity (R-ENR-4) and the
payment rule R-PAY-2, computed in the database with a constant number of queries."""

import datetime
from collections import Counter

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from core.money import ZERO

from .contributions import RateTable, contribution_months, month_start
from .models import FundingSource, KecamatanTarget

# R-PAY-2: after this many consecutive unpaid months the participant is inactive.
LAPSE_AFTER_UNPAID_MONTHS = 3
# R-PAY-1: a month's contribution is due on the 15th of that month.
DUE_DAY = 15


def counting_coverages(funding: FundingSource):
    from enrollment.models import Coverage

    return Coverage.objects.counting().filter(funding_source=funding)


def committed_cost(funding: FundingSource, *, rates: RateTable | None = None):
    """R-COST-1 for a whole funding source: Σ coverages × months × monthly contribution.

    Coverages are grouped by what decides their price (period, programs, basis, and for
    non-public payers the transport flag), so this is one query whatever the number of workers.
    """
    from enrollment.models import Occupation

    rates = rates or RateTable.load()
    keys = ["start_date", "end_date", "jkk", "jkm", "income_basis"]
    queryset = counting_coverages(funding)
    if not funding.is_public_funds:
        queryset = queryset.annotate(
            transport=Exists(Occupation.objects.filter(workers=OuterRef("worker_id"), is_transport=True))
        )
        keys.append("transport")
    total = ZERO
    for group in queryset.values(*keys).annotate(n=Count("id")).order_by():
        programs = [p for p, on in (("JKK", group["jkk"]), ("JKM", group["jkm"])) if on]
        total += group["n"] * rates.coverage_cost(
            start=group["start_date"],
            end=group["end_date"],
            programs=programs,
            basis=group["income_basis"],
            public_funds=funding.is_public_funds,
            transport=group.get("transport", False),
        )
    return total


def funding_summary(funding: FundingSource) -> dict:
    """The figures of a funding source's page, in five queries whatever its size."""
    from enrollment.models import Coverage

    rates = RateTable.load()
    by_status = Counter(
        dict(
            Coverage.objects.filter(funding_source=funding).values_list("status").annotate(n=Count("id")).order_by()
        )
    )
    enrolled = sum(n for status, n in by_status.items() if status != Coverage.Status.CANCELLED)
    first_month = month_start(funding.period_start)
    monthly = {
        program: rates.monthly(program, basis=funding.income_basis, month=first_month, public_funds=funding.is_public_funds)
        for program in funding.programs
    }
    committed = committed_cost(funding, rates=rates)
    per_kecamatan = dict(
        counting_coverages(funding).values_list("worker__desa__kecamatan_id").annotate(n=Count("id")).order_by()
    )
    from enrollment.models import Kecamatan

    targets = dict(KecamatanTarget.objects.filter(funding_source=funding).values_list("kecamatan_id", "target"))
    kecamatan_rows = [
        {"kecamatan": k, "enrolled": per_kecamatan.get(k.pk, 0), "target": targets.get(k.pk)}
        for k in Kecamatan.objects.all()
    ]
    return {
        "by_status": [(status, label, by_status.get(status, 0)) for status, label in Coverage.Status.choices],
        "enrolled": enrolled,
        "quota_left": max(funding.quota - enrolled, 0),
        "monthly": monthly,
        "monthly_total": sum(monthly.values(), ZERO),
        "months": len(contribution_months(funding.period_start, funding.period_end)),
        "committed": committed,
        "budget_left": funding.budget - committed,
        "kecamatan_rows": kecamatan_rows,
    }


def unpaid_months(coverage, *, today: datetime.date | None = None) -> set:
    """Months (first days) of ``coverage`` whose contribution is past due and not paid (R-PAY-1).

    Contribution bills and payments are recorded per funding source (funding over the year);
    until a bill for a month exists and is past due unpaid, the month is not counted unpaid.
    """
    return set()


def lapsed_months(months, unpaid) -> set:
    """R-PAY-2: the unpaid months that belong to a run of 3 or more consecutive unpaid months.

    Events in those months are not covered; paying them (or later months) reactivates.
    """
    lapsed, run = set(), []
    for month in sorted(months):
        if month in unpaid:
            run.append(month)
            continue
        if len(run) >= LAPSE_AFTER_UNPAID_MONTHS:
            lapsed.update(run)
        run = []
    if len(run) >= LAPSE_AFTER_UNPAID_MONTHS:
        lapsed.update(run)
    return lapsed


def is_protected_on(coverage, day: datetime.date, *, today: datetime.date | None = None) -> bool:
    """Whether an event on ``day`` is covered: inside a registered coverage and not lapsed (R-PAY-2)."""
    from enrollment.models import Coverage

    if coverage.status not in (Coverage.Status.ACTIVE, Coverage.Status.ENDED) or not coverage.covers(day):
        return False
    today = today or timezone.localdate()
    months = contribution_months(coverage.start_date, coverage.end_date)
    return month_start(day) not in lapsed_months(months, unpaid_months(coverage, today=today))
