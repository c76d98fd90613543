"""Every worked example of ../shared/domain.md's benefit rules, on the pure functions of claims/benefits.py."""

import datetime
from decimal import Decimal

import pytest

from claims import benefits
from claims.benefits import BenefitError, ScholarshipRequest

BASIS = Decimal("1000000")  # the minimum income basis (R-RATE-1)
START = datetime.date(2025, 1, 1)  # first day of membership in the JKM examples


def jkm(died_on, contribution_months=12, **kwargs):
    """R-JKM-1 for a member since START who died on ``died_on``."""
    return benefits.jkm_death_benefit(
        membership_start=START, death_date=died_on, contribution_months=contribution_months, **kwargs)


def amounts(benefit):
    return {item.code: item.amount for item in benefit.items}


def test_jkm_death_pays_42_million_itemised():
    """R-JKM-1: Rp20.000.000 + 24 × Rp500.000 + Rp10.000.000."""
    benefit = jkm(datetime.date(2025, 5, 10))
    assert amounts(benefit) == {
        "lump_sum": Decimal("20000000"),
        "periodic": Decimal("12000000"),
        "funeral": Decimal("10000000"),
    }
    assert benefit.total == Decimal("42000000")


def test_two_deaths_pay_84_million_as_in_the_news_item():
    """R-JKM-1: the two heirs of DBH Sawit 2024 received Rp84.000.000 together."""
    first = jkm(datetime.date(2025, 4, 18))
    second = jkm(datetime.date(2025, 5, 9))
    assert first.total + second.total == Decimal("84000000")


def test_breakdown_is_stored_as_whole_rupiah_strings_summing_to_the_total():
    benefit = jkm(datetime.date(2025, 12, 1))
    breakdown = benefit.as_breakdown()
    assert breakdown[0] == {"code": "lump_sum", "label": "Santunan sekaligus (R-JKM-1)", "amount": "20000000"}
    assert sum(Decimal(item["amount"]) for item in breakdown) == benefit.total


def test_death_in_the_first_three_months_pays_10_million():
    """R-JKM-3 (default on): death within the first 3 months of membership pays Rp10.000.000 in total."""
    benefit = jkm(datetime.date(2025, 3, 31), contribution_months=3)
    assert benefit.total == Decimal("10000000")
    assert [item.code for item in benefit.items] == ["early_death"]


def test_death_on_the_first_day_of_the_fourth_month_pays_the_full_benefit():
    assert jkm(datetime.date(2025, 4, 1), contribution_months=4).total == Decimal("42000000")


def test_early_death_rule_is_configurable():
    """R-JKM-3 is configurable: switched off, an early death pays Rp42.000.000; its months and amount are data."""
    assert jkm(datetime.date(2025, 1, 15), contribution_months=1, early_rule=False).total == Decimal("42000000")
    custom = jkm(datetime.date(2025, 5, 20), early_months=6, early_benefit=Decimal("15000000"))
    assert custom.total == Decimal("15000000")


def test_without_any_heir_only_the_funeral_cost_is_paid():
    """R-HEIR-1: no heir at all: only the funeral cost, to whoever arranged the funeral."""
    assert amounts(jkm(datetime.date(2026, 12, 1), contribution_months=24, has_heir=False)) == {
        "funeral": Decimal("10000000")
    }
    assert benefits.jkk_death_benefit(basis=BASIS, has_heir=False).total == Decimal("10000000")


# --- Scholarship (R-JKM-4) ---------------------------------------------------------------------


def test_scholarship_table_totals_87_million_per_child():
    """R-JKM-4: TK 2 × 1,5 jt + SD 6 × 1,5 jt + SMP 3 × 2 jt + SMA 3 × 3 jt + PT 5 × 12 jt = Rp87.000.000."""
    assert benefits.SCHOLARSHIP_MAX_PER_CHILD == Decimal("87000000")
    assert 2 * benefits.SCHOLARSHIP_MAX_PER_CHILD == Decimal("174000000")


@pytest.mark.parametrize(
    "level, amount",
    [("tk", "1500000"), ("sd", "1500000"), ("smp", "2000000"), ("sma", "3000000"), ("higher", "12000000")],
)
def test_scholarship_per_level_per_year(level, amount):
    child = ScholarshipRequest(name="ANAK", age=10, level=level)
    assert benefits.scholarship_amount(child) == Decimal(amount)


def test_scholarship_for_two_children_after_36_months_of_contributions():
    children = [ScholarshipRequest("ANAK SATU", 8, "sd"), ScholarshipRequest("ANAK DUA", 19, "higher")]
    benefit = jkm(datetime.date(2027, 12, 31), contribution_months=36, children=children)
    assert amounts(benefit)["scholarship_1"] == Decimal("1500000")
    assert amounts(benefit)["scholarship_2"] == Decimal("12000000")
    assert benefit.total == Decimal("42000000") + Decimal("13500000")


