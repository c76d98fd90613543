"""Claim documents: type told by content, size limit, private storage, and what each claim requires."""

import datetime
import pathlib
from decimal import Decimal

import pytest
from django.conf import settings

from claims.documents import MAX_DOCUMENT_BYTES, missing_documents, required_documents, sniff_content_type
from claims.models import Claim, ClaimDocument
from claims.services import ClaimError, upload_document
from demo.builders import JPEG_HEAD, file_claim, jpeg_bytes, pdf_bytes, png_bytes, upload

Kind = ClaimDocument.Kind
DEATH_DAY = datetime.date(2025, 6, 14)


def test_types_are_told_by_their_first_bytes():
    assert sniff_content_type(pdf_bytes()[:16]) == "application/pdf"
    assert sniff_content_type(png_bytes()[:16]) == "image/png"
    assert sniff_content_type(JPEG_HEAD) == "image/jpeg"
    assert sniff_content_type(b"<html><script>alert(1)</script>") is None
    assert sniff_content_type(b"MZ\x90\x00") is None  # a Windows executable
    assert sniff_content_type(b"PK\x03\x04") is None  # a .docx/.zip
    assert sniff_content_type(b"") is None


@pytest.fixture
def claim(coverage, spouse, official):
    return file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, stored_type, extension",
    [
        ("akta.pdf", pdf_bytes(), "application/pdf", ".pdf"),
        ("ktp.png", png_bytes(), "image/png", ".png"),
        ("kk.jpeg", jpeg_bytes(), "image/jpeg", ".jpg"),
        ("scan-tanpa-ekstensi", pdf_bytes(), "application/pdf", ".pdf"),
        ("foto.pdf", png_bytes(), "image/png", ".png"),  # the content decides, not the name
    ],
)
def test_pdf_jpeg_and_png_are_accepted_by_content(claim, official, name, content, stored_type, extension):
    document = upload_document(claim=claim, kind=Kind.KTP_CLAIMANT, uploaded=upload(name, content, "application/octet-stream"), by=official)
    assert document.content_type == stored_type
    assert document.original_name == name
    assert document.file.name.startswith(f"claims/{claim.pk}/") and document.file.name.endswith(extension)
    assert pathlib.Path(document.file.path).read_bytes() == content
    assert len(document.sha256) == 64 and document.size == len(content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content",
    [
        ("ktp.pdf", b"<html><body>bukan pdf</body></html>"),
        ("ktp.jpg", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("ktp.png", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_files_that_only_look_like_documents_by_name_are_refused(claim, official, name, content):
    with pytest.raises(ClaimError, match=f"{name} bukan PDF, JPEG atau PNG"):
        upload_document(claim=claim, kind=Kind.KTP_CLAIMANT, uploaded=upload(name, content, "application/pdf"), by=official)
    assert not ClaimDocument.objects.exists()


@pytest.mark.django_db
def test_files_above_the_size_limit_are_refused(claim, official):
    exactly = pdf_bytes() + b" " * (MAX_DOCUMENT_BYTES - len(pdf_bytes()))  # white space after %%EOF
    upload_document(claim=claim, kind=Kind.BANK_BOOK, uploaded=upload("pas.pdf", exactly), by=official)
    with pytest.raises(ClaimError, match=r"besar.pdf berukuran 5.0 MB; paling besar 5 MB"):
        upload_document(claim=claim, kind=Kind.BANK_BOOK, uploaded=upload("besar.pdf", exactly + b"0"), by=official)
    with pytest.raises(ClaimError, match="kosong"):
        upload_document(claim=claim, kind=Kind.BANK_BOOK, uploaded=upload("kosong.pdf", b""), by=official)
    assert ClaimDocument.objects.count() == 1


@pytest.mark.django_db
def test_documents_are_stored_under_the_private_media_root(claim, official):
    document = upload_document(claim=claim, kind=Kind.KTP_WORKER, uploaded=upload(), by=official)
    path = pathlib.Path(document.file.path).resolve()
    assert path.is_relative_to(pathlib.Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(pathlib.Path(settings.STATIC_ROOT).resolve())
    assert not any(path.is_relative_to(pathlib.Path(d).resolve()) for d in settings.STATICFILES_DIRS)


@pytest.mark.django_db
def test_media_url_is_not_routed(client, claim, official):
    document = upload_document(claim=claim, kind=Kind.KTP_WORKER, uploaded=upload(), by=official)
    client.force_login(official)
    assert client.get(settings.MEDIA_URL + document.file.name).status_code == 404


# --- What each claim requires (R-DOC-1, R-DOC-2) -------------------------------------------------------


@pytest.mark.django_db
def test_jkm_claim_by_the_spouse_requires_r_doc_1(claim):
    assert required_documents(claim) == [
        Kind.KTP_WORKER, Kind.KTP_CLAIMANT, Kind.FAMILY_CARD, Kind.DEATH_CERTIFICATE, Kind.HEIRSHIP,
        Kind.MARRIAGE_BOOK, Kind.BANK_BOOK,
    ]


@pytest.mark.django_db
def test_kpj_card_is_needed_only_without_a_kpj_number(claim):
    claim.coverage.kpj_number = ""
    assert Kind.KPJ_CARD in required_documents(claim)


@pytest.mark.django_db
def test_a_parent_needs_no_marriage_book_and_a_proxy_needs_a_power_of_attorney(coverage, parent, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=parent, filed_by_proxy=True)
    kinds = required_documents(claim)
    assert Kind.MARRIAGE_BOOK not in kinds
    assert Kind.POWER_OF_ATTORNEY in kinds


@pytest.mark.django_db
def test_funeral_arranger_proves_the_funeral_instead_of_heirship(coverage, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, arranger_name="KEPALA DESA",
                       bank_name="BRI", bank_account_number="1", bank_account_holder="KEPALA DESA")
    kinds = required_documents(claim)
    assert Kind.FUNERAL_STATEMENT in kinds and Kind.HEIRSHIP not in kinds


@pytest.mark.django_db
def test_jkk_claims_require_r_doc_2(coverage, official):
    bank = dict(bank_name="BRI", bank_account_number="1", bank_account_holder="BUDI")
    stmb = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_TEMPORARY,
                      event_date=datetime.date(2025, 3, 3), incapacity_months=2, **bank)
    assert required_documents(stmb) == [
        Kind.KPJ_CARD, Kind.KTP_WORKER, Kind.ACCIDENT_REPORT_1, Kind.ACCIDENT_REPORT_2, Kind.DOCTOR_STATEMENT]
    medical = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL,
                         event_date=datetime.date(2025, 3, 4), hospital_bill=Decimal("100000"), **bank)
    assert required_documents(medical)[-1] == Kind.RECEIPTS


@pytest.mark.django_db
def test_jkk_death_adds_the_heirs_documents(coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH, event_date=DEATH_DAY, claimant=spouse)
    kinds = required_documents(claim)
    assert {Kind.ACCIDENT_REPORT_2, Kind.DEATH_CERTIFICATE, Kind.HEIRSHIP, Kind.MARRIAGE_BOOK, Kind.BANK_BOOK} <= set(kinds)
    assert len(kinds) == len(set(kinds))


@pytest.mark.django_db
def test_missing_documents_are_listed_in_order(claim, official):
    upload_document(claim=claim, kind=Kind.KTP_WORKER, uploaded=upload(), by=official)
    upload_document(claim=claim, kind=Kind.BANK_BOOK, uploaded=upload(), by=official)
    assert missing_documents(required_documents(claim), claim.documents.all()) == [
        Kind.KTP_CLAIMANT, Kind.FAMILY_CARD, Kind.DEATH_CERTIFICATE, Kind.HEIRSHIP, Kind.MARRIAGE_BOOK]
