"""R-JKM-3: death within the first 3 months of membership, by date, across renewals of the same NIK."""

import datetime
from decimal import Decimal

import pytest

from claims import benefits
from demo.builders import file_claim, make_coverage
from core.models import ProgramRules
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Coverage

D = datetime.date
FULL = Decimal("42000000")
EARLY = Decimal("10000000")


# --- The pure rule: dates in, decision out -----------------------------------------------------


@pytest.mark.parametrize("start, died, early", [
    # The reviewer's case: the first 3 months of a membership from 20-01-2026 run until 19-04-2026.
    (D(2026, 1, 20), D(2026, 4, 5), True),
    (D(2026, 1, 20), D(2026, 4, 19), True),
    (D(2026, 1, 20), D(2026, 4, 20), False),
    # A start on the 31st: 31-01 + 3 months is 30-04 (April has no 31st), the first day of month 4.
    (D(2026, 1, 31), D(2026, 4, 29), True),
    (D(2026, 1, 31), D(2026, 4, 30), False),
    (D(2025, 10, 31), D(2026, 1, 30), True),
    (D(2025, 10, 31), D(2026, 1, 31), False),
    # Into February: 30-11-2025 + 3 months = 28-02-2026; in a leap year, 29-02.
    (D(2025, 11, 30), D(2026, 2, 27), True),
    (D(2025, 11, 30), D(2026, 2, 28), False),
    (D(2023, 11, 30), D(2024, 2, 28), True),
    (D(2023, 11, 30), D(2024, 2, 29), False),
    # A start on the 1st: three whole calendar months.
    (D(2025, 1, 1), D(2025, 3, 31), True),
    (D(2025, 1, 1), D(2025, 4, 1), False),
])
def test_early_death_compares_the_death_date_with_start_plus_three_months(start, died, early):
    assert benefits.is_early_death(membership_start=start, death_date=died, early_months=3) is early


def test_a_death_on_5_april_after_a_start_on_20_january_pays_10_million():
    """R-JKM-3: calendar months would call April month 4 (Rp42.000.000); by date it is still month 3."""
    benefit = benefits.jkm_death_benefit(membership_start=D(2026, 1, 20), death_date=D(2026, 4, 5), contribution_months=4)
    assert benefit.total == EARLY
    assert [item.code for item in benefit.items] == ["early_death"]


def test_the_number_of_early_months_is_data():
    assert benefits.is_early_death(membership_start=D(2026, 1, 20), death_date=D(2026, 7, 19), early_months=6)
    assert not benefits.is_early_death(membership_start=D(2026, 1, 20), death_date=D(2026, 7, 20), early_months=6)


def test_membership_starts_at_the_first_coverage_of_an_unbroken_chain():
    """R-JKM-3: a renewal starting the day after the previous coverage ended continues membership."""
    periods = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 8, 1), D(2024, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31))]
    assert benefits.membership_start(periods, D(2026, 2, 10)) == D(2024, 8, 1)
    assert benefits.membership_start(periods, D(2024, 8, 1)) == D(2024, 8, 1)


def test_a_gap_between_coverages_starts_a_new_membership():
    """A day or more without coverage ends the membership; the next coverage counts its first months anew."""
    periods = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 20), D(2026, 12, 31))]
    assert benefits.membership_start(periods, D(2026, 4, 5)) == D(2026, 1, 20)
    assert benefits.membership_start(periods, D(2025, 6, 1)) == D(2025, 1, 1)
    assert benefits.membership_start([(D(2025, 1, 1), D(2025, 12, 30)), (D(2026, 1, 1), D(2026, 12, 31))],
                                     D(2026, 2, 1)) == D(2026, 1, 1)


def test_no_membership_outside_every_coverage():
    periods = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 20), D(2026, 12, 31))]
    assert benefits.membership_start(periods, D(2026, 1, 10)) is None
    assert benefits.membership_start(periods, D(2024, 12, 31)) is None
    assert benefits.membership_start(periods, D(2027, 1, 1)) is None
    assert benefits.membership_start([], D(2026, 1, 1)) is None


# --- Through the claim, from the coverages in the database ------------------------------------------


@pytest.fixture
def funding_2026(db):
    return make_funding(fiscal_year=2026, period_start=D(2026, 1, 1), period_end=D(2026, 12, 31))


