"""Funding-source figures: committed contribution cost (R-COST-1), capacity (R-ENR-4) and the
payment rule R-PAY-2, computed in the database with a constant number of queries."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import ZERO, format_rupiah

from enrollment.commitment import (  # noqa: F401 (the cost and quota figures, for funding's callers)
    committed_cost, cost_of_priced_groups, monthly_commitment, priced_group, quota_coverages,
)
from enrollment.models import Coverage, Kecamatan

from .billing import bill_month_status, due_date, lines_after_death
from .calendar import load_holidays
from .contributions import RateTable, contribution_months, month_start
from .models import BillLine, ContributionBill, ContributionPayment, FundingSource, KecamatanTarget, PaymentAllocation

# R-PAY-2: after this many consecutive unpaid months the participant is inactive.
LAPSE_AFTER_UNPAID_MONTHS = 3


def funding_change_problems(funding: FundingSource, *, quota, budget, period_start, period_end, covers_jkk, covers_jkm) -> list:
    """R-ENR-2 and R-ENR-4 when a funding source is edited: the new values must still hold its
    enrolled coverage (quota, budget, period, programs). Three queries."""
    problems = []
    coverages = Coverage.objects.counting().filter(funding_source=funding)
    enrolled = quota_coverages(funding).count()
    if quota is not None and quota < enrolled:
        problems.append(("quota", _("Kuota %(quota)d lebih kecil dari %(enrolled)d pekerja yang sudah terdaftar (R-ENR-4).")
                         % {"quota": quota, "enrolled": enrolled}))
    if budget is not None:
        committed = committed_cost(funding)
        if budget < committed:
            problems.append(("budget", _("Anggaran %(budget)s lebih kecil dari iuran yang sudah terpakai %(committed)s (R-ENR-4).")
                             % {"budget": format_rupiah(budget), "committed": format_rupiah(committed)}))
    if period_start and period_end:
        outside = coverages.exclude(start_date__gte=period_start, end_date__lte=period_end).count()
        if outside:
            problems.append(("period_start", _("%(count)d kepesertaan akan berada di luar periode baru (R-ENR-2).")
                             % {"count": outside}))
    for program, on in ((Coverage.jkk.field.name, covers_jkk), (Coverage.jkm.field.name, covers_jkm)):
        if not on and coverages.filter(**{program: True}).exists():
            problems.append((f"covers_{program}", _("Masih ada kepesertaan program %(program)s pada sumber dana ini.")
                             % {"program": program.upper()}))
    return problems


def funding_summary(funding: FundingSource, *, rates: RateTable | None = None) -> dict:
    """The figures of a funding source's page, in five queries whatever its size."""
    rates = rates or RateTable.load()
    by_status, freed_by_death = Counter(), 0
    for status, end_reason, n in (
        Coverage.objects.filter(funding_source=funding).values_list("status", "end_reason").annotate(n=Count("id")).order_by()
    ):
        by_status[status] += n
        if status == Coverage.Status.ENDED and end_reason == Coverage.EndReason.DEATH:
            freed_by_death += n  # the worker died: the place in the quota is free again (R-ENR-4)
    enrolled = sum(n for status, n in by_status.items() if status != Coverage.Status.CANCELLED) - freed_by_death
    first_month = month_start(funding.period_start)
    monthly = {
        program: rates.monthly(program, basis=funding.income_basis, month=first_month, public_funds=funding.is_public_funds)
        for program in funding.programs
    }
    committed = committed_cost(funding, rates=rates)
    per_kecamatan = dict(
        quota_coverages(funding).values_list("worker__desa__kecamatan_id").annotate(n=Count("id")).order_by()
    )
    targets = dict(KecamatanTarget.objects.filter(funding_source=funding).values_list("kecamatan_id", "target"))
    kecamatan_rows = [
        {"kecamatan": k, "enrolled": per_kecamatan.get(k.pk, 0), "target": targets.get(k.pk)}
        for k in Kecamatan.objects.all()
    ]
    return {
        "by_status": [(status, label, by_status.get(status, 0)) for status, label in Coverage.Status.choices],
        "enrolled": enrolled,
        "quota_left": max(funding.quota - enrolled, 0),
        "freed_by_death": freed_by_death,
        "monthly": monthly,
        "monthly_total": sum(monthly.values(), ZERO),
        "months": len(contribution_months(funding.period_start, funding.period_end)),
        "committed": committed,
        "budget_left": funding.budget - committed,
        "kecamatan_rows": kecamatan_rows,
    }


