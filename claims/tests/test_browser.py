"""In Chromium: operator files a JKM claim with documents; bpjs verifies, approves and records payment;
the claim shows Rp42.000.000 itemised; pimpinan sees it read-only. Then a yearly scholarship (R-JKM-4)
filed from the paid death claim."""

import datetime

import pytest
from django.utils import timezone

from claims.documents import document_label, required_documents
from claims.models import Claim
from demo.builders import make_coverage, make_paid_claim, pdf_bytes
from core.privacy import mask_name, mask_nik
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Heir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, login, user, url):
    page = browser.new_context().new_page()
    login(page, user, url)
    return page


def test_jkm_claim_from_filing_to_payment(browser, live_server, login, official, bpjs_staff, leader, artifacts):
    worker = make_worker(full_name="YOHANES BAHEN")
    coverage = make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    spouse = make_heir(worker, full_name="MARIA BAHEN", bank_name="Bank Kalteng", bank_account_number="0012345678",
                       bank_account_holder="MARIA BAHEN")

    # The district official files the claim and uploads the documents.
    page = signed_in(browser, login, official, f"/klaim/baru/?nik={worker.nik}")
    page.select_option("#id_coverage", str(coverage.pk))
    page.select_option("#id_kind", Claim.Kind.JKM_DEATH)
    page.fill("#id_event_date", "2025-06-14")
    page.fill("#id_event_place", "Nanga Bulik")
    page.select_option("#id_claimant", str(spouse.pk))
    page.click("#submit-claim")
    page.wait_for_selector("#claim-status")
    claim = Claim.objects.get()
    assert page.url.endswith(f"/klaim/{claim.pk}/")
    assert page.inner_text("#claim-status") == "Diajukan"
    assert page.get_attribute('[data-check="documents"]', "data-ok") == "0"
    for kind in required_documents(claim):
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(kind)})
        page.click("#upload")
        page.wait_for_selector(f"text={document_label(kind)}: {kind}.pdf diunggah")
    assert page.get_attribute('[data-check="documents"]', "data-ok") == "1"
    assert page.query_selector("#verify") is None and page.query_selector("#approve") is None

    # BPJS branch staff verify, approve and record the transfer.
    page = signed_in(browser, login, bpjs_staff, f"/klaim/{claim.pk}/")
    page.click("#verify")
    page.wait_for_selector("text=diverifikasi.")
    assert page.inner_text("#claim-status") == "Diverifikasi"
    page.click("#approve")
    page.wait_for_selector("text=disetujui.")
    assert page.input_value("#id_amount") == "42000000"
    page.fill("#id_reference", "BKT-2025-000123")
    page.click("#pay")
    page.wait_for_selector("text=Pembayaran klaim")
    assert page.inner_text("#claim-status") == "Dibayar"
    breakdown = page.inner_text("#breakdown")
    for text in ("Santunan sekaligus (R-JKM-1)", "Rp20.000.000", "Rp12.000.000", "Biaya pemakaman (R-JKM-1)",
                 "Rp10.000.000", "Rp42.000.000"):
        assert text in breakdown
    assert page.inner_text("#payment-reference") == "BKT-2025-000123"
    assert "Rp42.000.000" in page.inner_text("#paid")
    page.screenshot(path=str(artifacts / "claim-paid-bpjs.png"), full_page=True)

    # The regent's office reads the same claim: figures, no personal data, no buttons.
    page = signed_in(browser, login, leader, f"/klaim/{claim.pk}/")
    assert page.inner_text("#claim-status") == "Dibayar"
    assert page.inner_text("#benefit-total") == "Rp42.000.000"
    assert page.inner_text("#worker-nik") == mask_nik(worker.nik)
    content = page.content()
    assert worker.nik not in content and "0012345678" not in content
    # UU 27/2022: masked name, the heir's relationship only, no KPJ, desa or bank (issue 2).
    assert page.inner_text("#worker-name") == mask_name("YOHANES BAHEN")
    assert page.inner_text("#payee-name") == "Ahli waris: Istri/suami"
    for private in ("YOHANES BAHEN", "MARIA BAHEN", "Bank Kalteng", coverage.kpj_number, worker.desa.name, "BKT-2025-000123"):
        assert private not in content
    assert page.query_selector("#actions") is None and page.query_selector("#upload-form") is None
    assert page.query_selector("#documents a") is None
    page.screenshot(path=str(artifacts / "claim-paid-pimpinan.png"), full_page=True)

    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount, claim.paid_on) == ("paid", 42_000_000, timezone.localdate())


