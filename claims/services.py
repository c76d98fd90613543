"""Claim transitions: the only code that changes a claim's status (../shared/style.md, "Claim transitions").

Each verb is one durable transaction that checks the user's permission, locks the claim row
(``select_for_update(of=("self",))``), checks the move against ``Claim.NEXT``, re-checks
eligibility, records who and when, and writes the audit trail. Two staff acting on the same claim
at the same moment are serialised by the row lock: the second one sees the first one's result and
gets a ClaimError saying so. Money goes to the right person exactly once: a paid claim cannot move
again (and the database refuses to change it, migration 0003).
"""

import datetime
import hashlib
import os
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import record
from core.models import AuditEvent, ProgramRules
from core.money import ZERO, format_rupiah
from enrollment.models import Coverage, Heir, Worker
from enrollment.nik import age_on
from funding.contributions import contribution_months
from funding.services import unpaid_months

from . import benefits
from .benefits import Benefit, BenefitError, ScholarshipRequest
from .documents import DocumentError, check_upload, documents_complete_on, required_documents
from .eligibility import evaluate, gather_facts, problems
from .models import Claim, ClaimDocument, ScholarshipChild

Status = Claim.Status


class ClaimError(Exception):
    """A claim action refused, explained in Indonesian (one message per problem)."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


def _require(user, perm):
    """Every verb checks the permission itself, so views, admin and commands cannot forget it."""
    if user is None or not user.is_authenticated or not user.has_perm(perm):
        raise PermissionDenied(_("Anda tidak berwenang untuk tindakan ini."))


def _locked(claim) -> Claim:
    """The claim row, locked until the transaction ends; related rows are read, not locked."""
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("worker", "coverage__funding_source", "claimant")
        .get(pk=claim.pk)
    )


# --- Facts the benefit needs -------------------------------------------------------------------


def _jkm_coverages(worker_id, day):
    return Coverage.objects.filter(
        worker_id=worker_id, jkm=True, status__in=[Coverage.Status.ACTIVE, Coverage.Status.ENDED], start_date__lte=day
    )


def membership_months(worker_id, day: datetime.date) -> int:
    """R-JKM-3: calendar months of JKM membership up to and including ``day``'s month, across every
    coverage of the worker (a NIK is one worker, so renewals count together)."""
    months = set()
    for coverage in _jkm_coverages(worker_id, day):
        months.update(contribution_months(coverage.start_date, min(coverage.end_date, day)))
    return len(months)


def contribution_month_count(worker_id, day: datetime.date, *, today=None) -> int:
    """R-JKM-4: months of paid JKM contributions up to ``day``, counted across all periods of the NIK."""
    months = set()
    for coverage in _jkm_coverages(worker_id, day):
        covered = set(contribution_months(coverage.start_date, min(coverage.end_date, day)))
        months.update(covered - unpaid_months(coverage, today=today))
    return len(months)


@dataclass(frozen=True)
class ChildRequest:
    """A child named for this year's scholarship (R-JKM-4), as entered on the claim form."""

    child: Heir
    level: str


def _scholarship_requests(children, on: datetime.date) -> list[ScholarshipRequest]:
    return [
        ScholarshipRequest(name=c.child.full_name, age=age_on(c.child.birth_date, on), level=c.level)
        for c in children
    ]


def compute_benefit(claim: Claim, children, *, rules: ProgramRules | None = None, today=None) -> Benefit:
    """The itemised benefit of a claim from the facts in the database, by claims/benefits.py."""
    rules = rules or ProgramRules.current()
    filed_on = timezone.localdate(claim.submitted_at) if claim.submitted_at else (today or timezone.localdate())
    basis = claim.coverage.income_basis
    has_heir = claim.worker.heirs.exists() if claim.is_death else True
    transport = dict(transport_mode=claim.transport_mode, transport_cost=claim.transport_cost)
    # Labels are stored with the claim, always in Indonesian.
    with translation.override("id"):
        if claim.kind == Claim.Kind.JKM_DEATH:
            return benefits.jkm_death_benefit(
                membership_months=membership_months(claim.worker_id, claim.event_date),
                contribution_months=contribution_month_count(claim.worker_id, claim.event_date, today=today),
                has_heir=has_heir,
                children=_scholarship_requests(children, filed_on),
                early_rule=rules.early_death_rule,
                early_months=rules.early_death_months,
                early_benefit=rules.early_death_benefit,
            )
        if claim.kind == Claim.Kind.JKK_DEATH:
            return benefits.jkk_death_benefit(
                basis=basis, has_heir=has_heir, children=_scholarship_requests(children, filed_on), **transport
            )
        if claim.kind == Claim.Kind.JKK_MEDICAL:
            return benefits.jkk_medical_benefit(
                hospital_bill=claim.hospital_bill, home_care_cost=claim.home_care_cost, **transport
            )
        if claim.kind == Claim.Kind.JKK_TEMPORARY:
            return benefits.jkk_temporary_benefit(basis=basis, months=claim.incapacity_months, **transport)
        if claim.kind == Claim.Kind.JKK_DISABILITY:
            return benefits.jkk_disability_benefit(
                basis=basis,
                disability_type=claim.disability_type,
                table_percent=claim.disability_percent,
                loss_percent=claim.function_loss_percent,
                **transport,
            )
    raise BenefitError(_("Jenis klaim tidak dikenal."))


