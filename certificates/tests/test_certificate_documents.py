"""The three documents, rendered for real by WeasyPrint and read back (no Celery: the functions)."""

import datetime

import pytest
from django.conf import settings

from core.privacy import mask_nik
from certificates.rendering import (
    CertificateError,
    build_certificate_pdf,
    certificate_for,
    is_outdated,
    load_certificate,
    render_certificate_document,
)
from certificates.models import Certificate
from enrollment.models import Coverage, Desa

from demo.builders import decode_qr, flat, make_active_coverage, paid_death_claim, pdf_pages

pytestmark = pytest.mark.django_db


def _certificate(kind, subject):
    return load_certificate(certificate_for(kind, subject).pk)


def test_participation_certificate_prints_the_worker_and_a_qr_code_to_the_verify_page(funding):
    coverage = make_active_coverage(funding, full_name="YOHANES BAHEN")
    certificate = _certificate(Certificate.Kind.PARTICIPATION, coverage)

    rendered = build_certificate_pdf(certificate)

    [text] = [flat(page) for page in pdf_pages(rendered.pdf)]
    assert "SERTIFIKAT KEPESERTAAN" in text
    assert "YOHANES BAHEN" in text
    assert mask_nik(coverage.worker.nik) in text and coverage.worker.nik not in text
    assert coverage.kpj_number in text
    assert "Jaminan Kecelakaan Kerja (JKK), Jaminan Kematian (JKM)" in text
    assert "1 Januari 2025 s.d. 31 Desember 2025" in text
    assert funding.name in text
    assert "BPJS Ketenagakerjaan Kantor Cabang Pangkalan Bun" in text
    assert decode_qr(rendered.pdf) == [f"{settings.SITE_URL}/verify/{certificate.code}/"]


def embedded_fonts(pdf: bytes) -> set[str]:
    import io

    from pypdf import PdfReader

    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return fonts


@pytest.mark.parametrize("kind", ["participation", "handover"])
def test_documents_are_set_in_the_bundled_fonts_of_their_stylesheet(funding, kind):
    # certificate.css is applied once per process, not linked from the templates: prove it is applied.
    coverage = make_active_coverage(funding)
    subject = coverage if kind == "participation" else funding
    rendered = build_certificate_pdf(_certificate(kind, subject))
    assert {"Cert-Sans", "Cert-Sans-Bold"} <= embedded_fonts(rendered.pdf)


def test_handover_record_lists_workers_by_kecamatan_with_figures_page_numbers_and_signatures(funding):
    desa_by_kecamatan = {}
    for desa in Desa.objects.select_related("kecamatan").order_by("kecamatan__code", "name"):
        desa_by_kecamatan.setdefault(desa.kecamatan.code, desa)
    first, second = list(desa_by_kecamatan.values())[:2]
    for n in range(45):
        make_active_coverage(funding, desa=first, full_name=f"PEKERJA SATU {n:02d}")
    for n in range(30):
        make_active_coverage(funding, desa=second, full_name=f"PEKERJA DUA {n:02d}")
    certificate = _certificate(Certificate.Kind.HANDOVER, funding)

    rendered = build_certificate_pdf(certificate)

    pages = [flat(page) for page in pdf_pages(rendered.pdf)]
    assert rendered.pages == len(pages) >= 3
    assert "BERITA ACARA SERAH TERIMA" in pages[0]
    assert "Jumlah pekerja terlindungi 75 orang" in pages[0]
    # R-COST-1: 75 workers × Rp16.800 × 12 months.
    assert "Jumlah iuran Rp15.120.000" in pages[0]
    assert "Iuran per pekerja per bulan Rp16.800" in pages[0]
    assert "Anggaran Rp20.160.000" in pages[0]
    assert "Kepala Kantor Cabang BPJS Ketenagakerjaan Pangkalan Bun" in pages[0] and "Bupati Lamandau" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {len(pages)}" in page
    everything = " ".join(pages)
    assert f"Kecamatan {first.kecamatan.name} (45 pekerja)" in everything
    assert f"Kecamatan {second.kecamatan.name} (30 pekerja)" in everything
    assert everything.index("PEKERJA SATU 44") < everything.index(f"Kecamatan {second.kecamatan.name}")
    assert everything.count("PEKERJA DUA") == 30
    assert decode_qr(rendered.pdf) == [f"{settings.SITE_URL}/verify/{certificate.code}/"]