def _death_claim(official, coverage, died):
    worker = coverage.worker
    return file_claim(coverage=coverage, by=official, event_date=died, claimant=make_heir(worker))


@pytest.mark.django_db
@pytest.mark.parametrize("start, died, amount", [
    (D(2026, 1, 20), D(2026, 4, 5), EARLY),
    (D(2026, 1, 20), D(2026, 4, 19), EARLY),
    (D(2026, 1, 20), D(2026, 4, 20), FULL),
    (D(2026, 1, 31), D(2026, 4, 29), EARLY),
    (D(2026, 1, 31), D(2026, 4, 30), FULL),
])
def test_claim_pays_by_the_date_of_death_in_the_first_membership(funding_2026, official, start, died, amount):
    coverage = make_coverage(make_worker(), funding_2026, start=start)
    assert _death_claim(official, coverage, died).benefit_amount == amount


@pytest.mark.django_db
def test_renewal_the_day_after_the_previous_coverage_continues_membership(funding_2026, official):
    """Member since 20-10-2025 (renewed 01-01-2026): 20-01-2026 begins month 4; alone, the 2026
    coverage would put that day in month 1."""
    funding_2025 = make_funding(fiscal_year=2025)
    for died, amount in ((D(2026, 1, 20), FULL), (D(2026, 1, 19), EARLY)):
        worker = make_worker()
        make_coverage(worker, funding_2025, start=D(2025, 10, 20), status=Coverage.Status.ENDED)
        assert _death_claim(official, make_coverage(worker, funding_2026), died).benefit_amount == amount


@pytest.mark.django_db
def test_renewal_within_the_first_months_keeps_counting_from_the_first_start(funding_2026, official):
    worker = make_worker()
    make_coverage(worker, make_funding(fiscal_year=2025), start=D(2025, 11, 20), status=Coverage.Status.ENDED)
    coverage = make_coverage(worker, funding_2026)
    assert _death_claim(official, coverage, D(2026, 2, 19)).benefit_amount == EARLY
    other = make_worker()
    make_coverage(other, make_funding(fiscal_year=2025), start=D(2025, 11, 20), status=Coverage.Status.ENDED)
    assert _death_claim(official, make_coverage(other, funding_2026), D(2026, 2, 20)).benefit_amount == FULL


@pytest.mark.django_db
def test_after_a_gap_the_first_months_count_again(funding_2026, official):
    """Calendar months across both coverages would count 16 months (Rp42.000.000); the gap of
    1-19 January 2026 ended the first membership, so 5 April 2026 is in month 3 of the new one."""
    worker = make_worker()
    make_coverage(worker, make_funding(fiscal_year=2025), status=Coverage.Status.ENDED)
    coverage = make_coverage(worker, funding_2026, start=D(2026, 1, 20))
    assert _death_claim(official, coverage, D(2026, 4, 5)).benefit_amount == EARLY


@pytest.mark.django_db
def test_cancelled_or_jkk_only_coverage_is_no_membership(funding_2026, official):
    worker = make_worker()
    funding_2025 = make_funding(fiscal_year=2025)
    make_coverage(worker, funding_2025, start=D(2025, 1, 1), end=D(2025, 6, 30), status=Coverage.Status.CANCELLED)
    make_coverage(worker, funding_2025, start=D(2025, 7, 1), jkm=False, status=Coverage.Status.ENDED)
    coverage = make_coverage(worker, funding_2026)
    assert _death_claim(official, coverage, D(2026, 3, 10)).benefit_amount == EARLY


@pytest.mark.django_db
def test_early_months_and_amount_come_from_the_program_rules(funding_2026, official):
    rules = ProgramRules.current()
    rules.early_death_months = 6
    rules.early_death_benefit = Decimal("15000000")
    rules.save()
    coverage = make_coverage(make_worker(), funding_2026, start=D(2026, 1, 20))
    claim = _death_claim(official, coverage, D(2026, 7, 19))
    assert claim.benefit_breakdown == [{
        "code": "early_death", "label": "Biaya pemakaman: meninggal dalam 6 bulan pertama kepesertaan (R-JKM-3)",
        "amount": "15000000"}]
    later = make_coverage(make_worker(), funding_2026, start=D(2026, 1, 20))
    assert _death_claim(official, later, D(2026, 7, 20)).benefit_amount == FULL