def _children_of(claim: Claim) -> list[ChildRequest]:
    return [ChildRequest(s.child, s.level) for s in claim.scholarships.select_related("child")]


def _children_problems(claim: Claim, children) -> list[str]:
    found = []
    if children and not claim.is_death:
        found.append(_("Beasiswa hanya untuk klaim kematian (R-JKM-4)."))
    seen = set()
    for request in children:
        child = request.child
        if child.worker_id != claim.worker_id or child.relationship != Heir.Relationship.CHILD:
            found.append(_("%(name)s bukan anak pekerja ini.") % {"name": child.full_name})
        elif child.birth_date is None:
            found.append(_("Tanggal lahir %(name)s wajib diisi untuk beasiswa (batas usia 23 tahun, R-JKM-4).") % {
                "name": child.full_name})
        if child.pk in seen:
            found.append(_("%(name)s dipilih lebih dari sekali.") % {"name": child.full_name})
        seen.add(child.pk)
    if len(children) > benefits.SCHOLARSHIP_MAX_CHILDREN:
        found.append(_("Beasiswa paling banyak untuk %(max)d anak (R-JKM-4).") % {"max": benefits.SCHOLARSHIP_MAX_CHILDREN})
    return found


def claim_review(claim: Claim, *, with_documents=True, today=None, documents=None, children=None):
    """(checks, benefit or None) for a claim: what the claim page shows and the verbs enforce."""
    facts = gather_facts(claim, with_documents=with_documents, today=today, documents=documents)
    children = _children_of(claim) if children is None else children
    benefit = None
    try:
        benefit = compute_benefit(claim, children, today=today)
    except BenefitError as exc:
        facts.benefit_error = str(exc)
    return evaluate(claim, facts), benefit


def _ensure_eligible(claim: Claim, *, with_documents: bool, children=None) -> Benefit:
    checks, benefit = claim_review(claim, with_documents=with_documents, children=children)
    found = problems(checks)
    if found:
        raise ClaimError(found)
    return benefit


# --- Payment deadline (R-SLA-1) ----------------------------------------------------------------


@dataclass(frozen=True)
class PaymentTerms:
    complete_on: datetime.date | None
    due_on: datetime.date | None
    days_late: int
    surcharge: Decimal
    amount_due: Decimal | None


def payment_terms(claim: Claim, *, on: datetime.date | None = None, documents=None) -> PaymentTerms:
    """R-SLA-1: due date from complete documents, and what must be paid on ``on`` (1% a day when late)."""
    on = on or timezone.localdate()
    documents = list(claim.documents.all()) if documents is None else documents
    complete_on = documents_complete_on(required_documents(claim), documents)
    if complete_on is None:
        return PaymentTerms(None, None, 0, ZERO, claim.benefit_amount)
    due_on = benefits.payment_due_date(claim.program, complete_on)
    if claim.status == Status.PAID:
        late = benefits.days_late(due_on, claim.paid_on)
        return PaymentTerms(complete_on, due_on, late, claim.late_surcharge, claim.paid_amount)
    late = benefits.days_late(due_on, on)
    surcharge = benefits.late_surcharge(claim.benefit_amount or ZERO, late)
    amount = None if claim.benefit_amount is None else claim.benefit_amount + surcharge
    return PaymentTerms(complete_on, due_on, late, surcharge, amount)


# --- Transitions -------------------------------------------------------------------------------


def _refuse_if_paid(current: Claim) -> None:
    if current.status == Status.PAID:
        raise ClaimError(
            _("Klaim %(number)s sudah dibayar pada %(day)s (referensi %(ref)s) dan tidak dapat diubah atau dibayar lagi.")
            % {"number": current.number, "day": current.paid_on.strftime("%d-%m-%Y"), "ref": current.payment_reference}
        )


def _check_move(current: Claim, to: str) -> None:
    _refuse_if_paid(current)
    if to not in current.next_statuses():
        raise ClaimError(
            _("Klaim %(number)s berstatus %(status)s dan tidak dapat diubah menjadi %(to)s.")
            % {"number": current.number, "status": current.get_status_display(), "to": Status(to).label}
        )


