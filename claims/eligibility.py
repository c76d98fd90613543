"""Whether a claim may be paid: the checklist shown on the claim page and enforced by the verbs.

R-JKM-2 / R-PAY-2 (event inside a registered, paid coverage of the program), R-JKK-6 (JKK filed
within 5 years), R-JKM-5 (JKM does not expire), one death claim per worker, R-HEIR-1 (the entitled
heir), R-DOC-1 / R-DOC-2 (documents). ``evaluate`` is pure: ``claim_checks`` gathers the facts
(a handful of queries) and calls it.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.heirs import claimant_refusal
from enrollment.models import Coverage
from funding.services import is_protected_on

from .benefits import jkk_expiry_date
from .documents import document_label, missing_documents, required_documents
from .models import Claim


@dataclass(frozen=True)
class Check:
    code: str
    label: str  # what is checked
    ok: bool
    detail: str  # the finding, in Indonesian
    # The finding names a person, a KPJ or an account: shown only to readers who see personal data (core.privacy).
    personal: bool = False


@dataclass
class Facts:
    """What the rules need beyond the claim itself."""

    heirs: list
    other_death_claim: Claim | None
    documents: list | None  # None: documents are not checked (at submission)
    filed_on: datetime.date
    today: datetime.date
    benefit_error: str | None = None
    extra: list = field(default_factory=list)


def _date(day) -> str:
    return day.strftime("%d-%m-%Y")


def coverage_rule(claim: Claim) -> str:
    """The rule a claim's coverage check cites: R-JKM-2 for a death (not from work) and its
    scholarships, R-PAY-2 (protection in registered, paid coverage) for a work accident (JKK)."""
    return "R-JKM-2" if claim.program == "JKM" else "R-PAY-2"


def coverage_check(claim: Claim) -> Check:
    """R-JKM-2 (JKM) / R-PAY-2 (JKK): the event date lies inside a registered (active or ended)
    coverage of the claim's program."""
    coverage, program, day = claim.coverage, claim.program, claim.event_date
    label = _("Kejadian dalam masa kepesertaan %(program)s yang terdaftar (%(rule)s)") % {
        "program": program, "rule": coverage_rule(claim)}
    if coverage.worker_id != claim.worker_id:
        return Check("coverage", label, False, _("Kepesertaan ini bukan milik pekerja yang diklaim."))
    if program not in coverage.programs:
        return Check("coverage", label, False, _("Kepesertaan %(funding)s tidak mencakup program %(program)s.") % {
            "funding": coverage.funding_source.name, "program": program})
    if not coverage.is_registered:
        return Check("coverage", label, False, _("Kepesertaan berstatus %(status)s, belum atau tidak terdaftar di BPJS.") % {
            "status": coverage.get_status_display()})
    if day < coverage.start_date:
        return Check("coverage", label, False, _("Tanggal kejadian %(day)s sebelum kepesertaan mulai %(start)s.") % {
            "day": _date(day), "start": _date(coverage.start_date)})
    if day > coverage.end_date:
        return Check("coverage", label, False, _("Tanggal kejadian %(day)s sesudah kepesertaan berakhir %(end)s.") % {
            "day": _date(day), "end": _date(coverage.end_date)})
    return Check("coverage", label, True, _("%(funding)s, %(start)s s.d. %(end)s, KPJ %(kpj)s.") % {
        "funding": coverage.funding_source.name, "start": _date(coverage.start_date), "end": _date(coverage.end_date),
        "kpj": coverage.kpj_number or "—"}, personal=True)


def protection_check(claim: Claim, covered: bool, today: datetime.date) -> Check:
    """R-JKM-2 / R-PAY-2: contributions paid, so the participant was not inactive on the event date."""
    label = _("Iuran terbayar, peserta tidak nonaktif pada tanggal kejadian (R-PAY-2)")
    if not covered:
        return Check("protected", label, False, _("Tidak dapat diperiksa: tanggal kejadian di luar kepesertaan terdaftar."))
    if not is_protected_on(claim.coverage, claim.event_date, today=today):
        return Check("protected", label, False, _(
            "Pada %(day)s peserta nonaktif: 3 bulan berturut-turut iuran tidak dibayar (R-PAY-2)."
        ) % {"day": _date(claim.event_date)})
    return Check("protected", label, True, _("Terlindungi pada %(day)s.") % {"day": _date(claim.event_date)})


