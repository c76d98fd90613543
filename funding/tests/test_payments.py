"""Payments to BPJS settle bills: paid / partly paid / unpaid; no overpayment, no double recording."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audit import history
from demo.builders import pdf_bytes
from demo.builders import make_funding, race
from funding.billing import BillingError, prepare_bill, record_payment
from funding.models import ContributionBill, ContributionPayment, PaymentAllocation

from .conftest import covered_workers

JAN, FEB, MAR, APR = (datetime.date(2025, m, 1) for m in (1, 2, 3, 4))
PAID_ON = datetime.date(2025, 1, 14)


def bill_of(funding, workers=2, first=JAN, last=None):
    covered_workers(funding, workers)
    return prepare_bill(funding=funding, first_month=first, last_month=last, by=None)


def fresh(bill):
    return ContributionBill.objects.with_paid().get(pk=bill.pk)


@pytest.mark.django_db
def test_a_bill_is_unpaid_then_partly_paid_then_paid(funding, finance_officer):
    bill = bill_of(funding)  # 2 × Rp16.800
    assert fresh(bill).status == ContributionBill.Status.UNPAID

    record_payment(funding=funding, paid_on=PAID_ON, amount=10000, reference="SP2D-1", bills=[bill], by=finance_officer)
    assert fresh(bill).status == ContributionBill.Status.PARTLY_PAID
    assert fresh(bill).outstanding == Decimal("23600")

    record_payment(funding=funding, paid_on=PAID_ON, amount=23600, reference="SP2D-2", bills=[bill], by=finance_officer)
    assert fresh(bill).status == ContributionBill.Status.PAID
    assert bill.status == ContributionBill.Status.PAID  # without the annotation too


@pytest.mark.django_db
def test_one_payment_settles_several_bills_oldest_first(funding):
    covered_workers(funding, 1)
    february = prepare_bill(funding=funding, first_month=FEB, by=None)
    january = prepare_bill(funding=funding, first_month=JAN, by=None)

    payment = record_payment(funding=funding, paid_on=PAID_ON, amount=16800 + 5000, reference="X", bills=[february, january], by=None)

    allocations = {a.bill_id: a.amount for a in payment.allocations.all()}
    assert allocations == {january.pk: Decimal("16800"), february.pk: Decimal("5000")}
    assert fresh(january).status == ContributionBill.Status.PAID
    assert fresh(february).status == ContributionBill.Status.PARTLY_PAID
    # The dashboard's "paid to BPJS" is the payment's amount: the whole transfer.
    assert payment.amount == Decimal("21800")


@pytest.mark.django_db
def test_overpayment_is_refused_and_nothing_recorded(funding):
    bill = bill_of(funding)

    with pytest.raises(BillingError, match="melebihi sisa tagihan"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=33601, reference="X", bills=[bill], by=None)
    assert not ContributionPayment.objects.exists()

    record_payment(funding=funding, paid_on=PAID_ON, amount=33600, reference="X", bills=[bill], by=None)
    with pytest.raises(BillingError, match="sudah lunas"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1, reference="Y", bills=[bill], by=None)


@pytest.mark.django_db
def test_the_same_reference_is_not_recorded_twice(funding):
    bill = bill_of(funding)
    record_payment(funding=funding, paid_on=PAID_ON, amount=1000, reference="SP2D 0012/BPKAD", bills=[bill], by=None)

    # Typed again with other spacing and case: recognised as the same transfer.
    with pytest.raises(BillingError, match="sudah dicatat pada 14-01-2025"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1000, reference="  sp2d   0012/bpkad ", bills=[bill], by=None)
    assert ContributionPayment.objects.count() == 1


@pytest.mark.django_db
def test_bills_of_another_funding_source_are_refused(funding):
    other = make_funding()
    bill = bill_of(other)

    with pytest.raises(BillingError, match="bukan milik"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1000, reference="X", bills=[bill], by=None)


@pytest.mark.django_db
def test_bad_amounts_dates_and_references_are_refused(funding):
    bill = bill_of(funding)
    for amount in (0, -5, Decimal("100.50")):
        with pytest.raises(BillingError, match="rupiah utuh"):
            record_payment(funding=funding, paid_on=PAID_ON, amount=amount, reference="X", bills=[bill], by=None)
    with pytest.raises(BillingError, match="belum terjadi"):
        record_payment(funding=funding, paid_on=datetime.date.today() + datetime.timedelta(days=2), amount=1,
                       reference="X", bills=[bill], by=None)
    with pytest.raises(BillingError, match="referensi wajib"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1, reference="  ", bills=[bill], by=None)
    with pytest.raises(BillingError, match="Pilih paling sedikit"):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1, reference="X", bills=[], by=None)


@pytest.mark.django_db
def test_only_the_finance_office_records_payments_and_it_is_audited(funding, official, finance_officer):
    bill = bill_of(funding)
    proof = SimpleUploadedFile("bukti transfer.pdf", pdf_bytes("bukti"), content_type="application/pdf")

    with pytest.raises(PermissionDenied):
        record_payment(funding=funding, paid_on=PAID_ON, amount=1000, reference="X", bills=[bill], by=official)
    payment = record_payment(funding=funding, paid_on=PAID_ON, amount=1000, reference="X", bills=[bill],
                             by=finance_officer, proof=proof)

    assert payment.recorded_by == finance_officer
    assert payment.proof.read() == pdf_bytes("bukti")
    assert "bukti transfer" not in payment.proof.name  # stored under a name of our own
    event = history(payment).get()
    assert event.actor == finance_officer
    assert event.changes["amount"] == [None, "1000"]
    assert event.changes["allocations"][1] == {str(bill): "1000"}


@pytest.mark.django_db(transaction=True)
def test_two_officers_recording_the_same_transfer_at_once_record_it_once():
    funding = make_funding()
    bill = bill_of(funding)

    def pay():
        return record_payment(funding=funding, paid_on=PAID_ON, amount=33600, reference="SP2D-77", bills=[bill], by=None)

    results = race(pay, pay, pay)

    assert sum(isinstance(r, ContributionPayment) for r in results) == 1
    refused = [r for r in results if not isinstance(r, ContributionPayment)]
    assert all(isinstance(r, BillingError) for r in refused), refused
    assert ContributionPayment.objects.count() == 1
    assert PaymentAllocation.objects.get().amount == Decimal("33600")


@pytest.mark.django_db(transaction=True)
def test_two_transfers_for_the_same_bill_at_once_cannot_overpay_it():
    funding = make_funding()
    bill = bill_of(funding)

    results = race(*[
        (lambda ref=ref: record_payment(funding=funding, paid_on=PAID_ON, amount=33600, reference=ref, bills=[bill], by=None))
        for ref in ("A", "B", "C")
    ])

    assert sum(isinstance(r, ContributionPayment) for r in results) == 1
    assert all(isinstance(r, (ContributionPayment, BillingError)) for r in results), results
    assert fresh(bill).paid_amount == Decimal("33600")