def _apply(current: Claim, to: str, *, by, fields=None, note="") -> Claim:
    """Set the status, ``<status>_at`` and ``<status>_by`` (and ``fields``), save them, audit the move."""
    old = current.status
    changes = {"status": [old, to]}
    fields = {f"{to}_at": timezone.now(), f"{to}_by": by, **(fields or {})}
    for name, value in fields.items():
        before = getattr(current, name)
        setattr(current, name, value)
        if name.endswith(("_at", "_by")):
            continue
        if before != value:
            changes[name] = [before, value]
    current.status = to
    current.save(update_fields=["status", "updated_at", *fields])
    record(actor=by, obj=current, action=AuditEvent.Action.TRANSITION, changes=_plain(changes), note=note)
    return current


def _plain(changes: dict) -> dict:
    from core.audit import plain

    return {name: [plain(old), plain(new)] for name, (old, new) in changes.items()}


@transaction.atomic(durable=True)
def submit_claim(*, claim: Claim, by, children=()) -> Claim:
    """File a new claim (Operator Kabupaten): checks eligibility except documents, computes the benefit.

    ``claim`` is unsaved (built by the form); ``children`` are ChildRequest for scholarships.
    The worker row is locked so that two death claims for one worker cannot be filed at once.
    """
    _require(by, "claims.add_claim")
    if claim.pk:
        raise ClaimError(_("Klaim ini sudah diajukan."))
    children = list(children)
    coverage = Coverage.objects.select_related("funding_source").get(pk=claim.coverage_id)
    worker = Worker.objects.select_for_update().get(pk=coverage.worker_id)
    if claim.worker_id and claim.worker_id != worker.pk:
        raise ClaimError(_("Kepesertaan ini bukan milik pekerja yang diklaim."))
    claim.worker, claim.coverage = worker, coverage
    if claim.claimant_id:
        claimant = Heir.objects.get(pk=claim.claimant_id)
        claim.claimant = claimant
        # The account is the heir's; copied so that what BPJS verifies is what gets paid.
        claim.bank_name = claimant.bank_name
        claim.bank_account_number = claimant.bank_account_number
        claim.bank_account_holder = claimant.bank_account_holder
    found = _children_problems(claim, children)
    if found:
        raise ClaimError(found)
    benefit = _ensure_eligible(claim, with_documents=False, children=children)
    claim.benefit_amount = benefit.total
    claim.benefit_breakdown = benefit.as_breakdown()
    claim.status = Status.SUBMITTED
    claim.submitted_at = timezone.now()
    claim.submitted_by = by
    try:
        claim.full_clean()
    except ValidationError as exc:
        raise ClaimError(exc.messages) from exc
    claim.save()
    ScholarshipChild.objects.bulk_create(
        [ScholarshipChild(claim=claim, child=c.child, level=c.level) for c in children]
    )
    record(
        actor=by,
        obj=claim,
        action=AuditEvent.Action.CREATE,
        changes={
            "status": [None, claim.status],
            "kind": [None, claim.kind],
            "event_date": [None, claim.event_date.isoformat()],
            "penerima": [None, claim.payee_name],
            "benefit_amount": [None, str(claim.benefit_amount)],
        },
    )
    return claim


@transaction.atomic(durable=True)
def upload_document(*, claim: Claim, kind: str, uploaded, by) -> ClaimDocument:
    """Attach a supporting document (PDF/JPEG/PNG by content, size-limited) before approval."""
    _require(by, "claims.add_claimdocument")
    current = _locked(claim)
    _refuse_if_paid(current)
    if current.status not in (Status.SUBMITTED, Status.VERIFIED):
        raise ClaimError(_("Klaim %(number)s berstatus %(status)s: dokumen hanya dapat ditambahkan sebelum disetujui.") % {
            "number": current.number, "status": current.get_status_display()})
    if kind not in ClaimDocument.Kind.values:
        raise ClaimError(_("Jenis dokumen tidak dikenal."))
    try:
        content_type = check_upload(uploaded)
    except DocumentError as exc:
        raise ClaimError(str(exc)) from exc
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    original_name = os.path.basename(uploaded.name or "dokumen")[:200]
    document = ClaimDocument(
        claim=current, kind=kind, original_name=original_name, content_type=content_type,
        size=uploaded.size, sha256=digest.hexdigest(), uploaded_by=by,
    )
    document.file.save(original_name, uploaded, save=False)
    document.save()
    # The file name may carry personal data; the audit trail (shown to every reader of the claim)
    # names the kind, the document's id and its checksum instead.
    record(
        actor=by, obj=current, action=AuditEvent.Action.UPDATE,
        changes={"dokumen": [None, f"{document.get_kind_display()} #{document.pk} (sha256 {document.sha256[:12]})"]},
    )
    return document