def unpaid_months(coverage, *, today: datetime.date | None = None) -> set:
    """Months (first days) of ``coverage`` whose contribution is past due and not paid (R-PAY-1).

    A month is unpaid once its due date (the 15th, or the next working day) is before ``today``
    and no payment made up to ``today`` settles a bill line of this coverage for that month,
    whether or not the month was ever billed: coverage protects only months whose contributions
    are paid (R-PAY-2).
    """
    today = today or timezone.localdate()
    return unpaid_months_by_coverage([coverage.pk], today=today).get(coverage.pk, set())


def unpaid_months_by_coverage(coverages, *, today: datetime.date, holidays=None) -> dict:
    """{coverage id: unpaid months} for many registered coverages at once (a queryset or ids).

    A handful of queries whatever the number of coverages: the paid months are counted per
    coverage in the database, and only coverages missing some are read month by month.
    """
    return _unpaid_and_periods(coverages, today=today, holidays=holidays)[0]


def _unpaid_and_periods(coverages, *, today, holidays):
    """({coverage id: unpaid months}, {coverage id: (start, end)}) of the registered coverages."""
    holidays = load_holidays() if holidays is None else holidays
    registered = list(
        Coverage.objects.registered().filter(pk__in=coverages)
        .values_list("pk", "start_date", "end_date")
    )
    periods = {pk: (start, end) for pk, start, end in registered}
    if not registered:
        return {}, periods
    # Months are due in calendar order, so "due before today" is every month up to a cut-off.
    first = min(start for _pk, start, _end in registered)
    due = [m for m in contribution_months(first, today) if due_date(m, holidays) < today]
    if not due:
        return {}, periods
    cutoff = due[-1]
    lines = BillLine.objects.filter(coverage_id__in=[pk for pk, _s, _e in registered], month__lte=cutoff)
    bills = BillLine.objects.filter(bill_id__in=lines.values("bill_id"))  # whole bills: payments settle bills
    paid_pairs = [(b, m) for b, m, _total, paid, _past in bill_month_status(bills, today=today, holidays=holidays) if paid]
    paid_lines = lines.none()
    if paid_pairs:
        pair_filter = Q()
        for bill_id, month in paid_pairs:
            pair_filter |= Q(bill_id=bill_id, month=month)
        paid_lines = lines.filter(pair_filter)
    paid_count = dict(paid_lines.values_list("coverage_id").annotate(n=Count("month", distinct=True)).order_by())
    due_of, short = {}, []
    for pk, start, end in registered:
        due_of[pk] = [m for m in contribution_months(start, min(end, cutoff)) if m <= cutoff]
        if paid_count.get(pk, 0) < len(due_of[pk]):
            short.append(pk)
    paid = defaultdict(set)
    for coverage_id, month in paid_lines.filter(coverage_id__in=short).values_list("coverage_id", "month"):
        paid[coverage_id].add(month)
    return {pk: set(due_of[pk]) - paid[pk] for pk in short}, periods


def lapsed_months_by_coverage(coverages, *, today: datetime.date | None = None, holidays=None) -> dict:
    """R-PAY-2 for many coverages: {coverage id: lapsed months}, only coverages with some."""
    today = today or timezone.localdate()
    unpaid, periods = _unpaid_and_periods(coverages, today=today, holidays=holidays)
    lapsed, months_of = {}, {}
    for pk in unpaid:
        start, end = periods[pk]
        if (start, end) not in months_of:
            months_of[start, end] = contribution_months(start, end)
        lapsed_here = lapsed_months(months_of[start, end], unpaid[pk])
        if lapsed_here:
            lapsed[pk] = lapsed_here
    return lapsed


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
    if not coverage.is_registered or not coverage.covers(day):
        return False
    today = today or timezone.localdate()
    months = contribution_months(coverage.start_date, coverage.end_date)
    return month_start(day) not in lapsed_months(months, unpaid_months(coverage, today=today))


