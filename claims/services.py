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
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import transitions
from core.roles import require_permission
from core.audit import record
from core.models import AuditEvent, ProgramRules
from core.money import ZERO, format_rupiah
from core.privacy import mask_name
from enrollment.models import Coverage, Heir, Worker
from enrollment.nik import age_on
from enrollment.services import end_coverages_at_death
from funding.calendar import load_holidays
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




def _locked(claim) -> Claim:
    """The claim row, locked until the transaction ends; related rows are read, not locked."""
    return transitions.lock(
        Claim.objects.select_related("worker", "coverage__funding_source", "claimant", "death_claim"), claim.pk
    )


# --- Facts the benefit needs -------------------------------------------------------------------


def _jkm_coverages(worker_id, day):
    return Coverage.objects.registered().filter(worker_id=worker_id, jkm=True, start_date__lte=day)


def membership_on(worker_id, day: datetime.date) -> benefits.Membership:
    """R-JKM-3: the worker's registered JKM coverages up to ``day`` (named by funding source) and
    the unbroken membership that includes it (benefits.membership)."""
    return benefits.membership(
        _jkm_coverages(worker_id, day).values_list("start_date", "end_date", "funding_source__name"), day
    )


def membership_start_on(worker_id, day: datetime.date) -> datetime.date | None:
    """R-JKM-3: the first day of the worker's unbroken JKM membership on ``day``, across renewals of
    the same NIK (a NIK is one worker); see benefits.membership_start for what a gap does."""
    return benefits.membership_start(_jkm_coverages(worker_id, day).values_list("start_date", "end_date"), day)


def contribution_month_count(worker_id, day: datetime.date, *, today=None) -> int:
    """R-JKM-4: months of paid JKM contributions up to ``day``, counted across all periods of the NIK."""
    months = set()
    for coverage in _jkm_coverages(worker_id, day):
        covered = set(contribution_months(coverage.start_date, min(coverage.end_date, day)))
        months.update(covered - unpaid_months(coverage, today=today))
    return len(months)


def home_care_granted(claim: Claim) -> Decimal:
    """R-JKK-1: home care already granted for the same accident (same worker, same event date) in
    the worker's other JKK claims that were not rejected.

    The Rp20.000.000 covers home care within the accident's first year, so all home care claimed
    for one accident shares it, whenever the claims are filed (R-JKK-6 allows filing for 5 years;
    the claims do not record when the care was given).
    """
    if not claim.home_care_cost:
        return ZERO
    others = Claim.objects.filter(
        worker_id=claim.worker_id, event_date=claim.event_date, kind__in=Claim.JKK_KINDS,
    ).exclude(status=Status.REJECTED)
    if claim.pk:
        others = others.exclude(pk=claim.pk)
    return sum(
        (Decimal(item["amount"]) for breakdown in others.values_list("benefit_breakdown", flat=True)
         for item in breakdown if item.get("code") == "home_care"),
        ZERO,
    )


@dataclass(frozen=True)
class ChildRequest:
    """A child named for a school year's scholarship (R-JKM-4), as entered on the claim form.

    ``married`` and ``working`` are declared on the claim (proved by the child's statement, R-DOC);
    ``school_year`` is the tahun ajaran by its first year, by default the one of the filing date.
    """

    child: Heir
    level: str
    married: bool = False
    working: bool = False
    school_year: int | None = None


@dataclass
class Received:
    """What one child already received: years per level and the total (R-JKM-4)."""

    years: Counter = field(default_factory=Counter)
    total: Decimal = ZERO


def scholarships_received(child_ids, *, exclude_claim_id=None) -> dict[int, Received]:
    """R-JKM-4: per child, the school years received per level and the total received, from the
    scholarships of approved or paid claims (the death claim's and the yearly ones)."""
    rows = ScholarshipChild.objects.filter(
        child_id__in=child_ids, claim__status__in=[Status.APPROVED, Status.PAID], amount__gt=0
    )
    if exclude_claim_id:
        rows = rows.exclude(claim_id=exclude_claim_id)
    received = {}
    for child_id, level, amount in rows.values_list("child_id", "level", "amount"):
        entry = received.setdefault(child_id, Received())
        entry.years[level] += 1
        entry.total += amount
    return received


