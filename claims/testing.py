"""Builders for claims in tests, benchmarks and the demo: valid coverage, documents and claims made
through the real verbs (so every rule and the audit trail apply to them too)."""

import datetime
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.models import Coverage

from .documents import required_documents
from .models import Claim
from .services import approve_claim, pay_claim, payment_terms, submit_claim, upload_document, verify_claim


def pdf_bytes(text: str = "Dokumen contoh") -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII), built by hand: no renderer needed."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text.replace('(', '[').replace(')', ']')}) Tj ET".encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes() -> bytes:
    """A valid 1×1 white PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


# The first bytes of a JPEG (SOI + JFIF APP0): sniffing says JPEG, the whole parse does not.
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def jpeg_bytes() -> bytes:
    """A valid 8×8 grey JPEG, encoded by Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, "JPEG")
    return out.getvalue()


def upload(name="dokumen.pdf", content=None, content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type=content_type)


def make_coverage(worker, funding, *, start=None, end=None, status=Coverage.Status.ACTIVE, jkk=True, jkm=True, kpj=None,
                  paid=True):
    """A coverage registered at BPJS (active by default) without going through enrolment, its
    contributions billed and paid in advance unless ``paid=False`` (R-PAY-2: only paid months protect)."""
    start = start or funding.period_start
    end = end or funding.period_end
    registered = status in Coverage.REGISTERED
    coverage = Coverage.objects.create(
        worker=worker, funding_source=funding, jkk=jkk, jkm=jkm, start_date=start, end_date=end,
        income_basis=funding.income_basis, status=status,
        kpj_number=(kpj or f"24{worker.pk:09d}") if registered else "",
        registered_on=start if registered else None,
        cancelled_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) if status == Coverage.Status.CANCELLED else None,
    )
    if registered and paid:
        pay_contributions(coverage)
    return coverage


def pay_contributions(coverage, *, paid_on=None):
    """Bill the coverage's months and pay the bill in full, as the regency does (R-PAY-1)."""
    from funding.billing import prepare_bill, record_payment

    bill = prepare_bill(funding=coverage.funding_source, first_month=coverage.start_date, last_month=coverage.end_date, by=None)
    record_payment(
        funding=coverage.funding_source, paid_on=paid_on or coverage.start_date, amount=bill.total,
        reference=f"IURAN-{bill.pk}", bills=[bill], by=None,
    )
    return bill


def file_claim(*, coverage, by, kind=Claim.Kind.JKM_DEATH, event_date=None, children=(), **fields) -> Claim:
    """Submit a claim through ``submit_claim``."""
    claim = Claim(
        worker=coverage.worker, coverage=coverage, kind=kind,
        event_date=event_date or coverage.start_date + datetime.timedelta(days=120), **fields,
    )
    return submit_claim(claim=claim, by=by, children=children)


def upload_required(claim: Claim, *, by) -> None:
    """Upload one small PDF for each document kind the claim requires."""
    claim.refresh_from_db()
    for kind in required_documents(claim):
        upload_document(claim=claim, kind=kind, uploaded=upload(f"{kind}.pdf", pdf_bytes(kind)), by=by)


def pay_in_full(claim: Claim, *, by, reference: str, paid_on=None) -> Claim:
    """Record payment of exactly what is due on ``paid_on`` (today by default)."""
    claim.refresh_from_db()
    paid_on = paid_on or timezone.localdate()
    due = payment_terms(claim, on=paid_on).amount_due
    return pay_claim(claim=claim, by=by, paid_on=paid_on, amount=due, reference=reference)


def make_paid_claim(*, coverage, submitter, staff, reference="TRF-0001", **fields) -> Claim:
    """A claim taken through the whole workflow: submitted, documents, verified, approved, paid."""
    claim = file_claim(coverage=coverage, by=submitter, **fields)
    upload_required(claim, by=submitter)
    verify_claim(claim=claim, by=staff)
    approve_claim(claim=claim, by=staff)
    return pay_in_full(claim, by=staff, reference=reference)