def test_no_jkm_scholarship_under_36_months_of_contributions():
    children = [ScholarshipRequest("ANAK", 8, "sd")]
    benefit = jkm(datetime.date(2027, 11, 30), contribution_months=35, children=children)
    assert benefit.total == Decimal("42000000")
    assert "36 bulan" in benefit.notes[0]


def test_jkk_death_scholarship_needs_no_minimum_contribution_period():
    """R-JKK-5: scholarships as R-JKM-4 but with no minimum contribution period."""
    children = [ScholarshipRequest("ANAK", 15, "sma")]
    benefit = benefits.jkk_death_benefit(basis=BASIS, children=children)
    assert amounts(benefit)["scholarship_1"] == Decimal("3000000")
    assert benefit.total == Decimal("73000000")


def test_scholarship_at_most_two_children():
    children = [ScholarshipRequest(f"ANAK {i}", 8, "sd") for i in range(3)]
    with pytest.raises(BenefitError, match="paling banyak untuk 2 anak"):
        jkm(datetime.date(2028, 4, 30), contribution_months=40, children=children)


def test_scholarship_ends_at_age_23():
    assert benefits.scholarship_amount(ScholarshipRequest("ANAK", 22, "higher")) == Decimal("12000000")
    child = ScholarshipRequest("ANAK", 23, "higher")
    assert benefits.scholarship_amount(child) == 0
    assert "23 tahun" in benefits.scholarship_refusal(child)


def test_scholarship_stops_after_the_levels_maximum_years_and_the_per_child_cap():
    assert benefits.scholarship_amount(ScholarshipRequest("ANAK", 5, "tk", years_received_at_level=2)) == 0
    assert benefits.scholarship_amount(ScholarshipRequest("ANAK", 12, "sd", years_received_at_level=5)) == Decimal("1500000")
    nearly_all = benefits.SCHOLARSHIP_MAX_PER_CHILD - Decimal("5000000")
    assert benefits.scholarship_amount(ScholarshipRequest("ANAK", 21, "higher", received_total=nearly_all)) == Decimal("5000000")


# --- JKK ---------------------------------------------------------------------------------------


def test_jkk_death_at_the_minimum_basis_pays_70_million():
    """R-JKK-5: max(48 × Rp1.000.000, Rp20.000.000) + Rp12.000.000 + Rp10.000.000 = Rp70.000.000."""
    benefit = benefits.jkk_death_benefit(basis=BASIS)
    assert amounts(benefit) == {
        "lump_sum": Decimal("48000000"),
        "periodic": Decimal("12000000"),
        "funeral": Decimal("10000000"),
    }
    assert benefit.total == Decimal("70000000")


def test_jkk_death_lump_sum_never_below_20_million():
    """R-JKK-5: the max() matters for a basis under Rp416.667 (only reachable with a custom table)."""
    assert amounts(benefits.jkk_death_benefit(basis=Decimal("400000")))["lump_sum"] == Decimal("20000000")
    assert amounts(benefits.jkk_death_benefit(basis=Decimal("2000000")))["lump_sum"] == Decimal("96000000")


def test_stmb_pays_full_basis_for_twelve_months_then_half():
    """R-JKK-3: 100% of the basis a month for months 1-12, 50% from month 13."""
    assert benefits.jkk_temporary_benefit(basis=BASIS, months=3).total == Decimal("3000000")
    benefit = benefits.jkk_temporary_benefit(basis=BASIS, months=15)
    assert amounts(benefit) == {"stmb_full": Decimal("12000000"), "stmb_half": Decimal("1500000")}
    assert benefit.total == Decimal("13500000")


def test_stmb_half_months_round_to_whole_rupiah_once():
    benefit = benefits.jkk_temporary_benefit(basis=Decimal("1000001"), months=13)
    assert amounts(benefit)["stmb_half"] == Decimal("500001")  # 500.000,5 rounded half up


def test_total_permanent_disability():
    """R-JKK-4: 56 × basis + Rp12.000.000 periodic."""
    benefit = benefits.jkk_disability_benefit(basis=BASIS, disability_type="total")
    assert amounts(benefit) == {"disability_total": Decimal("56000000"), "periodic": Decimal("12000000")}
    assert benefit.total == Decimal("68000000")


def test_partial_anatomical_disability():
    """R-JKK-4: table % × 80 × basis; e.g. 40% → Rp32.000.000."""
    benefit = benefits.jkk_disability_benefit(basis=BASIS, disability_type="anatomical", table_percent=Decimal("40"))
    assert benefit.total == Decimal("32000000")


def test_partial_functional_disability():
    """R-JKK-4: loss % × table % × 80 × basis; e.g. 50% × 40% → Rp16.000.000."""
    benefit = benefits.jkk_disability_benefit(
        basis=BASIS, disability_type="functional", table_percent=Decimal("40"), loss_percent=Decimal("50")
    )
    assert benefit.total == Decimal("16000000")