MONTH_STATES = {
    "paid": _("Lunas"),
    "overdue": _("Lewat jatuh tempo, belum lunas"),
    "partly_paid": _("Dibayar sebagian"),
    "billed": _("Ditagih, belum jatuh tempo"),
    "not_billed_overdue": _("Jatuh tempo, belum ditagih"),
    "not_billed": _("Belum ditagih"),
}


def _total(queryset, field):
    """A correlated SUM over ``queryset`` (already filtered by OuterRef), 0 when empty."""
    decimal = DecimalField(max_digits=15, decimal_places=0)
    return Coalesce(
        Subquery(queryset.order_by().annotate(one=Value(1)).values("one").annotate(total=Sum(field)).values("total"),
                 output_field=decimal),
        Value(ZERO), output_field=decimal,
    )


def budget_tracking(funding: FundingSource, *, today: datetime.date | None = None, rates: RateTable | None = None) -> dict:
    """Budget vs committed vs billed vs paid, and the forecast to the end of the period.

    forecast = everything billed (real money owed, even for coverages cancelled after billing)
    + the months of running coverages not billed yet, at today's rates (R-COST-1). A warning
    is raised when it exceeds the budget; enrolment itself is stopped earlier (R-ENR-4).
    Six queries (four with ``rates`` given), whatever the size of the program.
    """
    today = today or timezone.localdate()
    rates = rates or RateTable.load()
    holidays = load_holidays()
    by_month = monthly_commitment(funding, rates=rates)
    committed = sum(by_month.values(), ZERO)
    sums = FundingSource.objects.filter(pk=funding.pk).annotate(
        billed=_total(ContributionBill.objects.filter(funding_source=OuterRef("pk")), "total"),
        settled=_total(PaymentAllocation.objects.filter(bill__funding_source=OuterRef("pk")), "amount"),
        paid=_total(ContributionPayment.objects.filter(funding_source=OuterRef("pk")), "amount"),
        billed_counting=_total(
            BillLine.objects.filter(bill__funding_source=OuterRef("pk")).exclude(coverage__status=Coverage.Status.CANCELLED), "amount"
        ),
        credit=_total(lines_after_death(BillLine.objects.filter(bill__funding_source=OuterRef("pk"))), "amount"),
    ).values("billed", "settled", "paid", "billed_counting", "credit").get()
    rows = defaultdict(lambda: {"billed": ZERO, "paid": ZERO, "unpaid_due": False})
    for _bill_id, month, total, paid, past_due in bill_month_status(
        BillLine.objects.filter(bill__funding_source=funding), today=today, holidays=holidays
    ):
        row = rows[month]
        row["billed"] += total
        if paid:
            row["paid"] += total
        elif past_due:
            row["unpaid_due"] = True
    # Months billed after a participant's death are not owed (a credit, funding.billing.death_credits).
    not_billed = max(committed - (sums["billed_counting"] - sums["credit"]), ZERO)
    forecast = sums["billed"] - sums["credit"] + not_billed
    months = []
    for month in contribution_months(funding.period_start, funding.period_end):
        row = rows.get(month, {"billed": ZERO, "paid": ZERO, "unpaid_due": False})
        due = due_date(month, holidays)
        expected = by_month.get(month, ZERO)
        if row["billed"] and row["paid"] >= row["billed"]:
            state = "paid"
        elif row["unpaid_due"]:
            state = "overdue"
        elif row["paid"]:
            state = "partly_paid"
        elif row["billed"]:
            state = "billed"
        elif expected and due < today:
            state = "not_billed_overdue"
        else:
            state = "not_billed"
        months.append({"month": month, "due": due, "expected": expected, **row, "state": state,
                       "state_label": MONTH_STATES[state], "unbilled": max(expected - row["billed"], ZERO)})
    lapsed = lapsed_months_by_coverage(Coverage.objects.counting().filter(funding_source=funding).values("pk"), today=today, holidays=holidays)
    return {
        "budget": funding.budget,
        "committed": committed,
        "billed": sums["billed"],
        "paid": sums["paid"],
        "outstanding": sums["billed"] - sums["settled"],
        "not_billed": not_billed,
        "credit": sums["credit"],
        "forecast": forecast,
        "forecast_left": funding.budget - forecast,
        "over_budget": forecast > funding.budget,
        "months": months,
        "lapsed_count": len(lapsed),
    }
