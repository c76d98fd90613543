"""Demo bills and payments (seed_demo), made through the same services as the pages.

- DBH-SAWIT-2024: one bill for the whole period Aug–Dec 2024 paid at once (R-PAY-1):
  1,885 × Rp16.800 × 5 = Rp158.340.000, paid in full.
- DBH-SAWIT-2025: four quarterly bills of 3,200 × Rp16.800 × 3 = Rp161.280.000, together the
  budget Rp645.120.000 (R-COST-1). Q1–Q3 paid in full; Q4 paid for October and November only,
  so December shows as billed and unpaid (one month: not lapsed, R-PAY-2).

Idempotent: a funding source that already has bills is left alone.
"""

import datetime
from decimal import Decimal

from .billing import prepare_bill, record_payment
from .models import ContributionBill

QUARTERS_2025 = [(1, 3), (4, 6), (7, 9), (10, 12)]
# (reference, paid on, quarter index, part of the quarter's bill paid)
PAYMENTS_2025 = [
    ("SP2D-2025/0114/BPKAD", datetime.date(2025, 1, 14), 0, Decimal("1")),
    ("SP2D-2025/0414/BPKAD", datetime.date(2025, 4, 14), 1, Decimal("1")),
    ("SP2D-2025/0714/BPKAD", datetime.date(2025, 7, 14), 2, Decimal("1")),
    ("SP2D-2025/1014/BPKAD", datetime.date(2025, 10, 14), 3, Decimal("2") / 3),
]


def seed_billing(sources: dict) -> int:
    """Bills and payments for DBH Sawit 2024 and 2025; returns the number of bills created."""
    created = 0
    source_2024 = sources.get("DBH-SAWIT-2024")
    if source_2024 and not ContributionBill.objects.filter(funding_source=source_2024).exists():
        bill = prepare_bill(funding=source_2024, first_month=source_2024.period_start,
                            last_month=source_2024.period_end, by=None)
        record_payment(funding=source_2024, paid_on=datetime.date(2024, 8, 14), amount=bill.total,
                       reference="SP2D-2024/0814/BPKAD", bills=[bill], by=None, note="seed_demo")
        created += 1
    source_2025 = sources.get("DBH-SAWIT-2025")
    if source_2025 and not ContributionBill.objects.filter(funding_source=source_2025).exists():
        bills = [
            prepare_bill(funding=source_2025, first_month=datetime.date(2025, first, 1),
                         last_month=datetime.date(2025, last, 1), by=None)
            for first, last in QUARTERS_2025
        ]
        for reference, paid_on, quarter, part in PAYMENTS_2025:
            record_payment(funding=source_2025, paid_on=paid_on, amount=(bills[quarter].total * part).quantize(Decimal("1")),
                           reference=reference, bills=[bills[quarter]], by=None, note="seed_demo")
        created += len(bills)
    return created
