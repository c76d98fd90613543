"""Issue 2's walk-through in Chromium: an official adds a worker with an heir, sees a clear
Indonesian error for an invalid NIK, and enrols the worker in a program."""

import re

import pytest
from playwright.sync_api import expect

from demo.builders import make_funding
from enrollment.models import Coverage, Worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_official_adds_a_worker_with_an_heir_and_enrols_him(page, live_server, official, login, artifacts):
    make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025")
    login(page, official)
    page.goto(f"{live_server.url}/admin/enrollment/worker/add/")

    page.fill("#id_nik", "6209 0112 0580 001")  # one digit short
    page.fill("#id_full_name", "budi  santoso")
    page.fill("#id_birth_place", "Nanga Bulik")
    page.fill("#id_birth_date", "12-05-1980")
    page.select_option("#id_sex", "L")
    page.select_option("#id_desa", label="Sungai Tuat — Lamandau")
    page.fill("#id_phone", "0812-3456-7890")
    page.select_option("#id_heirs-0-relationship", "spouse")
    page.fill("#id_heirs-0-full_name", "Siti Aminah")
    page.fill("#id_heirs-0-bank_name", "Bank Kalteng")
    page.fill("#id_heirs-0-bank_account_number", "0012345678")
    page.fill("#id_heirs-0-bank_account_holder", "Siti Aminah")
    page.click("input[name=_save]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-nik .errorlist")).to_contain_text("NIK harus tepat 16 angka")
    page.screenshot(path=str(artifacts / "worker-invalid-nik.png"), full_page=True)
    assert not Worker.objects.exists()

    page.fill("#id_nik", "6209 0112 0580 0001")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    worker = Worker.objects.get(nik="6209011205800001")
    assert worker.full_name == "BUDI SANTOSO"
    assert worker.heirs.get().full_name == "SITI AMINAH"

    # Enrol from the worker list with the named action.
    page.goto(f"{live_server.url}/admin/enrollment/worker/")
    page.check(f"input[name=_selected_action][value='{worker.pk}']")
    page.select_option("select[name=action]", "enroll_action")
    page.click("button[name=index]")
    page.select_option("#id_funding_source", label="DBH Sawit 2025")
    page.fill("#id_start_date", "2025-01-01")
    page.click("input[type=submit][value=Daftarkan]")
    expect(page.locator(".messagelist .success")).to_contain_text("1 pekerja didaftarkan")

    page.goto(f"{live_server.url}/admin/enrollment/coverage/")
    expect(page.locator("#result_list")).to_contain_text("BUDI SANTOSO")
    expect(page.locator("#result_list")).to_contain_text(re.compile("Draf"))
    coverage = Coverage.objects.get(worker=worker)
    assert (coverage.status, str(coverage.end_date)) == ("draft", "2025-12-31")
