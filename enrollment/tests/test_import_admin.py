"""The admin pages of the exchange: upload, preview by a real Celery worker, confirm, downloads, roles."""

import io
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from demo.builders import make_nik, make_worker
from enrollment.models import BpjsExport, Coverage, Desa, ImportBatch, Worker
from enrollment.services import enroll_workers
from demo.builders import person, simple_file

UPLOAD = "admin:enrollment_importbatch_upload"
UPLOAD_ANSWER = "admin:enrollment_importbatch_upload_answer"


def wait_for(batch, *, timeout=60):
    """Until the Celery worker has finished with the batch (the page polls the same row)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if not batch.is_running:
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch still {batch.status} after {timeout} s")


def upload(client, tmp_path, funding, people, name="desa.xlsx"):
    path = simple_file(tmp_path / name, people)
    with open(path, "rb") as handle:
        response = client.post(reverse(UPLOAD), {"funding_source": funding.pk, "file": handle})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk"), response


@pytest.mark.django_db(transaction=True)
def test_upload_preview_confirm_valid_rows_and_download_the_rejected_ones(client, tmp_path, celery_worker, official,
                                                                        funding):
    client.force_login(official)
    batch, response = upload(client, tmp_path, funding, [person(0), person(1, desa="Atlantis"), person(2)])
    assert response["Location"] == reverse("admin:enrollment_importbatch_change", args=[batch.pk])
    wait_for(batch)
    assert batch.status == "checked" and Worker.objects.count() == 0  # the preview never writes
    assert (batch.result["rows"], batch.result["valid"], batch.result["error_count"]) == (3, 2, 1)

    page = client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).content.decode()
    assert "Atlantis" in page and 'id="confirm-valid"' in page and 'id="confirm-all"' not in page

    errors = client.get(reverse("admin:enrollment_importbatch_errors", args=[batch.pk]))
    assert errors.status_code == 200 and "attachment" in errors["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][7] == "Atlantis" and "Atlantis" in rows[1][-1]

    response = client.post(reverse("admin:enrollment_importbatch_confirm", args=[batch.pk]), {"skip_invalid": "1"})
    assert response.status_code == 302
    wait_for(batch)
    assert batch.status == "committed" and batch.skip_invalid
    assert (batch.result["created"], batch.result["committed"]) == (2, True)
    assert Worker.objects.count() == 2 and Coverage.objects.filter(status="draft", created_by=official).count() == 2
    page = client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).content.decode()
    assert 'id="workers-link"' in page
    # A second confirmation does nothing.
    client.post(reverse("admin:enrollment_importbatch_confirm", args=[batch.pk]), {"skip_invalid": "1"})
    assert Worker.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_file_level_problem_rejects_the_upload_with_its_message(client, tmp_path, celery_worker, official, funding):
    client.force_login(official)
    path = tmp_path / "daftar.xlsx"
    path.write_text("bukan excel")
    with open(path, "rb") as handle:
        client.post(reverse(UPLOAD), {"funding_source": funding.pk, "file": handle})
    batch = wait_for(ImportBatch.objects.latest("pk"))
    assert batch.status == "rejected" and "bukan berkas Excel .xlsx" in batch.message
    page = client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).content.decode()
    assert "bukan berkas Excel .xlsx" in page and "confirm" not in page


@pytest.mark.django_db(transaction=True)
def test_bpjs_staff_upload_the_answer_and_the_coverage_becomes_active(client, tmp_path, celery_worker, official,
                                                                      bpjs_staff, funding):
    workers = [make_worker(desa=Desa.objects.get(name="Kawa"), nik=make_nik(serial=200 + i)) for i in range(2)]
    enroll_workers(funding=funding, workers=workers, start=funding.period_start, by=None)
    client.force_login(official)
    changelist = reverse("admin:enrollment_coverage_changelist")
    response = client.post(changelist, {"action": "export_bpjs_action", "_selected_action": list(
        Coverage.objects.values_list("pk", flat=True))})
    assert response.status_code == 302
    export = BpjsExport.objects.get()
    download = client.get(reverse("admin:enrollment_bpjsexport_download", args=[export.pk]))
    assert download.status_code == 200
    from enrollment.tests.test_bpjs_exchange import answer_from_export

    answer = answer_from_export(tmp_path, export)
    client.force_login(bpjs_staff)
    with open(answer, "rb") as handle:
        assert client.post(reverse(UPLOAD_ANSWER), {"file": handle}).status_code == 302
    batch = wait_for(ImportBatch.objects.latest("pk"))
    assert batch.kind == "bpjs_answer" and batch.status == "checked" and batch.result["valid"] == 2
    client.post(reverse("admin:enrollment_importbatch_confirm", args=[batch.pk]))
    wait_for(batch)
    assert batch.status == "committed"
    assert set(Coverage.objects.values_list("status", flat=True)) == {"active"}


@pytest.mark.django_db
def test_who_may_open_which_page(client, official, bpjs_staff, leader, outsider, tmp_path, funding):
    pages = {UPLOAD: {official}, UPLOAD_ANSWER: {bpjs_staff}, "admin:enrollment_bpjsexport_add": {official}}
    for name, allowed in pages.items():
        for user in (official, bpjs_staff, leader):
            client.force_login(user)
            assert client.get(reverse(name)).status_code == (200 if user in allowed else 403), (name, user)
        client.force_login(outsider)  # not staff: the admin sends him to its login page
        assert client.get(reverse(name)).status_code == 302
    batch = ImportBatch.objects.create(kind="workers", funding_source=funding, original_name="a.xlsx", file="imports/a.xlsx",
                                       created_by=official, status="checked", result={"valid": 1})
    client.force_login(bpjs_staff)  # the worker lists are the operator's
    assert client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).status_code == 403
    assert client.get(reverse("admin:enrollment_importbatch_status", args=[batch.pk])).status_code == 403
    client.force_login(official)
    assert client.get(reverse("admin:enrollment_importbatch_confirm", args=[batch.pk])).status_code == 405
    status = client.get(reverse("admin:enrollment_importbatch_status", args=[batch.pk])).json()
    assert status == {"status": "checked", "status_display": "Pratinjau siap", "progress": 0, "rows_read": 0,
                      "rows_read_display": "0 baris dibaca", "running": False}
    assert client.get(reverse("admin:enrollment_importbatch_errors", args=[batch.pk])).status_code == 404


@pytest.mark.django_db
def test_the_upload_form_refuses_other_file_types(client, official, funding, tmp_path):
    client.force_login(official)
    path = tmp_path / "daftar.csv"
    path.write_text("NIK;Nama\n")
    with open(path, "rb") as handle:
        response = client.post(reverse(UPLOAD), {"funding_source": funding.pk, "file": handle})
    assert response.status_code == 200 and "simpan dulu sebagai .xlsx" in response.content.decode()
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_the_batch_list_shows_each_role_its_own_kind(client, official, bpjs_staff, funding, django_assert_max_num_queries):
    for i in range(3):
        ImportBatch.objects.create(kind="workers", funding_source=funding, original_name=f"w{i}.xlsx", file="x",
                                   created_by=official)
    ImportBatch.objects.create(kind="bpjs_answer", original_name="jawaban.xlsx", file="y", created_by=bpjs_staff)
    client.force_login(bpjs_staff)
    page = client.get(reverse("admin:enrollment_importbatch_changelist")).content.decode()
    assert "jawaban.xlsx" in page and "w0.xlsx" not in page
    client.force_login(official)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:enrollment_importbatch_changelist")).content.decode()
    assert "w2.xlsx" in page and "jawaban.xlsx" not in page and "Impor daftar pekerja" in page
    for i in range(3, 30):
        ImportBatch.objects.create(kind="workers", funding_source=funding, original_name=f"w{i}.xlsx", file="x",
                                   created_by=official)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:enrollment_importbatch_changelist"))


@pytest.mark.django_db
def test_a_running_batch_page_shows_the_progress_and_polls_so_a_reload_loses_nothing(client, official, funding):
    batch = ImportBatch.objects.create(kind="workers", funding_source=funding, original_name="besar.xlsx", file="x",
                                       created_by=official, status="checking", progress=42, rows_read=42000)
    client.force_login(official)
    page = client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).content.decode()
    assert 'value="42"' in page and "42000 baris dibaca" in page and "import-batch.js" in page
    assert reverse("admin:enrollment_importbatch_status", args=[batch.pk]) in page


@pytest.mark.django_db
def test_large_files_report_their_progress_while_being_read(tmp_path, funding):
    from enrollment.imports import import_workers
    from demo.builders import HEADERS, rows_of, write_xlsx

    people = [person(i, NIK=make_nik(serial=i + 1, kecamatan="01")) for i in range(2500)]
    path = write_xlsx(tmp_path / "besar.xlsx", {"D": [HEADERS, *rows_of(people)]})
    seen = []
    result = import_workers(path, funding=funding, by=None, dry_run=True, progress=lambda done, total: seen.append(done))
    assert result.valid == 2500
    assert seen[:2] == [1000, 2000] and seen[-1] == 2501  # every 1,000 rows, then the end


@pytest.mark.django_db
def test_the_export_list_keeps_its_queries_constant_and_downloads_are_role_checked(client, official, bpjs_staff, leader,
                                                                                 funding, django_assert_max_num_queries):
    from django.core.files.base import ContentFile

    def add_exports(count):
        for _ in range(count):
            export = BpjsExport(funding_source=funding, rows=1, created_by=official)
            export.file.save("x.xlsx", ContentFile(b"PK"), save=True)

    add_exports(2)
    client.force_login(official)
    url = reverse("admin:enrollment_bpjsexport_changelist")
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    add_exports(20)
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert page.count("unduh .xlsx") == 22
    export = BpjsExport.objects.first()
    client.force_login(bpjs_staff)  # BPJS receives the exports
    assert client.get(reverse("admin:enrollment_bpjsexport_download", args=[export.pk])).status_code == 200
    client.force_login(leader)
    assert client.get(reverse("admin:enrollment_bpjsexport_download", args=[export.pk])).status_code == 403
