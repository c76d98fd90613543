"""The three handover documents as PDFs: their data, QR code, WeasyPrint rendering and storage.

- participation certificate (sertifikat kepesertaan): one per coverage;
- handover record (berita acara serah terima): one per funding source;
- benefit handover certificate (sertifikat serah terima manfaat): one per paid claim.

Each document's data is gathered into a plain dict of the strings that are printed; its hash is
the document's ``data_version``. A document is outdated when the hash of the current data differs
(derived on read: nothing listens to saves). The QR code is one SVG path (../shared/stack.md);
WeasyPrint itself, with its shared fonts and local-only URL fetcher, is in certificates.pdf.
"""

import datetime
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from claims.models import Claim
from core import queued_work
from core.roles import require_permission
from core.audit import record
from core.models import AuditEvent
from core.money import format_rupiah, rupiah
from core.privacy import mask_name, mask_nik

from enrollment.models import Coverage
from funding.services import funding_summary

from .models import Certificate

log = logging.getLogger(__name__)

ISSUING_OFFICE = "BPJS Ketenagakerjaan Kantor Cabang Pangkalan Bun"
REGENCY = "Pemerintah Kabupaten Lamandau"
REGENT_TITLE = "Bupati Lamandau"
BRANCH_HEAD_TITLE = "Kepala Kantor Cabang BPJS Ketenagakerjaan Pangkalan Bun"
# Raise when a template changes what it prints: every document then shows as outdated.
LAYOUT_VERSION = 1

TEMPLATES = {
    Certificate.Kind.PARTICIPATION: "certificates/certificate_participation.html",
    Certificate.Kind.HANDOVER: "certificates/certificate_handover.html",
    Certificate.Kind.BENEFIT: "certificates/certificate_benefit.html",
}
# A participation certificate proves registration with BPJS: only coverage with a KPJ number.
CERTIFIABLE_COVERAGE = Coverage.REGISTERED

# Errors worth another try: the database or the disk hiccupped. Anything else is recorded at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)

class CertificateError(Exception):
    """The document cannot be made from this data (explained in Indonesian); retrying will not help."""


def new_code() -> str:
    """An unguessable verification code: 128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


def verify_url(code: str) -> str:
    return settings.SITE_URL + reverse("verify", args=[code])


# --- Data ------------------------------------------------------------------------------------


def _date(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def _period(start, end) -> str:
    return f"{_date(start)} s.d. {_date(end)}"


def participation_data(coverage: Coverage) -> dict:
    worker = coverage.worker
    return {
        "name": worker.full_name,
        "nik": mask_nik(worker.nik),
        "kpj": coverage.kpj_number,
        "programs": [_program_label(p) for p in coverage.programs],
        "period": _period(coverage.start_date, coverage.end_date),
        "desa": worker.desa.name,
        "kecamatan": worker.desa.kecamatan.name,
        "funding": coverage.funding_source.name,
        "office": ISSUING_OFFICE,
    }


def _program_label(program: str) -> str:
    return {"JKK": "Jaminan Kecelakaan Kerja (JKK)", "JKM": "Jaminan Kematian (JKM)"}[program]


def handover_coverages(funding):
    """The coverages a handover record lists: every one that counts for the funding source."""
    return (
        Coverage.objects.counting()
        .filter(funding_source=funding)
        .select_related("worker__desa__kecamatan")
        .order_by("worker__desa__kecamatan__code", "worker__full_name", "pk")
    )


def handover_data(funding) -> dict:
    summary = funding_summary(funding)
    groups, current = [], None
    for number, coverage in enumerate(handover_coverages(funding), start=1):
        kecamatan = coverage.worker.desa.kecamatan
        if current is None or current["kecamatan"] != kecamatan.name:
            current = {"kecamatan": kecamatan.name, "rows": []}
            groups.append(current)
        current["rows"].append(
            [number, coverage.worker.full_name, mask_nik(coverage.worker.nik), coverage.kpj_number or "—",
             coverage.worker.desa.name]
        )
    for group in groups:
        group["count"] = len(group["rows"])
    return {
        "funding": funding.name,
        "code": funding.code,
        "kind": funding.get_kind_display(),
        "fiscal_year": funding.fiscal_year,
        "period": _period(funding.period_start, funding.period_end),
        "workers": summary["enrolled"],
        "programs": [_program_label(p) for p in funding.programs],
        "months": funding.coverage_months,
        "monthly": format_rupiah(summary["monthly_total"]),
        "cost": format_rupiah(summary["committed"]),
        "budget": format_rupiah(funding.budget),
        "groups": groups,
        "regency": REGENCY,
        "office": ISSUING_OFFICE,
        "regent_title": REGENT_TITLE,
        "branch_head_title": BRANCH_HEAD_TITLE,
    }


def benefit_items(breakdown) -> list[list[str]]:
    """The claim's itemised benefit as printed: [label, "Rp…"]. Amounts are whole-rupiah strings."""
    items = []
    for number, item in enumerate(breakdown or [], start=1):
        try:
            amount = Decimal(str(item["amount"]))
            if amount != rupiah(amount):
                raise InvalidOperation
        except (KeyError, TypeError, InvalidOperation):
            raise CertificateError(
                _("Rincian manfaat baris %(row)d: jumlah %(value)r bukan angka rupiah utuh.")
                % {"row": number, "value": item.get("amount") if isinstance(item, dict) else item}
            ) from None
        items.append([str(item.get("label") or item.get("code") or ""), format_rupiah(amount)])
    return items