def test_functional_disability_rounds_once_to_whole_rupiah():
    benefit = benefits.jkk_disability_benefit(
        basis=Decimal("1234567"), disability_type="functional", table_percent=Decimal("7.5"), loss_percent=Decimal("33")
    )
    # 0.33 × 0.075 × 80 × 1.234.567 = 2.444.442,66
    assert benefit.total == Decimal("2444443")


def test_disability_needs_its_percentages():
    with pytest.raises(BenefitError, match="persentase tabel cacat"):
        benefits.jkk_disability_benefit(basis=BASIS, disability_type="anatomical")
    with pytest.raises(BenefitError, match="kehilangan fungsi"):
        benefits.jkk_disability_benefit(basis=BASIS, disability_type="functional", table_percent=Decimal("10"))
    with pytest.raises(BenefitError, match="jenis cacat"):
        benefits.jkk_disability_benefit(basis=BASIS, disability_type="")
    with pytest.raises(BenefitError, match="paling banyak 100"):
        benefits.jkk_disability_benefit(basis=BASIS, disability_type="anatomical", table_percent=Decimal("120"))


def test_hospital_care_has_no_ceiling():
    """R-JKK-1: medical care per medical need, no ceiling."""
    benefit = benefits.jkk_medical_benefit(hospital_bill=Decimal("187500000"))
    assert benefit.total == Decimal("187500000")


def test_home_care_capped_at_20_million():
    """R-JKK-1: home care up to Rp20.000.000 within 1 year."""
    assert benefits.jkk_medical_benefit(home_care_cost=Decimal("12500000")).total == Decimal("12500000")
    assert benefits.jkk_medical_benefit(home_care_cost=Decimal("26000000")).total == Decimal("20000000")


@pytest.mark.parametrize(
    "mode, cost, paid",
    [
        ("land", "4500000", "4500000"),
        ("land", "7000000", "5000000"),
        ("sea", "3500000", "2000000"),
        ("sea", "1500000", "1500000"),
        ("air", "12000000", "10000000"),
        ("air", "9000000", "9000000"),
    ],
)
def test_transport_caps_by_mode(mode, cost, paid):
    """R-JKK-2: up to Rp5.000.000 by land/river/lake, Rp2.000.000 by sea, Rp10.000.000 by air."""
    assert benefits.transport_benefit(mode, Decimal(cost)) == Decimal(paid)


def test_medical_claim_adds_hospital_home_care_and_transport():
    benefit = benefits.jkk_medical_benefit(
        hospital_bill=Decimal("8250000"), home_care_cost=Decimal("25000000"), transport_mode="air", transport_cost=Decimal("14000000")
    )
    assert amounts(benefit) == {
        "hospital": Decimal("8250000"), "home_care": Decimal("20000000"), "transport": Decimal("10000000")
    }
    assert benefit.total == Decimal("38250000")


def test_medical_claim_needs_a_cost_and_transport_a_mode():
    with pytest.raises(BenefitError):
        benefits.jkk_medical_benefit()
    with pytest.raises(BenefitError, match="jenis angkutan"):
        benefits.jkk_medical_benefit(transport_cost=Decimal("100000"))


# --- Deadlines (R-JKK-6) and lateness (R-SLA-1) --------------------------------------------------


def test_jkk_claim_expires_five_years_after_the_accident():
    assert benefits.jkk_expiry_date(datetime.date(2025, 3, 14)) == datetime.date(2030, 3, 14)
    assert benefits.jkk_expiry_date(datetime.date(2024, 2, 29)) == datetime.date(2029, 2, 28)


def test_payment_due_within_3_working_days_for_jkm_and_7_for_jkk():
    """R-SLA-1: counted from complete documents, weekends skipped."""
    thursday = datetime.date(2025, 3, 13)
    assert benefits.payment_due_date("JKM", thursday) == datetime.date(2025, 3, 18)  # Fri, Mon, Tue
    assert benefits.payment_due_date("JKK", thursday) == datetime.date(2025, 3, 24)
    holiday = datetime.date(2025, 3, 14)
    assert benefits.payment_due_date("JKM", thursday, holidays={holiday}) == datetime.date(2025, 3, 19)


def test_lateness_adds_one_percent_a_day():
    """R-SLA-1: when late, 1% of the amount per day is added."""
    due = datetime.date(2025, 3, 18)
    assert benefits.days_late(due, datetime.date(2025, 3, 18)) == 0
    assert benefits.days_late(due, datetime.date(2025, 3, 15)) == 0
    assert benefits.days_late(due, datetime.date(2025, 3, 21)) == 3
    assert benefits.late_surcharge(Decimal("42000000"), 3) == Decimal("1260000")
    assert benefits.late_surcharge(Decimal("42000000"), 0) == 0
