"""Clicking through the real pages in Chromium: the official bills, the finance office pays."""

import pytest

from demo.builders import pdf_bytes

from demo.builders import make_funding
from funding.models import ContributionBill, ContributionPayment

from .conftest import covered_workers


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_official_bills_a_quarter_and_finance_pays_it_with_proof(page, live_server, login, official, finance_officer,
                                                                   artifacts, tmp_path):
    funding = make_funding(code="DBH-SAWIT-UJI")
    covered_workers(funding, 2)

    login(page, official, f"/program/{funding.code}/tagihan/")
    page.fill("#id_first_month", "2025-01")
    page.fill("#id_last_month", "2025-03")
    page.click("#bill-form button[type=submit]")
    page.wait_for_selector("#bill-total")
    assert page.inner_text("#bill-total") == "Rp100.800"  # 2 × 3 × Rp16.800
    assert page.inner_text("#bill-status") == "Belum dibayar"
    assert page.locator("#lines tbody tr").count() == 2
    page.screenshot(path=str(artifacts / "funding-bill.png"), full_page=True)

    page.context.clear_cookies()
    proof = tmp_path / "bukti-sp2d.pdf"
    proof.write_bytes(pdf_bytes("bukti"))
    login(page, finance_officer, f"/program/{funding.code}/pembayaran/catat/")
    page.fill("#id_paid_on", "2025-01-14")
    page.fill("#id_amount", "100800")
    page.fill("#id_reference", "SP2D-2025/0114")
    page.check("input[name=bills]")
    page.set_input_files("#id_proof", str(proof))
    page.click("#payment-form button[type=submit]")
    page.wait_for_selector("#payments")
    assert "SP2D-2025/0114" in page.inner_text("#payments")

    bill = ContributionBill.objects.get()
    page.goto(f"{live_server.url}/program/{funding.code}/tagihan/{bill.pk}/")
    assert page.inner_text("#bill-status") == "Lunas"
    page.goto(f"{live_server.url}/program/{funding.code}/")
    assert page.inner_text("#paid") == "Rp100.800"
    page.screenshot(path=str(artifacts / "funding-program.png"), full_page=True)
    assert ContributionPayment.objects.get().proof.read() == proof.read_bytes()
