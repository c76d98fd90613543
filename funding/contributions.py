"""Contribution rules R-RATE-1..4 and R-COST-1 of ../shared/domain.md, as plain functions.

The rates themselves are data (``ContributionRate``, ``ContributionDiscount``): ``RateTable.load()``
reads them once, then every computation is pure and needs no query.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from core.money import ZERO, format_rupiah, rupiah

from .models import MIN_INCOME_BASIS, ContributionDiscount, ContributionRate, programs_of


class RateError(ValueError):
    """A contribution cannot be computed (basis below the minimum, no rate for a month)."""


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def contribution_months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """R-COST-1: the calendar months touched by [start, end], as their first days.

    Any covered day in a month makes the month payable.
    """
    months = []
    current = month_start(start)
    while current <= end:
        months.append(current)
        current += relativedelta(months=1)
    return months


def income_basis_error(amount) -> str | None:
    """R-RATE-1: a declared income basis below Rp1.000.000 is refused (whole rupiah)."""
    if amount is not None and Decimal(amount) < MIN_INCOME_BASIS:
        return _("Dasar penghasilan %(amount)s di bawah minimal Rp1.000.000 (R-RATE-1).") % {
            "amount": format_rupiah(Decimal(amount))
        }
    return None


def validate_income_basis(value):
    """Field validator for a declared income basis (R-RATE-1)."""
    from django.core.exceptions import ValidationError

    error = income_basis_error(value)
    if error:
        raise ValidationError(error, code="income_basis")


def coverage_end(start: datetime.date, months: int, period_end: datetime.date) -> datetime.date:
    """R-ENR-2: end = start + months − 1 day, capped at the funding period's end."""
    return min(start + relativedelta(months=months) - datetime.timedelta(days=1), period_end)


@dataclass(frozen=True)
class _Rate:
    program: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    percent: Decimal | None
    fixed: Decimal | None

    def covers(self, day):
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class _Discount:
    percent: Decimal
    applies_to: str
    valid_from: datetime.date
    valid_until: datetime.date
    programs: frozenset

    def applies(self, program, day, transport):
        if program not in self.programs or not (self.valid_from <= day <= self.valid_until):
            return False
        if self.applies_to == ContributionDiscount.AppliesTo.ALL:
            return True
        return transport == (self.applies_to == ContributionDiscount.AppliesTo.TRANSPORT)


class RateTable:
    """The rate and discount rows in memory; all cost arithmetic goes through here."""

    def __init__(self, rates, discounts=()):
        self.rates = [
            _Rate(r.program, r.valid_from, r.valid_until, r.percent_of_basis, r.fixed_amount) for r in rates
        ]
        self.discounts = [
            _Discount(
                d.percent,
                d.applies_to,
                d.valid_from,
                d.valid_until,
                frozenset(programs_of(d.jkk, d.jkm)),
            )
            for d in discounts
        ]
        self._costs = {}

    @classmethod
    def load(cls) -> "RateTable":
        return cls(ContributionRate.objects.all(), ContributionDiscount.objects.all())

    def monthly(self, program, *, basis, month, public_funds=True, transport=False) -> Decimal:
        """The contribution of one program for one month, whole rupiah.

        R-RATE-1: JKK = 1% of the basis (basis at least Rp1.000.000, so at least Rp10.000).
        R-RATE-2: JKM = Rp6.800 whatever the basis.
        R-RATE-4: PP 50/2025 discount for BPU, except when paid from APBN/APBD.
        """
        basis = Decimal(basis)
        error = income_basis_error(basis)
        if error:
            raise RateError(error)
        day = month_start(month)
        rate = next((r for r in self.rates if r.program == program and r.covers(day)), None)
        if rate is None:
            raise RateError(
                _("Tarif iuran %(program)s untuk bulan %(month)s belum diatur.")
                % {"program": program, "month": day.strftime("%m-%Y")}
            )
        amount = rupiah(basis * rate.percent / 100) if rate.percent is not None else rupiah(rate.fixed)
        if not public_funds:
            for discount in self.discounts:
                if discount.applies(program, day, transport):
                    amount = rupiah(amount * (100 - discount.percent) / 100)
        return amount

    def monthly_total(self, programs, *, basis, month, public_funds=True, transport=False) -> Decimal:
        """R-RATE-3: JKK + JKM at the minimum basis = Rp16.800 a month."""
        return sum(
            (self.monthly(p, basis=basis, month=month, public_funds=public_funds, transport=transport) for p in programs),
            ZERO,
        )

    def coverage_cost(self, *, start, end, programs, basis, public_funds=True, transport=False) -> Decimal:
        """R-COST-1: Σ over the months of a coverage of the monthly contribution of its programs."""
        # Most coverages of a batch share their period and programs: compute each price once.
        key = (start, end, tuple(programs), Decimal(basis), public_funds, transport)
        if key not in self._costs:
            self._costs[key] = self._coverage_cost(
                start=start, end=end, programs=programs, basis=basis, public_funds=public_funds, transport=transport
            )
        return self._costs[key]

    def _coverage_cost(self, *, start, end, programs, basis, public_funds, transport) -> Decimal:
        return sum(
            (
                self.monthly_total(programs, basis=basis, month=m, public_funds=public_funds, transport=transport)
                for m in contribution_months(start, end)
            ),
            ZERO,
        )
