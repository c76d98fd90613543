"""Two staff acting on the same claim at the same moment, on real PostgreSQL connections: exactly one wins.

Each thread has its own database connection and transaction; a barrier releases them together, so
both reach the row lock at once. The loser waits for the winner's commit, then sees the new status.
"""

import datetime

import pytest

from claims.models import Claim
from claims.services import ClaimError, approve_claim, reject_claim, verify_claim
from demo.builders import file_claim, make_coverage, pay_in_full, upload_required
from core.audit import history
from core.models import AuditEvent
from demo import builders
from demo.builders import make_heir, make_worker

pytestmark = pytest.mark.django_db(transaction=True)

DEATH_DAY = datetime.date(2025, 6, 14)


def race(*calls):
    """Run the calls in parallel threads; return [(result, error)] in call order."""
    return [(None, r) if isinstance(r, Exception) else (r, None) for r in builders.race(*calls)]


def winners_and_losers(results):
    won = [result for result, error in results if error is None]
    lost = [error for result, error in results if error is not None]
    return won, lost


@pytest.fixture
def verified(coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    return verify_claim(claim=claim, by=bpjs_staff)


def test_two_approvals_at_once_exactly_one_succeeds(verified, bpjs_staff, other_staff):
    results = race(lambda: approve_claim(claim=verified, by=bpjs_staff), lambda: approve_claim(claim=verified, by=other_staff))
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ClaimError)
    assert "berstatus Disetujui dan tidak dapat diubah menjadi Disetujui" in str(lost[0])
    claim = Claim.objects.get(pk=verified.pk)
    assert claim.status == Claim.Status.APPROVED and claim.approved_by == won[0].approved_by
    approvals = [e for e in history(claim) if e.action == AuditEvent.Action.TRANSITION and e.changes["status"][1] == "approved"]
    assert len(approvals) == 1


def test_two_payments_at_once_exactly_one_succeeds(verified, bpjs_staff, other_staff):
    approve_claim(claim=verified, by=bpjs_staff)
    results = race(
        lambda: pay_in_full(verified, by=bpjs_staff, reference="BKT-A"),
        lambda: pay_in_full(verified, by=other_staff, reference="BKT-B"),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ClaimError) and "sudah dibayar" in str(lost[0])
    claim = Claim.objects.get(pk=verified.pk)
    assert claim.status == Claim.Status.PAID
    assert claim.payment_reference == won[0].payment_reference
    assert claim.paid_amount == 42_000_000


def test_one_bank_reference_for_two_claims_at_once_pays_only_one(coverage, spouse, official, bpjs_staff, other_staff):
    claims = []
    other = make_worker(full_name="ANDI WIJAYA")
    pairs = [(coverage, spouse), (make_coverage(other, coverage.funding_source), make_heir(other))]
    for cov, heir in pairs:
        claim = file_claim(coverage=cov, by=official, event_date=DEATH_DAY, claimant=heir)
        upload_required(claim, by=official)
        verify_claim(claim=claim, by=bpjs_staff)
        claims.append(approve_claim(claim=claim, by=bpjs_staff))
    results = race(
        lambda: pay_in_full(claims[0], by=bpjs_staff, reference="BKT-SAMA"),
        lambda: pay_in_full(claims[1], by=other_staff, reference="BKT-SAMA"),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ClaimError) and "BKT-SAMA sudah dipakai" in str(lost[0])
    assert Claim.objects.filter(status=Claim.Status.PAID).count() == 1


def test_two_death_claims_for_one_worker_at_once_file_only_one(coverage, spouse, official, superuser):
    results = race(
        lambda: file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse),
        lambda: file_claim(coverage=coverage, by=superuser, event_date=DEATH_DAY, claimant=spouse),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ClaimError) and "sudah mempunyai klaim kematian" in str(lost[0])
    assert Claim.objects.count() == 1


def test_approval_and_rejection_at_once_leave_one_decision(verified, bpjs_staff, other_staff):
    results = race(
        lambda: approve_claim(claim=verified, by=bpjs_staff),
        lambda: reject_claim(claim=verified, by=other_staff, reason="Dokumen diragukan."),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], ClaimError)
    claim = Claim.objects.get(pk=verified.pk)
    assert claim.status in (Claim.Status.APPROVED, Claim.Status.REJECTED)
    assert (claim.approved_at is None) != (claim.rejected_at is None)
