"""Issue 14 in Chromium: `desa` uploads the village's list (a row of another village is refused),
submits the valid rows, `operator` accepts one and rejects the other with a reason, and `desa`
sees both verdicts in the "Pengajuan desa" list and on the worker's page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.builders import make_funding, person, simple_file
from enrollment.models import Coverage, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUNUT = dict(desa="Bunut", kecamatan="Bulik", kecamatan_code="03")


def test_desa_uploads_and_sees_the_verdicts_after_operator_verifies(page, live_server, login, celery_worker,
                                                                     village_officer, official, tmp_path, artifacts):
    year = timezone.localdate().year
    program = make_funding(code="DBH-SAWIT-JALAN", name="DBH Sawit Berjalan", fiscal_year=year,
                           period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31))
    people = [person(0, name="Yohanes Bahen", **BUNUT), person(1, name="Siti Lestari", **BUNUT),
              person(2, name="Warga Guci", desa="Guci", kecamatan="Bulik", kecamatan_code="03")]
    path = simple_file(tmp_path / "Daftar Desa Bunut.xlsx", people)

    # The village uploads its list: checked by the Celery worker, the row of Guci refused.
    login(page, village_officer, "/admin/enrollment/worker/")
    page.click("text=Impor dari Excel")
    expect(page.locator("#village-note")).to_be_visible()
    page.select_option("#id_funding_source", str(program.pk))
    page.set_input_files("#id_file", path)
    page.click("input[type=submit]")
    page.wait_for_selector("#batch-errors", timeout=60_000)
    errors = page.inner_text("#batch-errors")
    assert "Guci" in errors and "di luar wilayah tugas Anda" in errors
    assert page.inner_text("#count-valid") == "2"
    page.click("#confirm-valid")
    page.wait_for_selector("#batch-committed", timeout=60_000)
    assert page.inner_text("#count-submitted") == "2"
    page.click("#submissions-link")
    expect(page.locator("#result_list")).to_contain_text("YOHANES BAHEN")
    expect(page.locator("#result_list")).to_contain_text("Diajukan desa")
    assert not Coverage.objects.exists()
    page.screenshot(path=str(artifacts / "village-submitted.png"), full_page=True)

    # The district verifies row by row: accepts one, rejects the other with a reason.
    accepted = Submission.objects.get(worker__full_name="YOHANES BAHEN")
    rejected = Submission.objects.get(worker__full_name="SITI LESTARI")
    page.context.clear_cookies()
    login(page, official, "/admin/enrollment/submission/")
    page.goto(f"{live_server.url}/admin/enrollment/submission/?status__exact=submitted")
    page.check(f"input[name=_selected_action][value='{accepted.pk}']")
    page.select_option("select[name=action]", "accept_action")
    page.click("button[name=index]")
    expect(page.locator(".messagelist .success")).to_contain_text("1 pengajuan diterima")
    page.check(f"input[name=_selected_action][value='{rejected.pk}']")
    page.select_option("select[name=action]", "reject_action")
    page.click("button[name=index]")
    page.select_option("#id_reason", "identity")
    page.fill("#id_note", "Tanggal lahir beda dengan KTP")
    page.click("#reject-apply")
    expect(page.locator(".messagelist .success")).to_contain_text("1 pengajuan ditolak")

    # The village sees both verdicts.
    page.context.clear_cookies()
    login(page, village_officer, "/admin/enrollment/submission/")
    page.goto(f"{live_server.url}/admin/enrollment/submission/")
    listing = page.locator("#result_list")
    expect(listing).to_contain_text("Didaftarkan")
    expect(listing).to_contain_text("Ditolak")
    expect(listing).to_contain_text("Data identitas tidak sesuai KTP/KK")
    expect(listing).to_contain_text("Tanggal lahir beda dengan KTP")
    page.screenshot(path=str(artifacts / "village-verdicts.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/enrollment/worker/{rejected.worker_id}/change/")
    expect(page.locator("body")).to_contain_text("Tanggal lahir beda dengan KTP")
    assert Coverage.objects.get().worker_id == accepted.worker_id