def benefit_data(claim) -> dict:
    worker, coverage, heir = claim.worker, claim.coverage, claim.claimant
    return {
        "claim_kind": claim.get_kind_display(),
        "program": claim.program,
        "recipient": heir.full_name if heir else worker.full_name,
        "relationship": heir.get_relationship_display() if heir else _("Peserta sendiri"),
        "worker": worker.full_name,
        "nik": mask_nik(worker.nik),
        "kpj": coverage.kpj_number,
        "event_date": _date(claim.event_date),
        "period": _period(coverage.start_date, coverage.end_date),
        "funding": coverage.funding_source.name,
        "items": benefit_items(claim.benefit_breakdown),
        "total": format_rupiah(claim.benefit_amount) if claim.benefit_amount is not None else "",
        "paid_amount": format_rupiah(claim.paid_amount) if claim.paid_amount is not None else "",
        "paid_on": _date(claim.paid_on) if claim.paid_on else "",
        "payment_reference": claim.payment_reference,
        "office": ISSUING_OFFICE,
    }


def document_data(certificate: Certificate) -> dict:
    """What the document prints, as plain strings (the same call gives the same dict)."""
    with translation.override("id"):
        if certificate.kind == Certificate.Kind.PARTICIPATION:
            return participation_data(certificate.coverage)
        if certificate.kind == Certificate.Kind.HANDOVER:
            return handover_data(certificate.funding_source)
        return benefit_data(certificate.claim)