def _scholarship_requests(claim: Claim, children, on: datetime.date, *, mask_names=False) -> list[ScholarshipRequest]:
    received = scholarships_received([c.child.pk for c in children], exclude_claim_id=claim.pk) if children else {}
    requests = []
    for c in children:
        before = received.get(c.child.pk, Received())
        requests.append(ScholarshipRequest(
            name=mask_name(c.child.full_name) if mask_names else c.child.full_name,
            age=age_on(c.child.birth_date, on),
            level=c.level,
            years_received_at_level=before.years[c.level],
            received_total=before.total,
            married=c.married,
            working=c.working,
            school_year=c.school_year or benefits.school_year_of(on),
        ))
    return requests


def _early_death(death_claim: Claim) -> bool:
    """R-JKM-3 as decided on the death claim: its benefit was the early-death amount."""
    return any(item.get("code") == "early_death" for item in death_claim.benefit_breakdown or [])


def compute_benefit(claim: Claim, children, *, rules: ProgramRules | None = None, today=None, mask_names=False,
                    language: str | None = "id") -> Benefit:
    """The itemised benefit of a claim from the facts in the database, by claims/benefits.py,
    with the facts and caps it was computed from.

    ``mask_names``: children's names in the notes masked, for readers without personal data.
    ``language``: of the labels; Indonesian (stored with the claim) unless None, the reader's.
    """
    rules = rules or ProgramRules.current()
    filed_on = timezone.localdate(claim.submitted_at) if claim.submitted_at else (today or timezone.localdate())
    basis = claim.coverage.income_basis
    has_heir = claim.worker.heirs.exists() if claim.is_death else True
    transport = dict(transport_mode=claim.transport_mode, transport_cost=claim.transport_cost)
    requests = _scholarship_requests(claim, children, filed_on, mask_names=mask_names)
    # Labels are stored with the claim, always in Indonesian; the claim page shows the facts in
    # the reader's language (language=None).
    with translation.override(language) if language else nullcontext():
        benefit = _compute(claim, requests, rules=rules, today=today, has_heir=has_heir, basis=basis, transport=transport)
        benefits.basis_fact(benefit, basis)
    return benefit


