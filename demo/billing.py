"""Demo bills and payments (seed_demo), made through the same services as the pages.

- DBH-SAWIT-2024: one bill for the whole period Aug–Dec 2024 paid at once (R-PAY-1):
  1,885 × Rp16.800 × 5 = Rp158.340.000, paid in full.
- DBH-SAWIT-2025: four quarterly bills of 3,200 × Rp16.800 × 3 = Rp161.280.000, together the
  budget Rp645.120.000 (R-COST-1), each paid in full on the 14th of its first month.
- Later programs whose period is over: one bill for the year, paid in January.
- The program running today: billed from its start up to this month; paid (in advance, on
  its first due date) up to two months ago, so last month is past due and unpaid (one month: not lapsed, R-PAY-2) and this month is
  billed, not yet due.

Idempotent: a funding source that already has bills is left alone.
"""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from funding.billing import prepare_bill, record_payment
from funding.models import ContributionBill

QUARTERS_2025 = [(1, 3), (4, 6), (7, 9), (10, 12)]


def _bill_and_pay(source, first, last, *, paid_on=None, reference=""):
    bill = prepare_bill(funding=source, first_month=first, last_month=last, by=None)
    if paid_on:
        record_payment(funding=source, paid_on=paid_on, amount=bill.total, reference=reference, bills=[bill],
                       by=None, note="seed_demo")
    return bill


def seed_billing(sources: dict, *, today: datetime.date) -> int:
    """Bills and payments of every program that has started; returns the number of bills created."""
    created = 0
    for source in sorted(sources.values(), key=lambda s: s.period_start):
        if source.period_start > today or ContributionBill.objects.filter(funding_source=source).exists():
            continue
        year = source.fiscal_year
        if source.code == "DBH-SAWIT-2024":
            _bill_and_pay(source, source.period_start, source.period_end, paid_on=datetime.date(2024, 8, 14),
                          reference="SP2D-2024/0814/BPKAD")
            created += 1
        elif source.code == "DBH-SAWIT-2025":
            for first, last in QUARTERS_2025:
                _bill_and_pay(source, datetime.date(2025, first, 1), datetime.date(2025, last, 1),
                              paid_on=datetime.date(2025, first, 14), reference=f"SP2D-2025/{first:02d}14/BPKAD")
                created += 1
        elif source.period_end < today:
            _bill_and_pay(source, source.period_start, source.period_end, paid_on=datetime.date(year, 1, 14),
                          reference=f"SP2D-{year}/0114/BPKAD")
            created += 1
        else:
            this_month = today.replace(day=1)
            last_paid = this_month - relativedelta(months=2)
            first_unpaid = source.period_start
            if last_paid >= source.period_start:
                # Paid in advance on its first due date (R-PAY-1), so no month of it was ever late.
                _bill_and_pay(source, source.period_start, last_paid, paid_on=source.period_start.replace(day=14),
                              reference=f"SP2D-{year}/{source.period_start:%m}14/BPKAD")
                first_unpaid = last_paid + relativedelta(months=1)
                created += 1
            _bill_and_pay(source, first_unpaid, this_month)
            created += 1
    return created