def version_of(data: dict) -> str:
    payload = json.dumps({"layout": LAYOUT_VERSION, "data": data}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def current_data_version(certificate: Certificate) -> str:
    try:
        return version_of(document_data(certificate))
    except CertificateError:
        return ""


def is_outdated(certificate: Certificate) -> bool:
    """A rendered document whose data changed since (a name corrected, a coverage extended)."""
    if not certificate.data_version:
        return False
    return current_data_version(certificate) != certificate.data_version


def renderable_error(certificate: Certificate) -> str | None:
    """Why this document cannot be made now, or None."""
    if certificate.kind == Certificate.Kind.PARTICIPATION:
        coverage = certificate.coverage
        if coverage.status not in CERTIFIABLE_COVERAGE or not coverage.kpj_number:
            return _("Kepesertaan %(coverage)s berstatus %(status)s: sertifikat hanya untuk kepesertaan aktif atau "
                     "berakhir yang sudah bernomor KPJ.") % {"coverage": coverage, "status": coverage.get_status_display()}
    if certificate.kind == Certificate.Kind.BENEFIT and certificate.claim.status != Claim.Status.PAID:
        return _("Klaim %(claim)s belum dibayar: sertifikat manfaat dibuat setelah pembayaran.") % {
            "claim": certificate.claim}
    return None


# --- Rendering ---------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG drawn with one <path> (stack.md: half the render time otherwise)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, border=2, omitsize=True, dark="#000")


@dataclass
class RenderedDocument:
    pdf: bytes
    pages: int
    data_version: str


class MissingAsset(Exception):
    """A bundled font or stylesheet is not where the install put it (certificates.pdf)."""


def render_pdf(html: str) -> tuple[bytes, int]:
    """HTML to PDF bytes and page count, the way every document is rendered (certificates.pdf).

    WeasyPrint, its fonts and the stylesheet load on the first render of a process, not in every
    web process and import job that only reads this module (~25 MB and 0.4 s each)."""
    from .pdf import render_pdf as render

    return render(html)


def certificate_html(certificate: Certificate, data: dict) -> str:
    url = verify_url(certificate.code)
    with translation.override("id"):
        return render_to_string(
            TEMPLATES[certificate.kind],
            {"doc": data, "code": certificate.code, "verify_url": url, "qr_svg": qr_svg(url),
             "kind_label": certificate.get_kind_display()},
        )


def build_certificate_pdf(certificate: Certificate) -> RenderedDocument:
    """Render one document from the current data. Raises CertificateError when it cannot be made."""
    error = renderable_error(certificate)
    if error:
        raise CertificateError(error)
    data = document_data(certificate)
    html = certificate_html(certificate, data)
    try:
        pdf, pages = render_pdf(html)
    except MissingAsset as exc:  # a missing bundled font or stylesheet: fix the install
        raise CertificateError(_("Berkas tampilan dokumen tidak ditemukan: %(error)s") % {"error": exc}) from exc
    return RenderedDocument(pdf=pdf, pages=pages, data_version=version_of(data))


# --- Records and storage ------------------------------------------------------------------------


SUBJECT_FIELD = {
    Certificate.Kind.PARTICIPATION: "coverage",
    Certificate.Kind.HANDOVER: "funding_source",
    Certificate.Kind.BENEFIT: "claim",
}


def certificate_for(kind: str, subject) -> Certificate:
    """The one record of this (kind, object), created on first use with its code."""
    lookup = {"kind": kind, SUBJECT_FIELD[kind]: subject}
    try:
        certificate, _created = Certificate.objects.get_or_create(**lookup, defaults={"code": new_code()})
    except IntegrityError:  # created by a concurrent request between the get and the insert
        certificate = Certificate.objects.get(**lookup)
    return certificate


def load_certificate(certificate_id: int) -> Certificate:
    return Certificate.objects.select_related(
        "coverage__worker__desa__kecamatan", "coverage__funding_source", "funding_source",
        "claim__worker", "claim__coverage__funding_source", "claim__claimant",
    ).get(pk=certificate_id)


def save_certificate_pdf(certificate: Certificate, rendered: RenderedDocument) -> Certificate:
    """Store the PDF under a new name, point the record at it, then delete the previous file.

    The new file is written before the row changes, so a crash never leaves a READY record
    without its file; the old file goes only after the commit.
    """
    name = default_storage.save(
        f"certificates/{certificate.kind}/{certificate.code}-{secrets.token_hex(4)}.pdf", ContentFile(rendered.pdf)
    )
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        previous = current.file.name
        current.file.name = name
        current.checksum = hashlib.sha256(rendered.pdf).hexdigest()
        current.data_version = rendered.data_version
        current.pages = rendered.pages
        current.status = Certificate.Status.READY
        current.error = ""
        current.rendered_at = timezone.now()
        current.save(update_fields=["file", "checksum", "data_version", "pages", "status", "error", "rendered_at", "updated_at"])
        if previous and previous != name:
            transaction.on_commit(lambda: default_storage.delete(previous))
    return current


def render_certificate_document(certificate_id: int) -> Certificate:
    """Render and store one document (idempotent: the same record, overwritten)."""
    Certificate.objects.filter(pk=certificate_id).update(attempts=F("attempts") + 1)
    certificate = load_certificate(certificate_id)
    return save_certificate_pdf(certificate, build_certificate_pdf(certificate))


def readable_error(exc: BaseException) -> str:
    """A failure as an official can read it: ours are already Indonesian; others get a prefix."""
    if isinstance(exc, CertificateError):
        return str(exc)
    if isinstance(exc, OSError):
        return _("Gagal menyimpan atau membaca berkas (%(error)s).") % {"error": exc}
    if isinstance(exc, (OperationalError, InterfaceError)):
        return _("Basis data tidak dapat dihubungi (%(error)s).") % {"error": exc}
    return _("Kesalahan tak terduga saat membuat dokumen (%(type)s: %(error)s).") % {
        "type": type(exc).__name__, "error": exc}


def record_certificate_failure(certificate_id: int, reason: str) -> None:
    Certificate.objects.filter(pk=certificate_id).update(
        status=Certificate.Status.FAILED, error=reason, updated_at=timezone.now()
    )




def request_certificate(*, kind: str, subject, by) -> Certificate:
    """Create (or reuse) the record and render it in the background after the commit."""
    require_permission(by, "certificates.render_certificate")
    with transaction.atomic():
        certificate = certificate_for(kind, subject)
        error = renderable_error(load_certificate(certificate.pk))
        if error:
            raise CertificateError(error)
        Certificate.objects.filter(pk=certificate.pk).update(attempts=0)
        record(actor=by, obj=certificate, action=AuditEvent.Action.UPDATE, note=_("Pembuatan dokumen diminta."))
        # Redis down: recorded on the record ("menunggu antrean") and sent by the sweeper later.
        queued_work.send_on_commit(certificate)  # its registered sender: certificates.tasks.send_render
    return certificate


# --- Verification --------------------------------------------------------------------------


@dataclass
class Verification:
    kind: str
    name: str
    nik: str
    period: str
    status: str
    status_code: str


def coverage_status(coverage: Coverage, today: datetime.date) -> tuple[str, str]:
    """(code, label) of a coverage as the public sees it: active, ended or cancelled."""
    if coverage.status == Coverage.Status.CANCELLED:
        return Coverage.Status.CANCELLED.value, _("Dibatalkan")
    if coverage.status == Coverage.Status.ENDED or coverage.end_date < today:
        return Coverage.Status.ENDED.value, _("Berakhir")
    if coverage.status == Coverage.Status.ACTIVE:
        return Coverage.Status.ACTIVE.value, _("Aktif")
    return coverage.status, coverage.get_status_display()


def verify_certificate(code: str, *, today: datetime.date | None = None) -> Verification | None:
    """What the public verification page may show for ``code``, or None ("tidak ditemukan").

    Only what confirms genuineness (UU 27/2022): kind, masked name and NIK, period, current status.
    """
    certificate = (
        Certificate.objects.filter(code=code, rendered_at__isnull=False)
        .select_related("coverage__worker", "funding_source", "claim__worker", "claim__coverage")
        .first()
    )
    if certificate is None:
        return None
    today = today or timezone.localdate()
    kind = certificate.get_kind_display()
    if certificate.kind == Certificate.Kind.HANDOVER:
        funding = certificate.funding_source
        status = (Coverage.Status.ENDED.value, _("Berakhir")) if funding.period_end < today else (Coverage.Status.ACTIVE.value, _("Berlaku"))
        return Verification(kind, funding.name, "", _period(funding.period_start, funding.period_end), status[1], status[0])
    coverage = certificate.coverage if certificate.kind == Certificate.Kind.PARTICIPATION else certificate.claim.coverage
    worker = coverage.worker
    code_, label = coverage_status(coverage, today)
    return Verification(kind, mask_name(worker.full_name), mask_nik(worker.nik),
                        _period(coverage.start_date, coverage.end_date), label, code_)