def _compute(claim: Claim, requests, *, rules, today, has_heir, basis, transport) -> Benefit:
    if claim.kind == Claim.Kind.JKM_DEATH:
        membership = membership_on(claim.worker_id, claim.event_date)
        benefit = benefits.jkm_death_benefit(
            membership_start=membership.start or claim.coverage.start_date,
            death_date=claim.event_date,
            contribution_months=contribution_month_count(claim.worker_id, claim.event_date, today=today),
            has_heir=has_heir,
            children=requests,
            early_rule=rules.early_death_rule,
            early_months=rules.early_death_months,
            early_benefit=rules.early_death_benefit,
        )
        benefit.membership = membership
        return benefit
    if claim.kind == Claim.Kind.JKK_DEATH:
        return benefits.jkk_death_benefit(basis=basis, has_heir=has_heir, children=requests, **transport)
    if claim.kind == Claim.Kind.SCHOLARSHIP:
        death = claim.death_claim
        if death is None or len(requests) != 1:
            raise BenefitError(_("Klaim beasiswa tahunan untuk tepat satu anak dari klaim kematian yang disetujui."))
        program = death.program
        return benefits.yearly_scholarship_benefit(
            child=requests[0],
            program=program,
            contribution_months=(
                contribution_month_count(claim.worker_id, death.event_date, today=today) if program == "JKM" else 0
            ),
            early_death=_early_death(death),
        )
    if claim.kind == Claim.Kind.JKK_MEDICAL:
        return benefits.jkk_medical_benefit(
            hospital_bill=claim.hospital_bill, home_care_cost=claim.home_care_cost,
            home_care_granted=home_care_granted(claim), **transport
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
    return [
        ChildRequest(s.child, s.level, married=s.married, working=s.working, school_year=s.school_year)
        for s in claim.scholarships.select_related("child")
    ]


def _children_problems(claim: Claim, children, *, filed_on: datetime.date) -> list[str]:
    """R-JKM-4 refusals of the children named on a claim, checked when it is filed (worker row locked)."""
    found = []
    if children and not claim.has_scholarships:
        found.append(_("Beasiswa hanya untuk klaim kematian atau klaim beasiswa tahunan (R-JKM-4)."))
    if claim.kind == Claim.Kind.SCHOLARSHIP and len(children) != 1:
        found.append(_("Klaim beasiswa tahunan diajukan untuk satu anak; pilih anaknya."))
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
    if found or not children:
        return found
    # Earlier scholarships of this worker's children that were not rejected (nor refused: amount 0).
    earlier = list(
        ScholarshipChild.objects.filter(claim__worker_id=claim.worker_id, amount__gt=0)
        .exclude(claim__status=Status.REJECTED).select_related("child", "claim")
    )
    holders = {row.child_id: row.child for row in earlier}
    newcomers = [c.child for c in children if c.child.pk not in holders]
    if len(holders) + len(newcomers) > benefits.SCHOLARSHIP_MAX_CHILDREN:
        found.append(_(
            "Beasiswa paling banyak untuk %(max)d anak per pekerja (R-JKM-4); sudah diberikan kepada %(names)s."
        ) % {"max": benefits.SCHOLARSHIP_MAX_CHILDREN, "names": ", ".join(sorted(h.full_name for h in holders.values()))})
    for request in children:
        year = request.school_year or benefits.school_year_of(filed_on)
        same = next((row for row in earlier if row.child_id == request.child.pk and row.school_year == year), None)
        if same:
            found.append(_(
                "%(name)s sudah mendapat beasiswa tahun ajaran %(year)s pada klaim %(number)s (R-JKM-4: satu kali setahun)."
            ) % {"name": request.child.full_name, "year": benefits.school_year_label(year), "number": same.claim.number})
    return found


def claim_review(claim: Claim, *, with_documents=True, today=None, documents=None, children=None, personal=True,
                 language: str | None = "id"):
    """(checks, benefit or None) for a claim: what the claim page shows and the verbs enforce.

    ``personal=False`` masks the children's names in the benefit's notes (readers without
    personal data, ``core.privacy.sees_personal_data``); ``language`` as compute_benefit.
    """
    facts = gather_facts(claim, with_documents=with_documents, today=today, documents=documents)
    children = _children_of(claim) if children is None else children
    benefit = None
    try:
        benefit = compute_benefit(claim, children, today=today, mask_names=not personal, language=language)
    except BenefitError as exc:
        facts.benefit_error = str(exc)
    return evaluate(claim, facts), benefit


def _ensure_eligible(claim: Claim, *, with_documents: bool, children=None) -> Benefit:
    checks, benefit = claim_review(claim, with_documents=with_documents, children=children)
    found = problems(checks)
    if found:
        raise ClaimError(found)
    return benefit


def _scholarship_amounts(benefit: Benefit, count: int) -> list[Decimal]:
    """The amount granted to each child of a claim, in the order of its children (items scholarship_N)."""
    amounts = {item.code: item.amount for item in benefit.items}
    return [amounts.get(f"scholarship_{number}", ZERO) for number in range(1, count + 1)]


# --- Payment deadline (R-SLA-1) ----------------------------------------------------------------


@dataclass(frozen=True)
class PaymentTerms:
    complete_on: datetime.date | None
    due_on: datetime.date | None
    days_late: int
    surcharge: Decimal
    amount_due: Decimal | None
    working_days: int = 0  # R-SLA-1: JKM 3, JKK 7 working days after complete documents


def payment_terms(claim: Claim, *, on: datetime.date | None = None, documents=None) -> PaymentTerms:
    """R-SLA-1: due date from complete documents, and what must be paid on ``on`` (1% a day when late)."""
    on = on or timezone.localdate()
    documents = list(claim.documents.all()) if documents is None else documents
    complete_on = documents_complete_on(required_documents(claim), documents)
    working_days = benefits.SLA_WORKING_DAYS[claim.program]
    if complete_on is None:
        return PaymentTerms(None, None, 0, ZERO, claim.benefit_amount, working_days)
    # R-SLA-1 counts working days: weekends and the public holidays of R-PAY-1's Holiday table.
    due_on = benefits.payment_due_date(claim.program, complete_on, load_holidays())
    if claim.status == Status.PAID:
        late = benefits.days_late(due_on, claim.paid_on)
        return PaymentTerms(complete_on, due_on, late, claim.late_surcharge, claim.paid_amount, working_days)
    late = benefits.days_late(due_on, on)
    surcharge = benefits.late_surcharge(claim.benefit_amount or ZERO, late)
    amount = None if claim.benefit_amount is None else claim.benefit_amount + surcharge
    return PaymentTerms(complete_on, due_on, late, surcharge, amount, working_days)


# --- Transitions -------------------------------------------------------------------------------


def _refuse_if_paid(current: Claim) -> None:
    if current.status == Status.PAID:
        raise ClaimError(
            _("Klaim %(number)s sudah dibayar pada %(day)s (referensi %(ref)s) dan tidak dapat diubah atau dibayar lagi.")
            % {"number": current.number, "day": current.paid_on.strftime("%d-%m-%Y"), "ref": current.payment_reference}
        )


def _check_move(current: Claim, to: str) -> None:
    _refuse_if_paid(current)
    refused = transitions.refusal(
        current, to, _("Klaim %(number)s berstatus %(status)s dan tidak dapat diubah menjadi %(to)s."), number=current.number
    )
    if refused:
        raise ClaimError(refused)


def _apply(current: Claim, to: str, *, by, fields=None, note="") -> Claim:
    """Set the status, ``<status>_at`` and ``<status>_by`` (and ``fields``), save them, audit the move
    under the worker (who and when are the audit row's own)."""
    stamps = {f"{to}_at": timezone.now(), f"{to}_by": by}
    return transitions.apply(current, to, by=by, fields={**stamps, **(fields or {})}, note=note, parent=current.worker,
                             unaudited=stamps, as_text=True)


@transaction.atomic(durable=True)
def submit_claim(*, claim: Claim, by, children=()) -> Claim:
    """File a new claim (Operator Kabupaten): checks eligibility except documents, computes the benefit.

    ``claim`` is unsaved (built by the form); ``children`` are ChildRequest for scholarships.
    The worker row is locked so that two death claims for one worker cannot be filed at once.
    """
    require_permission(by, "claims.add_claim", system_allowed=False)
    if claim.pk:
        raise ClaimError(_("Klaim ini sudah diajukan."))
    children = list(children)
    if claim.kind == Claim.Kind.SCHOLARSHIP:
        _attach_death_claim(claim)
    elif claim.death_claim_id:
        raise ClaimError(_("Hanya klaim beasiswa tahunan yang merujuk klaim kematian."))
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
    filed_on = timezone.localdate()
    found = _children_problems(claim, children, filed_on=filed_on)
    if found:
        raise ClaimError(found)
    children = [
        ChildRequest(c.child, c.level, c.married, c.working, c.school_year or benefits.school_year_of(filed_on))
        for c in children
    ]
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
    ScholarshipChild.objects.bulk_create([
        ScholarshipChild(claim=claim, child=c.child, level=c.level, school_year=c.school_year, married=c.married,
                         working=c.working, amount=amount)
        for c, amount in zip(children, _scholarship_amounts(benefit, len(children)), strict=True)
    ])
    changes = {
        "status": [None, claim.status],
        "kind": [None, claim.kind],
        "event_date": [None, claim.event_date.isoformat()],
        "penerima": [None, claim.payee_name],
        "benefit_amount": [None, str(claim.benefit_amount)],
    }
    if claim.death_claim_id:
        changes["death_claim"] = [None, claim.death_claim.number]
    if children:
        changes["beasiswa"] = [None, "; ".join(
            f"{c.child.full_name} {ScholarshipChild.Level(c.level).label} {benefits.school_year_label(c.school_year)}"
            for c in children)]
    record(actor=by, obj=claim, action=AuditEvent.Action.CREATE, changes=changes, parent=worker)
    return claim


def _attach_death_claim(claim: Claim) -> None:
    """A yearly scholarship claim (R-JKM-4) stands on the worker's death claim: same worker,
    coverage and event (the death); whether that claim was approved is on the checklist."""
    if not claim.death_claim_id:
        raise ClaimError(_("Pilih klaim kematian pekerja yang menjadi dasar beasiswa."))
    death = Claim.objects.get(pk=claim.death_claim_id)
    if not death.is_death:
        raise ClaimError(_("Klaim %(number)s bukan klaim kematian.") % {"number": death.number})
    if claim.worker_id and claim.worker_id != death.worker_id:
        raise ClaimError(_("Klaim kematian %(number)s bukan milik pekerja ini.") % {"number": death.number})
    claim.death_claim = death
    claim.coverage_id = death.coverage_id
    claim.event_date = death.event_date


@transaction.atomic(durable=True)
def upload_document(*, claim: Claim, kind: str, uploaded, by) -> ClaimDocument:
    """Attach a supporting document (PDF/JPEG/PNG by content, size-limited) before approval."""
    require_permission(by, "claims.add_claimdocument", system_allowed=False)
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
        parent=current.worker,
    )
    return document


