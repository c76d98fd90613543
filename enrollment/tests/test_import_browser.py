"""In Chromium: an operator uploads a village list through the admin, sees the preview with its
errors, imports the valid rows and finds the workers listed."""

import pytest

from enrollment.models import ImportBatch, Worker
from demo.builders import person, simple_file


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_uploads_previews_confirms_and_sees_the_workers(page, live_server, login, celery_worker, official,
                                                                 funding, tmp_path, artifacts):
    people = [person(0, name="Yohanes Bahen"), person(1, name="Siti Lestari", desa="Desa Atlantis"),
              person(2, name="Markus Ranying", **{"No HP": 81234567890})]
    path = simple_file(tmp_path / "Daftar Desa Kawa.xlsx", people)

    login(page, official, "/admin/enrollment/worker/")
    page.click("text=Impor dari Excel")
    page.select_option("#id_funding_source", str(funding.pk))
    page.set_input_files("#id_file", path)
    page.click("input[type=submit]")

    # The Celery worker checks the file; the page polls and shows the preview when it is ready.
    page.wait_for_selector("#batch-errors", timeout=60_000)
    errors = page.inner_text("#batch-errors")
    assert "Desa Atlantis" in errors and "R-ENR-1" in errors and "5" in errors  # row 5 as Excel shows it
    assert page.inner_text("#count-valid") == "2"
    page.screenshot(path=str(artifacts / "import-preview.png"), full_page=True)
    assert Worker.objects.count() == 0

    page.click("#confirm-valid")
    page.wait_for_selector("#batch-committed", timeout=60_000)
    assert page.inner_text("#count-created") == "2"
    page.click("#workers-link")
    listing = page.inner_text("#result_list")
    assert "YOHANES BAHEN" in listing and "MARKUS RANYING" in listing and "SITI LESTARI" not in listing
    page.screenshot(path=str(artifacts / "import-workers-listed.png"), full_page=True)
    assert ImportBatch.objects.get().status == "committed"