def event_date_check(claim: Claim, today: datetime.date) -> Check:
    label = _("Tanggal kejadian masuk akal")
    died_on = claim.worker.died_on
    if claim.event_date > today:
        return Check("event_date", label, False, _("Tanggal kejadian %(day)s belum terjadi.") % {"day": _date(claim.event_date)})
    if claim.is_death and died_on and died_on != claim.event_date:
        return Check("event_date", label, False, _(
            "Pekerja tercatat meninggal pada %(died)s, berbeda dengan tanggal kejadian %(day)s."
        ) % {"died": _date(died_on), "day": _date(claim.event_date)})
    if not claim.is_death and died_on and claim.event_date > died_on:
        return Check("event_date", label, False, _("Pekerja tercatat meninggal pada %(died)s, sebelum tanggal kejadian.") % {
            "died": _date(died_on)})
    return Check("event_date", label, True, _date(claim.event_date))


def deadline_check(claim: Claim, filed_on: datetime.date) -> Check:
    """R-JKK-6: a JKK claim is filed within 5 years of the accident; R-JKM-5: JKM never expires;
    R-JKM-4: scholarships are claimed every school year, on a death claim filed in time."""
    if claim.kind == Claim.Kind.SCHOLARSHIP:
        return Check("deadline", _("Batas waktu pengajuan (R-JKM-4)"), True,
                     _("Beasiswa diajukan setiap tahun ajaran selama anak memenuhi syarat."))
    if claim.program == "JKM":
        return Check("deadline", _("Batas waktu pengajuan (R-JKM-5)"), True,
                     _("Klaim JKM tidak kedaluwarsa selama kematian terjadi dalam masa kepesertaan."))
    label = _("Diajukan paling lambat 5 tahun sesudah kecelakaan (R-JKK-6)")
    expiry = jkk_expiry_date(claim.event_date)
    if filed_on > expiry:
        return Check("deadline", label, False, _("Klaim JKK kedaluwarsa pada %(expiry)s; diajukan %(filed)s.") % {
            "expiry": _date(expiry), "filed": _date(filed_on)})
    return Check("deadline", label, True, _("Batas pengajuan %(expiry)s.") % {"expiry": _date(expiry)})


def one_death_claim_check(other: Claim | None) -> Check:
    label = _("Satu klaim kematian per pekerja")
    if other is not None:
        return Check("one_death", label, False, _("Pekerja ini sudah mempunyai klaim kematian %(number)s (%(status)s).") % {
            "number": other.number, "status": other.get_status_display()})
    return Check("one_death", label, True, _("Belum ada klaim kematian lain."))


def claimant_check(claim: Claim, heirs: list) -> Check:
    """R-HEIR-1: the claimant belongs to the highest non-empty class of heirs; with no heir at all
    only the funeral cost is paid, to whoever arranged the funeral. A yearly scholarship is paid
    to an entitled heir (the child, or the surviving parent for a minor)."""
    label = _("Penerima berhak menurut urutan ahli waris (R-HEIR-1)")
    if not claim.pays_heir:
        if claim.claimant_id or claim.arranger_name:
            return Check("claimant", _("Penerima manfaat"), False, _("Manfaat JKK ini dibayarkan kepada pekerja sendiri."))
        return Check("claimant", _("Penerima manfaat"), True, _("Pekerja sendiri: %(name)s.") % {"name": claim.worker.full_name},
                     personal=True)
    if claim.kind == Claim.Kind.SCHOLARSHIP and claim.arranger_name:
        return Check("claimant", label, False, _("Beasiswa dibayarkan kepada ahli waris, bukan kepada yang mengurus pemakaman."))
    if not heirs:
        if claim.claimant_id:
            return Check("claimant", label, False, _("Penerima bukan ahli waris pekerja ini."))
        if not claim.arranger_name:
            return Check("claimant", label, False, _(
                "Pekerja tidak mempunyai ahli waris: isi nama yang mengurus pemakaman (hanya biaya pemakaman dibayar)."))
        return Check("claimant", label, True, _(
            "Tidak ada ahli waris: biaya pemakaman dibayar kepada %(name)s yang mengurus pemakaman.") % {"name": claim.arranger_name},
            personal=True)
    if not claim.claimant_id:
        return Check("claimant", label, False, _("Pilih ahli waris penerima; pekerja mempunyai ahli waris terdaftar."))
    refusal = claimant_refusal(claim.claimant, heirs)
    if refusal:
        return Check("claimant", label, False, refusal, personal=True)
    return Check("claimant", label, True, str(claim.claimant), personal=True)


