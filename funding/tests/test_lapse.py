"""R-PAY-1 due dates and R-PAY-2: three consecutive unpaid months make a participant inactive."""

import datetime

import pytest

from funding.billing import due_date, paid_months, prepare_bill, record_payment
from funding.models import Holiday
from funding.services import is_protected_on, lapsed_months_by_coverage, unpaid_months

from .conftest import covered_workers


def month(m, year=2025):
    return datetime.date(year, m, 1)


def test_contributions_are_due_on_the_15th_or_the_next_working_day():
    assert due_date(month(1)) == datetime.date(2025, 1, 15)  # Wednesday
    assert due_date(month(2)) == datetime.date(2025, 2, 17)  # 15 Feb 2025 is a Saturday
    assert due_date(month(6)) == datetime.date(2025, 6, 16)  # Sunday -> Monday
    # A public holiday on the 15th (or on the Monday after a weekend) moves it on again.
    assert due_date(month(8, 2024), {datetime.date(2024, 8, 15)}) == datetime.date(2024, 8, 16)
    assert due_date(month(6), {datetime.date(2025, 6, 16)}) == datetime.date(2025, 6, 17)


def test_a_payment_settles_a_period_bill_month_by_month_in_order():
    totals = [(month(3), 100), (month(1), 100), (month(2), 100)]
    assert paid_months(totals, 0) == set()
    assert paid_months(totals, 199) == {month(1)}
    assert paid_months(totals, 200) == {month(1), month(2)}
    assert paid_months(totals, 300) == {month(1), month(2), month(3)}


@pytest.mark.django_db
def test_holidays_entered_by_the_administrator_move_the_due_date(funding):
    (coverage,) = covered_workers(funding, 1)
    prepare_bill(funding=funding, first_month=month(1), by=None)
    Holiday.objects.create(date=datetime.date(2025, 1, 15), name="Contoh hari libur")

    assert unpaid_months(coverage, today=datetime.date(2025, 1, 16)) == set()  # due the 16th now
    assert unpaid_months(coverage, today=datetime.date(2025, 1, 17)) == {month(1)}


@pytest.mark.django_db
def test_a_billed_month_is_unpaid_only_after_its_due_date(funding):
    (coverage,) = covered_workers(funding, 1)
    prepare_bill(funding=funding, first_month=month(1), by=None)

    assert unpaid_months(coverage, today=datetime.date(2025, 1, 15)) == set()  # due today: not late yet
    assert unpaid_months(coverage, today=datetime.date(2025, 1, 16)) == {month(1)}


@pytest.mark.django_db
def test_a_month_past_due_is_unpaid_even_if_nobody_billed_it(funding):
    # Coverage protects only months whose contributions are paid (R-PAY-2), billed or not.
    (coverage,) = covered_workers(funding, 1)
    april_20 = datetime.date(2025, 4, 20)

    assert unpaid_months(coverage, today=april_20) == {month(1), month(2), month(3), month(4)}
    assert not is_protected_on(coverage, datetime.date(2025, 2, 10), today=april_20)
    assert unpaid_months(coverage, today=datetime.date(2025, 1, 15)) == set()  # January is due today


@pytest.mark.django_db
def test_only_payments_made_by_today_count(funding):
    (coverage,) = covered_workers(funding, 1)
    bill = prepare_bill(funding=funding, first_month=month(1), by=None)
    record_payment(funding=funding, paid_on=datetime.date(2025, 2, 3), amount=bill.total, reference="LATE", bills=[bill], by=None)

    assert unpaid_months(coverage, today=datetime.date(2025, 2, 1)) == {month(1)}
    assert unpaid_months(coverage, today=datetime.date(2025, 2, 3)) == set()  # late, but paid: no fine (R-PAY-1)