def test_benefit_certificate_itemises_the_paid_benefit(funding):
    coverage = make_active_coverage(funding, full_name="MARKUS SINAGA")
    claim = paid_death_claim(coverage)
    certificate = _certificate(Certificate.Kind.BENEFIT, claim)

    rendered = build_certificate_pdf(certificate)

    [text] = [flat(page) for page in pdf_pages(rendered.pdf)]
    assert "SERTIFIKAT SERAH TERIMA MANFAAT" in text
    assert "SITI AMINAH" in text and "Istri/suami" in text
    assert "MARKUS SINAGA" in text and mask_nik(coverage.worker.nik) in text
    # R-JKM-1: 20.000.000 + 12.000.000 + 10.000.000.
    assert "Santunan sekaligus Rp20.000.000" in text
    assert "Santunan berkala 24 bulan Rp12.000.000" in text
    assert "Biaya pemakaman Rp10.000.000" in text
    assert "Jumlah manfaat Rp42.000.000" in text
    assert claim.payment_reference in text
    assert decode_qr(rendered.pdf) == [f"{settings.SITE_URL}/verify/{certificate.code}/"]


def test_document_is_outdated_when_the_name_is_corrected_or_the_coverage_extended(funding):
    coverage = make_active_coverage(funding, full_name="BUDI SANTOS")
    certificate = render_certificate_document(certificate_for(Certificate.Kind.PARTICIPATION, coverage).pk)
    assert not is_outdated(load_certificate(certificate.pk))

    coverage.worker.full_name = "BUDI SANTOSO"
    coverage.worker.save()
    assert is_outdated(load_certificate(certificate.pk))

    rerendered = render_certificate_document(certificate.pk)
    assert not is_outdated(load_certificate(certificate.pk))
    assert rerendered.code == certificate.code  # the printed QR code stays valid

    Coverage.objects.filter(pk=coverage.pk).update(end_date=datetime.date(2026, 1, 31))
    assert is_outdated(load_certificate(certificate.pk))


def test_a_cancelled_coverage_does_not_make_its_certificate_outdated(funding):
    coverage = make_active_coverage(funding)
    certificate = render_certificate_document(certificate_for(Certificate.Kind.PARTICIPATION, coverage).pk)

    Coverage.objects.filter(pk=coverage.pk).update(status=Coverage.Status.CANCELLED, cancelled_at=datetime.datetime.now(datetime.UTC))

    # The status is not printed; the verification page shows it instead.
    assert not is_outdated(load_certificate(certificate.pk))


def test_draft_coverage_gets_no_certificate(funding):
    coverage = make_active_coverage(funding)
    Coverage.objects.filter(pk=coverage.pk).update(status=Coverage.Status.DRAFT, kpj_number="")

    with pytest.raises(CertificateError, match="sudah bernomor KPJ"):
        build_certificate_pdf(_certificate(Certificate.Kind.PARTICIPATION, coverage))


def test_a_benefit_amount_that_is_not_whole_rupiah_is_refused_with_the_row(funding):
    claim = paid_death_claim(make_active_coverage(funding), breakdown=[
        {"code": "funeral", "label": "Biaya pemakaman", "amount": "10000000"},
        {"code": "periodic", "label": "Santunan berkala", "amount": "12.000.000,50"},
    ])

    with pytest.raises(CertificateError, match="baris 2"):
        build_certificate_pdf(_certificate(Certificate.Kind.BENEFIT, claim))


def test_one_record_per_object_and_codes_are_unguessable(funding):
    coverage = make_active_coverage(funding)

    first = certificate_for(Certificate.Kind.PARTICIPATION, coverage)
    again = certificate_for(Certificate.Kind.PARTICIPATION, coverage)

    assert first.pk == again.pk
    assert Certificate.objects.filter(coverage=coverage).count() == 1
    assert len(first.code) >= 22
    other = certificate_for(Certificate.Kind.PARTICIPATION, make_active_coverage(funding))
    assert other.code != first.code


def test_a_missing_bundled_stylesheet_is_a_certificate_error_naming_it(funding, monkeypatch):
    from certificates import pdf

    certificate = _certificate(Certificate.Kind.PARTICIPATION, make_active_coverage(funding))
    monkeypatch.setattr(pdf, "STYLESHEET_PATH", "css/hilang.css")
    pdf.certificate_stylesheet.cache_clear()
    try:
        with pytest.raises(CertificateError, match="Berkas tampilan dokumen tidak ditemukan.*hilang.css"):
            build_certificate_pdf(certificate)
    finally:
        pdf.certificate_stylesheet.cache_clear()


def test_web_processes_do_not_load_weasyprint_until_a_document_is_rendered():
    """WeasyPrint and its fonts (~25 MB) load on a process's first render only (certificates.pdf)."""
    import subprocess
    import sys

    code = ("import sys, django; django.setup(); import lamandau_bpjs.urls, lamandau_bpjs.celery, certificates.tasks; "
            "assert 'weasyprint' not in sys.modules, 'weasyprint loaded'; "
            "from certificates.rendering import render_pdf; render_pdf('<p>x</p>'); assert 'weasyprint' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=settings.BASE_DIR)