def upload_all(page, claim):
    for kind in required_documents(claim):
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(kind)})
        page.click("#upload")
        page.wait_for_selector(f"text={document_label(kind)}: {kind}.pdf diunggah")


def test_yearly_scholarship_from_the_death_claim(browser, live_server, login, official, bpjs_staff, leader, artifacts):
    worker = make_worker(full_name="YOHANES BAHEN")
    coverage = make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    spouse = make_heir(worker, full_name="MARIA BAHEN", bank_account_holder="MARIA BAHEN")
    child = make_heir(worker, relationship=Heir.Relationship.CHILD, full_name="AGUSTINUS BAHEN",
                      birth_date=datetime.date(2010, 3, 1),
                      bank_name="", bank_account_number="", bank_account_holder="")
    death = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, kind=Claim.Kind.JKK_DEATH,
                            event_date=datetime.date(2025, 6, 14), claimant=spouse)

    page = signed_in(browser, login, official, f"/klaim/{death.pk}/")
    page.click("#file-scholarship")
    page.wait_for_selector("#scholarship-form")
    page.select_option("#id_death_claim", str(death.pk))
    page.select_option("#id_claimant", str(spouse.pk))
    page.select_option("#id_child", str(child.pk))
    page.select_option("#id_level", "sma")
    page.click("#submit-claim")
    page.wait_for_selector("#claim-status")
    claim = Claim.objects.get(kind=Claim.Kind.SCHOLARSHIP)
    assert page.inner_text("#benefit-total") == "Rp3.000.000"
    assert "AGUSTINUS BAHEN" in page.inner_text("#scholarships")
    upload_all(page, claim)

    page = signed_in(browser, login, bpjs_staff, f"/klaim/{claim.pk}/")
    page.click("#verify")
    page.wait_for_selector("text=diverifikasi.")
    page.click("#approve")
    page.wait_for_selector("text=disetujui.")
    assert page.inner_text("#claim-status") == "Disetujui"
    assert page.inner_text("#death-claim").startswith(death.number)

    page = signed_in(browser, login, leader, f"/klaim/{claim.pk}/")
    assert "Anak" in page.inner_text("#scholarships")
    content = page.content()
    for private in ("AGUSTINUS BAHEN", "MARIA BAHEN", "YOHANES BAHEN"):
        assert private not in content
    page.screenshot(path=str(artifacts / "scholarship-approved-pimpinan.png"), full_page=True)


def test_bpjs_officer_approves_a_sea_transport_claim_reading_the_cap(browser, live_server, login, official, bpjs_staff,
                                                                      artifacts):
    """Issue 15: Rp3.500.000 claimed for sea transport, Rp2.000.000 cap (R-JKK-2), both on the page."""
    from decimal import Decimal

    from demo.builders import file_claim, upload_required

    worker = make_worker(full_name="YOSEF LAUT")
    coverage = make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    claim = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL, event_date=datetime.date(2025, 6, 14),
                       transport_mode="sea", transport_cost=Decimal("3500000"),
                       bank_name="BRI", bank_account_number="123", bank_account_holder="YOSEF LAUT")
    upload_required(claim, by=official)

    page = signed_in(browser, login, bpjs_staff, f"/klaim/{claim.pk}/")
    assert page.inner_text("#claim-title") == "JKK — biaya angkutan"
    transport = '#claimed tr[data-claimed="transport"]'
    assert page.inner_text(f"{transport} td.claimed") == "Rp3.500.000"
    assert page.inner_text(f"{transport} td.cap").startswith("Rp2.000.000")
    assert page.inner_text(f"{transport} td.granted").startswith("Rp2.000.000")
    assert page.inner_text(f"{transport} td.rule") == "R-JKK-2"
    assert "(R-PAY-2)" in page.inner_text('[data-check="coverage"]')
    page.click("#verify")
    page.wait_for_selector("text=diverifikasi.")
    page.click("#approve")
    page.wait_for_selector("text=disetujui.")
    assert page.inner_text("#claim-status") == "Disetujui"
    assert page.inner_text("#benefit-total") == "Rp2.000.000"
    assert page.inner_text(f"{transport} td.claimed") == "Rp3.500.000"
    assert "7 hari kerja" in page.inner_text('#facts-table tr[data-fact="due"]')
    history = page.inner_text("#history")
    assert "Status: Diverifikasi → Disetujui" in history and "Jumlah manfaat: — → Rp2.000.000" in history
    assert "approved" not in history and "jkk_medical" not in history
    page.screenshot(path=str(artifacts / "claim-sea-transport-approved.png"), full_page=True)
