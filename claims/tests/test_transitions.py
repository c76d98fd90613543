"""Every move of a claim, for every role: allowed, refused by status, or refused by permission."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from claims.models import Claim, ClaimDocument
from claims.services import (
    ClaimError,
    approve_claim,
    pay_claim,
    payment_terms,
    reject_claim,
    upload_document,
    verify_claim,
)
from demo.builders import (
    file_claim,
    make_coverage,
    make_paid_claim,
    pay_in_full,
    upload,
    upload_required,
)
from core.audit import history
from core.models import AuditEvent
from demo.builders import make_heir, make_worker

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)
Status = Claim.Status


@pytest.fixture
def submitted(coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def in_status(submitted, bpjs_staff):
    """in_status(status) -> the claim moved there through the verbs."""

    def move(status):
        if status in (Status.VERIFIED, Status.APPROVED, Status.PAID):
            verify_claim(claim=submitted, by=bpjs_staff)
        if status in (Status.APPROVED, Status.PAID):
            approve_claim(claim=submitted, by=bpjs_staff)
        if status == Status.PAID:
            pay_in_full(submitted, by=bpjs_staff, reference="TRF-1")
        if status == Status.REJECTED:
            reject_claim(claim=submitted, by=bpjs_staff, reason="Dokumen palsu.")
        submitted.refresh_from_db()
        assert submitted.status == status
        return submitted

    return move


def do(verb, claim, user):
    """Run one verb with valid arguments."""
    if verb == "verify":
        return verify_claim(claim=claim, by=user)
    if verb == "approve":
        return approve_claim(claim=claim, by=user)
    if verb == "reject":
        return reject_claim(claim=claim, by=user, reason="Tidak memenuhi syarat.")
    if verb == "pay":
        due = payment_terms(claim).amount_due or Decimal("0")
        return pay_claim(claim=claim, by=user, paid_on=timezone.localdate(), amount=due, reference=f"REF-{claim.pk}-{user.pk}")
    if verb == "upload":
        return upload_document(claim=claim, kind=ClaimDocument.Kind.OTHER, uploaded=upload(), by=user)
    raise AssertionError(verb)


TARGET = {"verify": Status.VERIFIED, "approve": Status.APPROVED, "reject": Status.REJECTED, "pay": Status.PAID}


# --- Status: each verb only from the statuses the workflow allows ---------------------------------

# Pinned here, not read from Claim.NEXT (the code under test): which status each verb may start from.
ALLOWED_FROM = {
    "verify": {Status.SUBMITTED},
    "approve": {Status.VERIFIED},
    "reject": {Status.SUBMITTED, Status.VERIFIED},
    "pay": {Status.APPROVED},
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("verb", ["verify", "approve", "reject", "pay"])
def test_each_move_is_allowed_exactly_from_the_pinned_statuses(in_status, bpjs_staff, status, verb):
    claim = in_status(status)
    allowed = status in ALLOWED_FROM[verb]
    if allowed:
        do(verb, claim, bpjs_staff)
        claim.refresh_from_db()
        assert claim.status == TARGET[verb]
    else:
        with pytest.raises(ClaimError):
            do(verb, claim, bpjs_staff)
        claim.refresh_from_db()
        assert claim.status == status


@pytest.mark.parametrize("status", list(Status))
def test_documents_can_be_added_only_before_approval(in_status, official, status):
    claim = in_status(status)
    if status in (Status.SUBMITTED, Status.VERIFIED):
        assert do("upload", claim, official).claim == claim
    else:
        with pytest.raises(ClaimError, match="dokumen hanya dapat ditambahkan sebelum disetujui|sudah dibayar"):
            do("upload", claim, official)


# --- Roles: who may do what -----------------------------------------------------------------------

ROLES = ["official", "bpjs_staff", "leader", "outsider", "superuser"]
MAY = {
    "verify": {"bpjs_staff", "superuser"},
    "approve": {"bpjs_staff", "superuser"},
    "reject": {"bpjs_staff", "superuser"},
    "pay": {"bpjs_staff", "superuser"},
    "upload": {"official", "superuser"},
}
FROM = {"verify": Status.SUBMITTED, "approve": Status.VERIFIED, "reject": Status.SUBMITTED, "pay": Status.APPROVED,
        "upload": Status.SUBMITTED}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", list(MAY))
def test_each_role_may_do_only_its_moves(request, in_status, role, verb):
    user = request.getfixturevalue(role)
    claim = in_status(FROM[verb])
    if role in MAY[verb]:
        do(verb, claim, user)
    else:
        with pytest.raises(PermissionDenied):
            do(verb, claim, user)
        claim.refresh_from_db()
        assert claim.status == FROM[verb]


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_file_claims(request, coverage, spouse, role):
    user = request.getfixturevalue(role)
    if role in ("official", "superuser"):
        assert file_claim(coverage=coverage, by=user, event_date=DEATH_DAY, claimant=spouse).pk
    else:
        with pytest.raises(PermissionDenied):
            file_claim(coverage=coverage, by=user, event_date=DEATH_DAY, claimant=spouse)
        assert not Claim.objects.exists()


def test_anonymous_user_can_do_nothing(submitted):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        verify_claim(claim=submitted, by=AnonymousUser())
    with pytest.raises(PermissionDenied):
        verify_claim(claim=submitted, by=None)


# --- Nobody approves a claim they submitted ---------------------------------------------------------


def test_nobody_approves_a_claim_they_submitted(coverage, spouse, superuser, bpjs_staff):
    claim = file_claim(coverage=coverage, by=superuser, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=superuser)
    verify_claim(claim=claim, by=superuser)  # verifying one's own filing is allowed; approving is not
    with pytest.raises(ClaimError, match="mengajukan klaim .* sendiri"):
        approve_claim(claim=claim, by=superuser)
    approve_claim(claim=claim, by=bpjs_staff)


def test_nobody_records_the_payment_of_a_claim_they_submitted(coverage, spouse, superuser, bpjs_staff):
    """Four eyes on the money as on the approval (issue 10): pay_claim checked only its permission."""
    claim = file_claim(coverage=coverage, by=superuser, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=superuser)
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=bpjs_staff)
    with pytest.raises(ClaimError, match="mengajukan klaim .* sendiri; pembayarannya"):
        pay_in_full(claim, by=superuser, reference="TRF-SELF")
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED
    pay_in_full(claim, by=bpjs_staff, reference="TRF-OTHER")


def test_the_database_refuses_self_approval(in_status, official):
    claim = in_status(Status.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(approved_by=official)


# --- Rejection --------------------------------------------------------------------------------------


def test_rejection_needs_a_reason_and_keeps_it(submitted, bpjs_staff):
    with pytest.raises(ClaimError, match="Alasan penolakan wajib diisi"):
        reject_claim(claim=submitted, by=bpjs_staff, reason="  ")
    reject_claim(claim=submitted, by=bpjs_staff, reason="Buku nikah tidak sesuai.")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reject_reason, submitted.rejected_by) == (Status.REJECTED, "Buku nikah tidak sesuai.", bpjs_staff)


# --- Payment: exactly once, the right amount ----------------------------------------------------------


def test_a_claim_cannot_be_paid_twice(in_status, bpjs_staff):
    claim = in_status(Status.PAID)
    with pytest.raises(ClaimError, match=r"sudah dibayar pada .* \(referensi TRF-1\)"):
        pay_claim(claim=claim, by=bpjs_staff, paid_on=timezone.localdate(), amount=Decimal("42000000"), reference="TRF-2")
    claim.refresh_from_db()
    assert claim.payment_reference == "TRF-1"


def test_a_bank_reference_pays_one_claim_only(in_status, coverage, official, bpjs_staff):
    in_status(Status.PAID)
    other = make_worker(full_name="ANDI WIJAYA")
    second = file_claim(coverage=make_coverage(other, coverage.funding_source), by=official, event_date=DEATH_DAY,
                        claimant=make_heir(other))
    upload_required(second, by=official)
    verify_claim(claim=second, by=bpjs_staff)
    approve_claim(claim=second, by=bpjs_staff)
    with pytest.raises(ClaimError, match="Referensi bank TRF-1 sudah dipakai"):
        pay_in_full(second, by=bpjs_staff, reference="TRF-1")


def test_the_amount_transferred_must_equal_what_is_due(in_status, bpjs_staff):
    claim = in_status(Status.APPROVED)
    with pytest.raises(ClaimError, match="Rp40.000.000 tidak sama dengan yang harus dibayar Rp42.000.000"):
        pay_claim(claim=claim, by=bpjs_staff, paid_on=timezone.localdate(), amount=Decimal("40000000"), reference="X1")


def test_payment_date_cannot_precede_approval_or_lie_in_the_future(in_status, bpjs_staff):
    claim = in_status(Status.APPROVED)
    for day, text in ((timezone.localdate() - datetime.timedelta(days=1), "sebelum klaim disetujui"),
                      (timezone.localdate() + datetime.timedelta(days=1), "belum terjadi")):
        with pytest.raises(ClaimError, match=text):
            pay_claim(claim=claim, by=bpjs_staff, paid_on=day, amount=Decimal("42000000"), reference="X2")


def test_late_payment_adds_one_percent_a_day(in_status, bpjs_staff):
    """R-SLA-1: documents complete 20 days ago; JKM due 3 working days later; each later day adds 1%."""
    claim = in_status(Status.APPROVED)
    complete = timezone.localdate() - datetime.timedelta(days=20)
    ClaimDocument.objects.filter(claim=claim).update(uploaded_at=timezone.make_aware(
        datetime.datetime.combine(complete, datetime.time(10))))
    terms = payment_terms(claim)
    assert terms.complete_on == complete
    late = (timezone.localdate() - terms.due_on).days
    assert late >= 14
    assert terms.surcharge == Decimal("42000000") * late / 100
    with pytest.raises(ClaimError, match="tambahan keterlambatan"):
        pay_claim(claim=claim, by=bpjs_staff, paid_on=timezone.localdate(), amount=Decimal("42000000"), reference="L1")
    paid = pay_claim(claim=claim, by=bpjs_staff, paid_on=timezone.localdate(), amount=terms.amount_due, reference="L1")
    assert paid.paid_amount == Decimal("42000000") + terms.surcharge
    assert paid.late_surcharge == terms.surcharge
    assert paid.benefit_amount == Decimal("42000000")


# --- A paid claim is immutable --------------------------------------------------------------------------


def test_paid_claim_refuses_every_move(in_status, bpjs_staff, official):
    claim = in_status(Status.PAID)
    for verb, user in (("verify", bpjs_staff), ("approve", bpjs_staff), ("reject", bpjs_staff), ("upload", official)):
        with pytest.raises(ClaimError, match="sudah dibayar"):
            do(verb, claim, user)


def test_the_database_refuses_to_change_or_delete_a_paid_claim(in_status):
    claim = in_status(Status.PAID)
    for change in ({"paid_amount": Decimal("1")}, {"bank_account_number": "000"}, {"status": Status.APPROVED},
                   {"claimant": None, "arranger_name": "X"}):
        with pytest.raises(IntegrityError, match="sudah dibayar dan tidak dapat diubah"), transaction.atomic():
            Claim.objects.filter(pk=claim.pk).update(**change)
    with pytest.raises(IntegrityError, match="tidak dapat dihapus"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM claims_claim WHERE id = %s", [claim.pk])
    # Bookkeeping that is not money or identity stays writable.
    Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    claim.refresh_from_db()
    assert claim.paid_amount == Decimal("42000000")


def test_unpaid_claims_stay_editable_by_the_database(in_status):
    claim = in_status(Status.APPROVED)
    updated = Claim.objects.filter(pk=claim.pk).update(event_place="Kudangan", bank_account_number="111222333")
    assert updated == 1
    claim.refresh_from_db()
    assert (claim.event_place, claim.bank_account_number) == ("Kudangan", "111222333")


# --- Who and when, audited -----------------------------------------------------------------------------


def test_every_move_records_who_when_and_an_audit_row(coverage, spouse, official, bpjs_staff, other_staff):
    claim = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=DEATH_DAY, claimant=spouse)
    for status in ("submitted", "verified", "approved", "paid"):
        assert getattr(claim, f"{status}_at") is not None
    events = list(history(claim))
    transitions = [(e.actor, e.changes["status"]) for e in events if e.action == AuditEvent.Action.TRANSITION]
    assert transitions == [
        (bpjs_staff, ["approved", "paid"]), (bpjs_staff, ["verified", "approved"]), (bpjs_staff, ["submitted", "verified"])
    ]
    paid_event = events[0]
    assert paid_event.changes["payment_reference"] == ["", "TRF-0001"]
    assert paid_event.changes["paid_amount"] == [None, "42000000"]
    created = [e for e in events if e.action == AuditEvent.Action.CREATE]
    assert created[0].actor == official
    uploads = [e for e in events if e.action == AuditEvent.Action.UPDATE and "dokumen" in e.changes]
    assert len(uploads) == ClaimDocument.objects.filter(claim=claim).count()
    # The one other update: the approval of the death ended the worker's coverage (issue 15).
    assert [list(e.changes) for e in events if e.action == AuditEvent.Action.UPDATE and "dokumen" not in e.changes] == [
        ["kepesertaan_diakhiri"]]


def test_approving_a_death_claim_records_the_death_once(coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    worker = coverage.worker
    assert worker.died_on is None
    approve_claim(claim=claim, by=bpjs_staff)
    worker.refresh_from_db()
    assert worker.died_on == DEATH_DAY
    (event,) = [e for e in history(worker) if "died_on" in e.changes]
    assert event.actor == bpjs_staff and event.changes["died_on"] == [None, "2025-06-14"]
    assert claim.number in event.note


def test_approving_keeps_an_existing_death_record(coverage, spouse, official, bpjs_staff):
    worker = coverage.worker
    worker.died_on = DEATH_DAY
    worker.save()
    claim = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=DEATH_DAY, claimant=spouse)
    assert not [e for e in history(worker) if "died_on" in e.changes]
    assert claim.status == Status.PAID