def bank_check(claim: Claim) -> Check:
    label = _("Rekening bank penerima lengkap")
    missing = [
        str(Claim._meta.get_field(name).verbose_name)
        for name in ("bank_name", "bank_account_number", "bank_account_holder")
        if not getattr(claim, name)
    ]
    if missing:
        return Check("bank", label, False, _("Belum diisi: %(fields)s.") % {"fields": ", ".join(missing)})
    # Translators: "a.n." (atas nama) introduces the account holder's name.
    return Check("bank", label, True, _("%(bank)s a.n. %(holder)s") % {
        "bank": claim.bank_name, "holder": claim.bank_account_holder}, personal=True)


def death_claim_check(claim: Claim) -> Check:
    """R-JKM-4: a yearly scholarship follows the worker's death claim once BPJS approved it."""
    label = _("Klaim kematian pekerja sudah disetujui (R-JKM-4)")
    death = claim.death_claim
    if death is None or not death.is_death or death.worker_id != claim.worker_id:
        return Check("death_claim", label, False, _("Klaim beasiswa harus merujuk klaim kematian pekerja ini."))
    if death.status not in (Claim.Status.APPROVED, Claim.Status.PAID):
        return Check("death_claim", label, False, _(
            "Klaim kematian %(number)s berstatus %(status)s; beasiswa tahunan diajukan sesudah klaim kematian disetujui."
        ) % {"number": death.number, "status": death.get_status_display()})
    return Check("death_claim", label, True, _("Klaim kematian %(number)s (%(kind)s), %(status)s.") % {
        "number": death.number, "kind": death.get_kind_display(), "status": death.get_status_display()})


def documents_check(claim: Claim, documents: list) -> Check:
    """R-DOC-1 / R-DOC-2: every required document is present."""
    rule = "R-JKM-4" if claim.kind == Claim.Kind.SCHOLARSHIP else "R-DOC-1" if claim.program == "JKM" else "R-DOC-2"
    label = _("Dokumen wajib lengkap (%(rule)s)") % {"rule": rule}
    missing = missing_documents(required_documents(claim), documents)
    if missing:
        return Check("documents", label, False, _("Belum ada: %(kinds)s.") % {"kinds": ", ".join(document_label(k) for k in missing)})
    return Check("documents", label, True, _("Semua dokumen wajib sudah diunggah."))


def evaluate(claim: Claim, facts: Facts) -> list[Check]:
    """Every eligibility check of a claim, in the order shown on the claim page."""
    coverage = coverage_check(claim)
    checks = [
        coverage,
        protection_check(claim, coverage.ok, facts.today),
        event_date_check(claim, facts.today),
        deadline_check(claim, facts.filed_on),
    ]
    if claim.kind == Claim.Kind.SCHOLARSHIP:
        checks.append(death_claim_check(claim))
    if claim.is_death:
        checks.append(one_death_claim_check(facts.other_death_claim))
    checks.append(claimant_check(claim, facts.heirs))
    checks.append(bank_check(claim))
    label = _("Rincian manfaat dapat dihitung")
    if facts.benefit_error:
        checks.append(Check("benefit", label, False, facts.benefit_error))
    else:
        checks.append(Check("benefit", label, True, _("Lihat rincian manfaat.")))
    checks.extend(facts.extra)
    if facts.documents is not None:
        checks.append(documents_check(claim, facts.documents))
    return checks


def other_death_claim(claim: Claim) -> Claim | None:
    """Another death claim (JKM or JKK) of the same worker that was not rejected."""
    if not claim.is_death:
        return None
    others = Claim.objects.filter(worker_id=claim.worker_id, kind__in=Claim.DEATH_KINDS).exclude(status=Claim.Status.REJECTED)
    if claim.pk:
        others = others.exclude(pk=claim.pk)
    return others.order_by("pk").first()


def gather_facts(claim: Claim, *, with_documents: bool, today: datetime.date | None = None, documents=None) -> Facts:
    today = today or timezone.localdate()
    filed_on = timezone.localdate(claim.submitted_at) if claim.submitted_at else today
    if with_documents and documents is None:
        documents = list(claim.documents.all()) if claim.pk else []
    return Facts(
        heirs=list(claim.worker.heirs.all()),
        other_death_claim=other_death_claim(claim),
        documents=documents if with_documents else None,
        filed_on=filed_on,
        today=today,
    )


def problems(checks) -> list[str]:
    return [check.detail for check in checks if not check.ok]
