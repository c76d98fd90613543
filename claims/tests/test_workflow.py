"""The whole path of a JKM death claim, as in the news item: filed, documents, verified, approved, paid."""

import datetime
from decimal import Decimal

import pytest

from claims.models import Claim
from claims.services import approve_claim, verify_claim
from demo.builders import file_claim, pay_in_full, upload_required
from core.audit import history
from core.models import AuditEvent

DEATH_DAY = datetime.date(2025, 6, 14)


@pytest.mark.django_db
def test_jkm_death_claim_is_paid_42_million_to_the_spouse(coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse, event_place="Nanga Bulik")
    assert claim.status == Claim.Status.SUBMITTED
    assert claim.benefit_amount == Decimal("42000000")
    assert [item["code"] for item in claim.benefit_breakdown] == ["lump_sum", "periodic", "funeral"]
    assert (claim.bank_name, claim.bank_account_number) == ("Bank Kalteng", "1234567890")

    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=bpjs_staff)
    paid = pay_in_full(claim, by=bpjs_staff, reference="BKT-2025-0001")

    paid.refresh_from_db()
    assert paid.status == Claim.Status.PAID
    assert paid.paid_amount == Decimal("42000000")
    assert paid.late_surcharge == 0
    assert (paid.submitted_by, paid.verified_by, paid.approved_by, paid.paid_by) == (official, bpjs_staff, bpjs_staff, bpjs_staff)
    assert paid.worker.died_on == DEATH_DAY
    statuses = [e.changes["status"] for e in history(paid) if e.action == AuditEvent.Action.TRANSITION]
    assert statuses == [["approved", "paid"], ["verified", "approved"], ["submitted", "verified"]]
