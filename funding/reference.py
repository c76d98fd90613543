"""The regulation's contribution rates as default data (R-RATE-1, R-RATE-2, R-RATE-4).

Loaded by a data migration and after every migrate/flush when the tables are empty, so an
administrator's edits are never overwritten.
"""

import datetime
from decimal import Decimal

RATES = [
    # R-RATE-1: JKK 1% of the declared income basis (PP 44/2015 Lampiran II, BPU).
    {"program": "JKK", "valid_from": datetime.date(2015, 7, 1), "percent_of_basis": Decimal("1.00"),
     "regulation": "PP 44/2015 Lampiran II"},
    # R-RATE-2: JKM Rp6.800 a month whatever the basis (PP 44/2015 art. 18).
    {"program": "JKM", "valid_from": datetime.date(2015, 7, 1), "fixed_amount": Decimal("6800"),
     "regulation": "PP 44/2015 Pasal 18"},
]

# R-RATE-1: the confirmed row of PP 44/2015 Lampiran II; administrators add the others.
INCOME_BASES = [{"amount": Decimal("1000000"), "regulation": "PP 44/2015 Lampiran II"}]

DISCOUNTS = [
    # R-RATE-4: PP 50/2025 halves BPU contributions, except when paid from APBN/APBD.
    {"name": "PP 50/2025 — pekerja transportasi", "percent": Decimal("50"), "applies_to": "transport",
     "valid_from": datetime.date(2026, 1, 1), "valid_until": datetime.date(2027, 3, 31)},
    {"name": "PP 50/2025 — pekerja selain transportasi", "percent": Decimal("50"), "applies_to": "others",
     "valid_from": datetime.date(2026, 4, 1), "valid_until": datetime.date(2026, 12, 31)},
]


def load_rates(apps):
    ContributionRate = apps.get_model("funding", "ContributionRate")
    ContributionDiscount = apps.get_model("funding", "ContributionDiscount")
    if not ContributionRate.objects.exists():
        ContributionRate.objects.bulk_create(ContributionRate(**row) for row in RATES)
    if not ContributionDiscount.objects.exists():
        ContributionDiscount.objects.bulk_create(ContributionDiscount(**row) for row in DISCOUNTS)


def load_income_bases(apps):
    IncomeBasis = apps.get_model("funding", "IncomeBasis")
    if not IncomeBasis.objects.exists():
        IncomeBasis.objects.bulk_create(IncomeBasis(**row) for row in INCOME_BASES)
