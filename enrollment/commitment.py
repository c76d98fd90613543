"""What a funding source's enrolled coverage commits (R-COST-1) and how many places it holds
(R-ENR-4), in the database with one query whatever the number of workers.

It lives in enrollment because it reads coverages: enrolling checks these figures (R-ENR-4), and
funding's billing layer, which sits above enrollment, re-exports them from ``funding.services``.
"""

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef

from core.money import ZERO
from funding.contributions import RateTable, contribution_months
from funding.models import FundingSource

from .models import Coverage, Occupation


def quota_coverages(funding: FundingSource):
    """Coverages holding a place in the quota (R-ENR-4): a coverage ended by the worker's death
    frees its place, though its months up to the death still count in the cost (R-COST-1)."""
    return Coverage.objects.holding_place().filter(funding_source=funding)


def _priced_groups(funding: FundingSource, coverages=None):
    """Coverages grouped by what decides their price (period, programs, basis, and for non-public
    payers the transport flag): yields (group values, count, programs, transport). One query."""
    keys = ["start_date", "end_date", "jkk", "jkm", "income_basis"]
    queryset = Coverage.objects.counting().filter(funding_source=funding) if coverages is None else coverages
    if not funding.is_public_funds:
        queryset = queryset.annotate(
            transport=Exists(Occupation.objects.filter(workers=OuterRef("worker_id"), is_transport=True))
        )
        keys.append("transport")
    for group in queryset.values(*keys).annotate(n=Count("id")).order_by():
        yield priced_group(group)


def priced_group(group: dict):
    """(group, count, programs, transport) of one row of coverages grouped by start_date, end_date,
    jkk, jkm, income_basis (and transport for non-public payers) with their count ``n``."""
    programs = [p for p, on in (("JKK", group["jkk"]), ("JKM", group["jkm"])) if on]
    return group, group["n"], programs, group.get("transport", False)


def committed_cost(funding: FundingSource, *, rates: RateTable | None = None):
    """R-COST-1 for a whole funding source: Σ coverages × months × monthly contribution.

    Coverages are grouped by what decides their price, so this is one query whatever the
    number of workers.
    """
    return cost_of_priced_groups(funding, _priced_groups(funding), rates=rates or RateTable.load())


def cost_of_priced_groups(funding: FundingSource, priced, *, rates: RateTable):
    """R-COST-1 of counting coverages of ``funding`` already grouped (see priced_group): the
    dashboard groups every source's coverages in one query and prices them here."""
    total = ZERO
    for group, n, programs, transport in priced:
        total += n * rates.coverage_cost(
            start=group["start_date"],
            end=group["end_date"],
            programs=programs,
            basis=group["income_basis"],
            public_funds=funding.is_public_funds,
            transport=transport,
        )
    return total


def monthly_commitment(funding: FundingSource, *, rates: RateTable | None = None) -> dict:
    """{month: contribution} of the counting coverages month by month (R-COST-1); the months
    add up to ``committed_cost``. One query."""
    rates = rates or RateTable.load()
    by_month = defaultdict(lambda: ZERO)
    for group, n, programs, transport in _priced_groups(funding):
        for month in contribution_months(group["start_date"], group["end_date"]):
            by_month[month] += n * rates.monthly_total(
                programs, basis=group["income_basis"], month=month,
                public_funds=funding.is_public_funds, transport=transport,
            )
    return dict(by_month)