@transaction.atomic(durable=True)
def verify_claim(*, claim: Claim, by, note="") -> Claim:
    """Submitted -> verified (Petugas BPJS): eligibility and every required document checked."""
    _require(by, "claims.verify_claim")
    current = _locked(claim)
    _check_move(current, Status.VERIFIED)
    _ensure_eligible(current, with_documents=True)
    return _apply(current, Status.VERIFIED, by=by, note=note)


@transaction.atomic(durable=True)
def approve_claim(*, claim: Claim, by, note="") -> Claim:
    """Verified -> approved (Petugas BPJS, never the one who submitted it). Fixes the benefit and, for
    a death claim, records the worker's death."""
    _require(by, "claims.approve_claim")
    current = _locked(claim)
    _check_move(current, Status.APPROVED)
    if current.submitted_by_id == by.pk:
        raise ClaimError(_("Anda mengajukan klaim %(number)s sendiri; klaim harus disetujui petugas lain.") % {
            "number": current.number})
    benefit = _ensure_eligible(current, with_documents=True)
    fields = {"benefit_amount": benefit.total, "benefit_breakdown": benefit.as_breakdown()}
    _apply(current, Status.APPROVED, by=by, fields=fields, note=note)
    if current.is_death:
        _record_death(current, by=by)
    return current


def _record_death(claim: Claim, *, by) -> None:
    worker = Worker.objects.select_for_update().get(pk=claim.worker_id)
    if worker.died_on is None:
        worker.died_on = claim.event_date
        worker.save(update_fields=["died_on", "updated_at"])
        record(
            actor=by, obj=worker, action=AuditEvent.Action.UPDATE,
            changes={"died_on": [None, claim.event_date.isoformat()]},
            note=_("Klaim kematian %(number)s disetujui.") % {"number": claim.number},
        )


@transaction.atomic(durable=True)
def reject_claim(*, claim: Claim, by, reason: str) -> Claim:
    """Submitted or verified -> rejected (Petugas BPJS), with the reason told to the claimant."""
    _require(by, "claims.reject_claim")
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError(_("Alasan penolakan wajib diisi."))
    current = _locked(claim)
    _check_move(current, Status.REJECTED)
    return _apply(current, Status.REJECTED, by=by, fields={"reject_reason": reason}, note=reason)


@transaction.atomic(durable=True)
def pay_claim(*, claim: Claim, by, paid_on: datetime.date, amount, reference: str) -> Claim:
    """Approved -> paid (Petugas BPJS): the transfer's date, amount and bank reference, exactly once.

    The amount must equal the benefit plus R-SLA-1's lateness surcharge for that date; a bank
    reference pays one claim only.
    """
    _require(by, "claims.pay_claim")
    current = _locked(claim)
    _check_move(current, Status.PAID)
    reference = (reference or "").strip()
    if not reference:
        raise ClaimError(_("Referensi bank wajib diisi."))
    used = Claim.objects.filter(payment_reference=reference).exclude(pk=current.pk).first()
    if used:
        raise ClaimError(_("Referensi bank %(ref)s sudah dipakai untuk klaim %(number)s.") % {"ref": reference, "number": used.number})
    today = timezone.localdate()
    approved_on = timezone.localdate(current.approved_at)
    if paid_on > today:
        raise ClaimError(_("Tanggal transfer %(day)s belum terjadi.") % {"day": paid_on.strftime("%d-%m-%Y")})
    if paid_on < approved_on:
        raise ClaimError(_("Tanggal transfer %(day)s sebelum klaim disetujui (%(approved)s).") % {
            "day": paid_on.strftime("%d-%m-%Y"), "approved": approved_on.strftime("%d-%m-%Y")})
    terms = payment_terms(current, on=paid_on)
    amount = Decimal(amount)
    if amount != terms.amount_due:
        detail = format_rupiah(current.benefit_amount)
        if terms.surcharge:
            detail += ngettext(
                " + tambahan keterlambatan %(days)d hari %(surcharge)s (R-SLA-1)",
                " + tambahan keterlambatan %(days)d hari %(surcharge)s (R-SLA-1)",
                terms.days_late,
            ) % {"days": terms.days_late, "surcharge": format_rupiah(terms.surcharge)}
        raise ClaimError(_("Jumlah transfer %(amount)s tidak sama dengan yang harus dibayar %(due)s (%(detail)s).") % {
            "amount": format_rupiah(amount), "due": format_rupiah(terms.amount_due), "detail": detail})
    fields = {
        "paid_on": paid_on, "paid_amount": amount, "payment_reference": reference, "late_surcharge": terms.surcharge,
    }
    try:
        with transaction.atomic():
            return _apply(current, Status.PAID, by=by, fields=fields)
    except IntegrityError as exc:
        # Another claim took this reference at the same moment (the unique index decided).
        raise ClaimError(_("Referensi bank %(ref)s sudah dipakai untuk klaim lain.") % {"ref": reference}) from exc
