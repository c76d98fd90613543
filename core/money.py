"""Rupiah arithmetic: Decimal everywhere, whole rupiah, rounded in exactly one place.

A float never enters: ``Decimal * float`` raises, which is the point of using Decimal.
"""

from decimal import ROUND_HALF_UP, Decimal

WHOLE_RUPIAH = Decimal("1")
ZERO = Decimal("0")


def rupiah(value) -> Decimal:
    """Round an amount to whole rupiah, half up (the only rounding in the code base)."""
    if isinstance(value, float):
        raise TypeError("rupiah amounts must be Decimal or int, not float")
    return Decimal(value).quantize(WHOLE_RUPIAH, rounding=ROUND_HALF_UP)


def format_rupiah(value) -> str:
    """'Rp84.000.000': Indonesian grouping with dots, no decimals, minus sign in front."""
    if value is None or value == "":
        return ""
    amount = rupiah(value)
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,.0f}".replace(",", ".")
    return f"{sign}Rp{grouped}"
