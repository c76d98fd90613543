"""R-RATE-1..4 and R-COST-1 with the domain's worked examples."""

import datetime
from decimal import Decimal

import pytest

from funding.contributions import RateError, RateTable, contribution_months, coverage_end
from funding.models import ContributionDiscount, ContributionRate

D = datetime.date


@pytest.fixture
def rates(db):
    return RateTable.load()


def test_jkk_is_one_percent_of_the_basis_r_rate_1(rates):
    assert rates.monthly("JKK", basis=1_000_000, month=D(2025, 3, 1)) == Decimal("10000")
    assert rates.monthly("JKK", basis=2_345_678, month=D(2025, 3, 1)) == Decimal("23457")  # whole rupiah


def test_a_basis_below_one_million_is_refused_r_rate_1(rates):
    with pytest.raises(RateError, match="1.000.000"):
        rates.monthly("JKK", basis=999_999, month=D(2025, 3, 1))


def test_jkm_is_6800_whatever_the_basis_r_rate_2(rates):
    assert rates.monthly("JKM", basis=1_000_000, month=D(2025, 3, 1)) == Decimal("6800")
    assert rates.monthly("JKM", basis=5_000_000, month=D(2025, 3, 1)) == Decimal("6800")


def test_the_regency_package_is_16800_a_month_and_201600_a_year_r_rate_3(rates):
    assert rates.monthly_total(["JKK", "JKM"], basis=1_000_000, month=D(2025, 1, 1)) == Decimal("16800")
    cost = rates.coverage_cost(start=D(2025, 1, 1), end=D(2025, 12, 31), programs=["JKK", "JKM"], basis=1_000_000)
    assert cost == Decimal("201600")


def test_dbh_sawit_2025_costs_645_120_000_r_cost_1(rates):
    one = rates.coverage_cost(start=D(2025, 1, 1), end=D(2025, 12, 31), programs=["JKK", "JKM"], basis=1_000_000)
    assert 3200 * one == Decimal("645120000")


def test_dbh_sawit_2024_costs_158_340_000_r_cost_1(rates):
    one = rates.coverage_cost(start=D(2024, 8, 1), end=D(2024, 12, 31), programs=["JKK", "JKM"], basis=1_000_000)
    assert 1885 * one == Decimal("158340000")


def test_any_covered_day_makes_the_month_payable_r_cost_1(rates):
    assert contribution_months(D(2025, 1, 31), D(2025, 3, 1)) == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    cost = rates.coverage_cost(start=D(2025, 1, 31), end=D(2025, 3, 1), programs=["JKK", "JKM"], basis=1_000_000)
    assert cost == 3 * Decimal("16800")


def test_coverage_end_is_start_plus_months_minus_one_day_capped_r_enr_2():
    assert coverage_end(D(2025, 1, 1), 12, D(2025, 12, 31)) == D(2025, 12, 31)
    assert coverage_end(D(2025, 3, 15), 12, D(2026, 12, 31)) == D(2026, 3, 14)
    assert coverage_end(D(2025, 3, 15), 12, D(2025, 12, 31)) == D(2025, 12, 31)
    assert coverage_end(D(2024, 8, 1), 12, D(2024, 12, 31)) == D(2024, 12, 31)


def test_public_funds_never_get_the_pp_50_2025_discount_r_rate_4(rates):
    month = D(2026, 6, 1)  # inside both discount windows
    assert rates.monthly_total(["JKK", "JKM"], basis=1_000_000, month=month, public_funds=True) == Decimal("16800")


def test_other_payers_get_half_price_in_the_discount_window_r_rate_4(rates):
    june = D(2026, 6, 1)
    assert rates.monthly_total(["JKK", "JKM"], basis=1_000_000, month=june, public_funds=False) == Decimal("8400")


def test_transport_workers_get_the_discount_from_january_2026_to_march_2027_r_rate_4(rates):
    def price(month, transport):
        return rates.monthly_total(["JKK", "JKM"], basis=1_000_000, month=month, public_funds=False, transport=transport)

    assert price(D(2026, 1, 1), transport=True) == Decimal("8400")
    assert price(D(2026, 1, 1), transport=False) == Decimal("16800")  # others start in April
    assert price(D(2026, 4, 1), transport=False) == Decimal("8400")
    assert price(D(2027, 1, 1), transport=False) == Decimal("16800")  # others end in December
    assert price(D(2027, 3, 1), transport=True) == Decimal("8400")
    assert price(D(2027, 4, 1), transport=True) == Decimal("16800")
    assert price(D(2025, 12, 1), transport=True) == Decimal("16800")


def test_rates_are_data_with_validity_dates_r_rate_4(db):
    ContributionRate.objects.filter(program="JKM").update(valid_until=D(2026, 12, 31))
    ContributionRate.objects.create(program="JKM", valid_from=D(2027, 1, 1), fixed_amount=Decimal("7000"))
    rates = RateTable.load()
    assert rates.monthly("JKM", basis=1_000_000, month=D(2026, 12, 1)) == Decimal("6800")
    assert rates.monthly("JKM", basis=1_000_000, month=D(2027, 1, 1)) == Decimal("7000")


def test_a_month_without_a_rate_is_an_error(db):
    ContributionRate.objects.filter(program="JKK").update(valid_until=D(2025, 12, 31))
    with pytest.raises(RateError, match="belum diatur"):
        RateTable.load().monthly("JKK", basis=1_000_000, month=D(2026, 1, 1))


def test_default_discounts_come_from_pp_50_2025(db):
    assert set(ContributionDiscount.objects.values_list("applies_to", "valid_from", "valid_until")) == {
        ("transport", D(2026, 1, 1), D(2027, 3, 31)),
        ("others", D(2026, 4, 1), D(2026, 12, 31)),
    }
