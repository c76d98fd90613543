"""In Chromium: the operator renders a funding source's certificates and checks one by its code."""

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate

from demo.builders import make_active_coverage, pdf_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def test_operator_renders_the_batch_downloads_the_merged_pdf_and_verifies_a_certificate(
    page, live_server, login, official, funding, artifacts
):
    coverages = [make_active_coverage(funding, full_name=f"PESERTA UPACARA {n:02d}") for n in range(12)]

    login(page, official, "/admin/certificates/certificatebatch/add/")
    page.select_option("#id_funding_source", label=funding.name)
    page.click("input[name=start]")

    expect(page.locator("#batch-percent")).to_have_text("100%", timeout=60_000)
    expect(page.locator("#batch-done")).to_have_text("12")
    page.screenshot(path=artifacts / "certificate-batch-done.png", full_page=True)
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    merged = download_info.value.path()
    texts = pdf_pages(str(merged))
    assert len(texts) == 12
    assert sorted(c.kpj_number for c in coverages) == sorted(
        next(w for w in text.split() if w.startswith("25") and len(w) == 11) for text in texts
    )

    code = Certificate.objects.get(coverage=coverages[0]).code
    page.goto(f"{live_server.url}/verify/{code}/")
    expect(page.locator("#verify-result")).to_contain_text("asli")
    expect(page.locator("#verify-status")).to_have_text("Berakhir")  # the 2025 program is over
    page.screenshot(path=artifacts / "certificate-verify.png", full_page=True)