@transaction.atomic(durable=True)
def verify_claim(*, claim: Claim, by, note="") -> Claim:
    """Submitted -> verified (Petugas BPJS): eligibility and every required document checked."""
    require_permission(by, "claims.verify_claim", system_allowed=False)
    current = _locked(claim)
    _check_move(current, Status.VERIFIED)
    _ensure_eligible(current, with_documents=True)
    return _apply(current, Status.VERIFIED, by=by, note=note)


@transaction.atomic(durable=True)
def approve_claim(*, claim: Claim, by, note="") -> Claim:
    """Verified -> approved (Petugas BPJS, never the one who submitted it). Fixes the benefit and, for
    a death claim, records the worker's death."""
    require_permission(by, "claims.approve_claim", system_allowed=False)
    current = _locked(claim)
    _check_move(current, Status.APPROVED)
    if current.submitted_by_id == by.pk:
        raise ClaimError(_("Anda mengajukan klaim %(number)s sendiri; klaim harus disetujui petugas lain.") % {
            "number": current.number})
    # The worker row serialises approvals that share a limit across claims: R-JKK-1's home care per
    # accident, R-JKM-4's years and total per child (claim row first, then the worker, as _record_death).
    Worker.objects.select_for_update().get(pk=current.worker_id)
    children = _children_of(current)
    benefit = _ensure_eligible(current, with_documents=True, children=children)
    fields = {"benefit_amount": benefit.total, "benefit_breakdown": benefit.as_breakdown()}
    _apply(current, Status.APPROVED, by=by, fields=fields, note=note)
    # What each child received counts against the next years' limits (R-JKM-4).
    for row, amount in zip(current.scholarships.order_by("pk"), _scholarship_amounts(benefit, len(children)), strict=True):
        if row.amount != amount:
            row.amount = amount
            row.save(update_fields=["amount"])
    if current.is_death:
        _record_death(current, by=by)
    return current


