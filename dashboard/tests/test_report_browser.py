"""Pimpinan asks for this month's report on the dashboard in Chromium, the Celery worker renders
it, and the downloaded PDF carries the figures the page shows."""

import re
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pimpinan_downloads_this_months_report_from_the_dashboard(page, live_server, login, leader, program, celery_worker, artifacts):
    month = timezone.localdate().strftime("%Y-%m")

    login(page, leader, "/dashboard/?funding=NOW")
    covered = page.locator("#covered").inner_text()
    expect(page.locator("#report-form input[name=month]")).to_have_value(month)
    page.click("#report-create")
    page.wait_for_url(re.compile(r"funding=NOW"))
    expect(page.locator(".messages")).to_contain_text("sedang dibuat")
    link = page.locator(f'#reports a[data-month="{month}"]')
    for _attempt in range(60):  # the worker renders in the background; the list shows it once stored
        if link.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(link).to_have_count(1)
    page.screenshot(path=artifacts / "dashboard-laporan-bulanan.png", full_page=True)

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith(f"laporan-bulanan-{month}-now-")
    pdf = open(download.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "LAPORAN BULANAN" in text and "Program berjalan" in text
    assert re.search(rf"Pekerja tercakup\s+{re.escape(covered)}\n", text)
