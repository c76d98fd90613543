"""R-JKK-1: home care up to Rp20.000.000 within 1 year, per accident, not per claim.

An accident is the worker and its date; the claims here are filed in 2026 for an accident of March
2025, which is why the cap cannot depend on the filing date."""

import datetime
from decimal import Decimal

import pytest

from claims import benefits
from claims.models import Claim
from claims.services import ClaimError, approve_claim, reject_claim, verify_claim
from demo.builders import file_claim, upload_required

pytestmark = pytest.mark.django_db

ACCIDENT = datetime.date(2025, 3, 14)
BANK = dict(bank_name="BRI", bank_account_number="123", bank_account_holder="BUDI SANTOSO")


def home_care(coverage, official, cost, *, day=ACCIDENT, **fields):
    return file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL, event_date=day,
                      home_care_cost=Decimal(cost), **BANK, **fields)


def home_care_item(claim):
    return next((Decimal(i["amount"]) for i in claim.benefit_breakdown if i["code"] == "home_care"), Decimal(0))


def test_the_pure_rule_subtracts_what_the_accident_already_received():
    assert benefits.home_care_benefit(Decimal("10000000"), Decimal("15000000")) == Decimal("5000000")
    assert benefits.home_care_benefit(Decimal("10000000"), Decimal("20000000")) == 0
    assert benefits.home_care_benefit(Decimal("4000000"), Decimal("15000000")) == Decimal("4000000")
    benefit = benefits.jkk_medical_benefit(hospital_bill=Decimal("1000000"), home_care_cost=Decimal("9000000"),
                                           home_care_granted=Decimal("20000000"))
    assert benefit.total == Decimal("1000000")
    assert "sudah diberikan pada klaim lain: Rp20.000.000" in benefit.notes[0]


def test_second_claim_for_the_same_accident_gets_only_what_is_left_of_20_million(coverage, official):
    first = home_care(coverage, official, "15000000")
    second = home_care(coverage, official, "10000000", hospital_bill=Decimal("3000000"))
    assert home_care_item(first) == Decimal("15000000")
    assert home_care_item(second) == Decimal("5000000")
    assert second.benefit_amount == Decimal("8000000")


def test_home_care_exhausted_by_earlier_claims_is_refused_with_the_reason(coverage, official):
    home_care(coverage, official, "26000000")
    with pytest.raises(ClaimError, match="Batas homecare Rp20.000.000 untuk kecelakaan ini sudah habis"):
        home_care(coverage, official, "2000000")


def test_another_accident_has_its_own_20_million(coverage, official):
    home_care(coverage, official, "20000000")
    other = home_care(coverage, official, "12000000", day=ACCIDENT + datetime.timedelta(days=10))
    assert home_care_item(other) == Decimal("12000000")


def test_a_rejected_claim_grants_nothing(coverage, official, bpjs_staff):
    first = home_care(coverage, official, "15000000")
    reject_claim(claim=first, by=bpjs_staff, reason="Kuitansi tidak sah.")
    assert home_care_item(home_care(coverage, official, "10000000")) == Decimal("10000000")


def test_the_cap_holds_whenever_the_claims_are_filed(coverage, official):
    """The year is the accident's: one filed within it and one filed later (R-JKK-6 allows 5 years)
    share the same Rp20.000.000."""
    first = home_care(coverage, official, "15000000")
    Claim.objects.filter(pk=first.pk).update(submitted_at=datetime.datetime(2025, 4, 1, 9, tzinfo=datetime.UTC))
    assert home_care_item(home_care(coverage, official, "10000000")) == Decimal("5000000")  # filed in 2026


def test_approval_recomputes_the_share_when_an_earlier_claim_was_rejected(coverage, official, bpjs_staff, other_staff):
    first = home_care(coverage, official, "15000000")
    second = home_care(coverage, official, "10000000")
    assert second.benefit_amount == Decimal("5000000")
    reject_claim(claim=first, by=bpjs_staff, reason="Diajukan ganda.")
    upload_required(second, by=official)
    verify_claim(claim=second, by=bpjs_staff)
    approved = approve_claim(claim=second, by=other_staff)
    assert approved.benefit_amount == Decimal("10000000")


def test_approval_keeps_the_cap_across_both_claims(coverage, official, bpjs_staff, other_staff):
    first = home_care(coverage, official, "15000000")
    second = home_care(coverage, official, "10000000")
    for claim in (first, second):
        upload_required(claim, by=official)
        verify_claim(claim=claim, by=bpjs_staff)
    total = sum(home_care_item(approve_claim(claim=c, by=other_staff)) for c in (second, first))
    assert total == Decimal("20000000")