def _record_death(claim: Claim, *, by) -> None:
    """A death closes the worker's account: the date of death is recorded and every running
    coverage ends on it (enrollment.services.end_coverages_at_death), both audited; the claim's
    history names the coverages ended."""
    worker = Worker.objects.select_for_update().get(pk=claim.worker_id)
    note = _("Klaim kematian %(number)s disetujui.") % {"number": claim.number}
    if worker.died_on is None:
        worker.died_on = claim.event_date
        worker.save(update_fields=["died_on", "updated_at"])
        record(
            actor=by, obj=worker, action=AuditEvent.Action.UPDATE,
            changes={"died_on": [None, claim.event_date.isoformat()]},
            note=note,
        )
    closed = end_coverages_at_death(worker=worker, died_on=worker.died_on, by=by, note=note)
    if closed:
        record(actor=by, obj=claim, action=AuditEvent.Action.UPDATE, changes={"kepesertaan_diakhiri": [None, "; ".join(
            f"{c.funding_source.name} ({c.get_status_display()}, {c.end_date:%d-%m-%Y})" if c.status == Coverage.Status.ENDED
            else f"{c.funding_source.name} ({c.get_status_display()})" for c in closed)]}, parent=worker)


@transaction.atomic(durable=True)
def reject_claim(*, claim: Claim, by, reason: str) -> Claim:
    """Submitted or verified -> rejected (Petugas BPJS), with the reason told to the claimant."""
    require_permission(by, "claims.reject_claim", system_allowed=False)
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError(_("Alasan penolakan wajib diisi."))
    current = _locked(claim)
    _check_move(current, Status.REJECTED)
    return _apply(current, Status.REJECTED, by=by, fields={"reject_reason": reason}, note=reason)


@transaction.atomic(durable=True)
def pay_claim(*, claim: Claim, by, paid_on: datetime.date, amount, reference: str) -> Claim:
    """Approved -> paid (Petugas BPJS, never the one who submitted it): the transfer's date, amount and bank reference, exactly once.

    The amount must equal the benefit plus R-SLA-1's lateness surcharge for that date; a bank
    reference pays one claim only.
    """
    require_permission(by, "claims.pay_claim", system_allowed=False)
    current = _locked(claim)
    _check_move(current, Status.PAID)
    # Four eyes on the money as on the approval (issue 10): whoever filed the claim never records its payment.
    if current.submitted_by_id == by.pk:
        raise ClaimError(_("Anda mengajukan klaim %(number)s sendiri; pembayarannya harus dicatat petugas lain.") % {
            "number": current.number})
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
