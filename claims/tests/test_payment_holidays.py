"""R-SLA-1: BPJS pays within 3 (JKM) or 7 (JKK) working days of complete documents; public holidays
(the Holiday table R-PAY-1's due dates use) are not working days."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from claims import benefits
from claims.models import Claim, ClaimDocument
from claims.services import ClaimError, approve_claim, pay_claim, payment_terms, verify_claim
from demo.builders import file_claim, upload_required
from funding.models import Holiday

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)


def _documents_complete_on(claim, day):
    ClaimDocument.objects.filter(claim=claim).update(
        uploaded_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))


@pytest.fixture
def jkm_claim(coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    return Claim.objects.get(pk=claim.pk)


def test_due_date_moves_past_a_public_holiday(jkm_claim):
    thursday = datetime.date(2025, 3, 13)
    _documents_complete_on(jkm_claim, thursday)
    assert payment_terms(jkm_claim).due_on == datetime.date(2025, 3, 18)  # Fri, Mon, Tue
    Holiday.objects.create(date=datetime.date(2025, 3, 14), name="Cuti bersama (uji)")
    assert payment_terms(jkm_claim).due_on == datetime.date(2025, 3, 19)  # Mon, Tue, Wed


def test_jkk_due_date_skips_every_holiday_in_its_seven_working_days(coverage, official):
    claim = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL, event_date=datetime.date(2025, 3, 1),
                       hospital_bill=Decimal("2000000"), bank_name="BRI", bank_account_number="1", bank_account_holder="BUDI")
    upload_required(claim, by=official)
    _documents_complete_on(claim, datetime.date(2025, 3, 27))  # Thursday
    assert payment_terms(claim).due_on == datetime.date(2025, 4, 7)
    for day in (datetime.date(2025, 3, 31), datetime.date(2025, 4, 1)):  # Idul Fitri 1446 H
        Holiday.objects.create(date=day, name="Idul Fitri")
    Holiday.objects.create(date=datetime.date(2025, 3, 29), name="Nyepi (Sabtu)")  # a Saturday changes nothing
    assert payment_terms(claim).due_on == datetime.date(2025, 4, 9)


def test_payment_surcharge_counts_from_the_holiday_aware_due_date(jkm_claim, bpjs_staff, other_staff):
    """pay_claim accepts only the benefit plus 1% a day after the due date that skips the holiday."""
    verify_claim(claim=jkm_claim, by=bpjs_staff)
    approve_claim(claim=jkm_claim, by=other_staff)
    today = timezone.localdate()
    complete = today - datetime.timedelta(days=10)
    _documents_complete_on(jkm_claim, complete)
    holiday = benefits.add_working_days(complete, 1)  # the first working day after completion
    due_without = benefits.payment_due_date("JKM", complete)
    due_with = benefits.payment_due_date("JKM", complete, {holiday})
    assert due_with > due_without
    Holiday.objects.create(date=holiday, name="Hari libur nasional (uji)")

    terms = payment_terms(jkm_claim, on=today)
    assert terms.due_on == due_with
    assert terms.days_late == (today - due_with).days
    surcharge = Decimal("42000000") * (today - due_with).days / 100
    without_holiday = Decimal("42000000") + Decimal("42000000") * (today - due_without).days / 100
    with pytest.raises(ClaimError, match="tidak sama dengan yang harus dibayar"):
        pay_claim(claim=jkm_claim, by=bpjs_staff, paid_on=today, amount=without_holiday, reference="HOL-1")
    paid = pay_claim(claim=jkm_claim, by=bpjs_staff, paid_on=today, amount=Decimal("42000000") + surcharge,
                     reference="HOL-1")
    assert paid.late_surcharge == surcharge
    assert payment_terms(paid).due_on == due_with