@pytest.mark.django_db
def test_two_unpaid_months_do_not_lapse_three_do(funding):
    # R-PAY-2: after 3 consecutive unpaid months the participant is inactive.
    (coverage,) = covered_workers(funding, 1)
    bills = {m: prepare_bill(funding=funding, first_month=month(m), by=None) for m in range(1, 6)}
    record_payment(funding=funding, paid_on=datetime.date(2025, 1, 10), amount=16800, reference="JAN", bills=[bills[1]], by=None)

    april_20 = datetime.date(2025, 4, 20)  # Feb, Mar, Apr unpaid and past due (Apr due 15 Apr)
    march_20 = datetime.date(2025, 3, 20)  # Feb, Mar unpaid: two months only
    assert unpaid_months(coverage, today=march_20) == {month(2), month(3)}
    assert is_protected_on(coverage, datetime.date(2025, 3, 1), today=march_20)

    assert unpaid_months(coverage, today=april_20) == {month(2), month(3), month(4)}
    assert not is_protected_on(coverage, datetime.date(2025, 2, 10), today=april_20)
    assert not is_protected_on(coverage, datetime.date(2025, 4, 1), today=april_20)
    assert is_protected_on(coverage, datetime.date(2025, 1, 31), today=april_20)  # January was paid
    assert is_protected_on(coverage, datetime.date(2025, 5, 2), today=april_20)  # May not due yet


@pytest.mark.django_db
def test_paying_again_reactivates(funding):
    (coverage,) = covered_workers(funding, 1)
    bill = prepare_bill(funding=funding, first_month=month(1), last_month=month(3), by=None)
    today = datetime.date(2025, 4, 1)
    assert not is_protected_on(coverage, datetime.date(2025, 2, 10), today=today)

    record_payment(funding=funding, paid_on=today, amount=bill.total, reference="LUNAS", bills=[bill], by=None)

    assert unpaid_months(coverage, today=today) == set()
    assert is_protected_on(coverage, datetime.date(2025, 2, 10), today=today)


@pytest.mark.django_db
def test_a_partly_paid_quarter_leaves_its_last_month_unpaid(funding):
    (coverage,) = covered_workers(funding, 2)[:1]
    bill = prepare_bill(funding=funding, first_month=month(10), last_month=month(12), by=None)
    record_payment(funding=funding, paid_on=datetime.date(2025, 10, 14), amount=bill.total * 2 / 3,
                   reference="Q4", bills=[bill], by=None)

    today = datetime.date(2026, 1, 5)
    assert unpaid_months(coverage, today=today) & {month(10), month(11), month(12)} == {month(12)}
    assert is_protected_on(coverage, datetime.date(2025, 12, 24), today=today)  # one month: not lapsed


@pytest.mark.django_db
def test_lapsed_coverages_are_found_for_a_whole_funding_source_at_once(funding, django_assert_max_num_queries):
    unpaid = covered_workers(funding, 3)
    bill = prepare_bill(funding=funding, first_month=month(1), last_month=month(3), by=None)
    paid_funding_coverages = covered_workers(funding, 2)
    paid_bill = prepare_bill(funding=funding, first_month=month(1), last_month=month(3), by=None)  # supplementary
    record_payment(funding=funding, paid_on=datetime.date(2025, 1, 5), amount=paid_bill.total, reference="P", bills=[paid_bill], by=None)

    with django_assert_max_num_queries(6):
        lapsed = lapsed_months_by_coverage([c.pk for c in unpaid + paid_funding_coverages], today=datetime.date(2025, 4, 1))

    assert set(lapsed) == {c.pk for c in unpaid}
    assert all(months == {month(1), month(2), month(3)} for months in lapsed.values())
    assert bill.coverage_count == 3


@pytest.mark.django_db
def test_a_claim_for_a_death_in_lapsed_months_is_refused_until_they_are_paid(funding, official):
    # The claims rules call is_protected_on (R-JKM-2 / R-PAY-2); here with real bills and payments.
    from claims.services import ClaimError
    from demo.builders import file_claim
    from demo.builders import make_heir

    (coverage,) = covered_workers(funding, 1)
    spouse = make_heir(coverage.worker)
    bill = prepare_bill(funding=funding, first_month=month(1), last_month=month(3), by=None)  # never paid
    death = datetime.date(2025, 2, 10)

    with pytest.raises(ClaimError, match="nonaktif"):
        file_claim(coverage=coverage, by=official, event_date=death, claimant=spouse)

    record_payment(funding=funding, paid_on=datetime.date(2025, 4, 2), amount=bill.total, reference="SUSULAN",
                   bills=[bill], by=None)
    assert file_claim(coverage=coverage, by=official, event_date=death, claimant=spouse).benefit_amount > 0
