"""Issue 14: a village uploads its Excel list through the same import; rows of other villages are
row errors, and the commit writes workers and submissions, never coverages."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.models import AuditEvent
from demo.builders import make_funding, person, simple_file, worker_in
from enrollment.imports import import_workers
from enrollment.models import Coverage, Heir, ImportBatch, Submission, Worker
from enrollment.submissions import reject_submissions, submit_workers

BUNUT = dict(desa="Bunut", kecamatan="Bulik", kecamatan_code="03")


@pytest.fixture
def program(db):
    year = timezone.localdate().year
    return make_funding(code="DBH-SAWIT-JALAN", name="DBH Sawit Berjalan", fiscal_year=year, quota=1,
                        period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31))


def village_file(tmp_path, people):
    return simple_file(tmp_path / "Daftar Desa Bunut.xlsx", people)


def test_rows_of_another_village_are_row_errors(village_officer, program, tmp_path):
    path = village_file(tmp_path, [person(0, **BUNUT), person(1, desa="Guci", kecamatan="Bulik", kecamatan_code="03"),
                                   person(2)])  # person(2): Kawa, Kecamatan Lamandau
    result = import_workers(path, funding=program, by=village_officer, dry_run=True)
    assert result.valid == 1
    errors = {p.row: p for p in result.errors}
    assert set(errors) == {5, 6}  # rows as Excel shows them (two title rows, the header)
    assert errors[5].column == "Desa" and errors[5].value == "Guci"
    assert "Baris 5, kolom Desa" in errors[5].message and "di luar wilayah tugas Anda" in errors[5].message
    assert "Kawa" in errors[6].message


def test_the_village_commit_writes_submissions_not_coverages(village_officer, program, tmp_path):
    people = [person(i, **BUNUT) for i in range(3)]  # three rows for a quota of one: checked at the verdict
    people[0].update({"Nama Ahli Waris": "Siti", "Hubungan Ahli Waris": "istri"})
    headers = ["No", "NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "Desa", "Kecamatan", "Nama Ahli Waris",
               "Hubungan Ahli Waris"]
    path = simple_file(tmp_path / "bunut.xlsx", people, headers=headers)
    batch = ImportBatch.objects.create(kind="workers", funding_source=program, original_name="bunut.xlsx",
                                       file="imports/bunut.xlsx", created_by=village_officer)
    result = import_workers(path, funding=program, by=village_officer, batch=batch)
    assert (result.errors, result.committed, result.created, result.submitted, result.enrolled) == ([], True, 3, 3, 0)
    assert not Coverage.objects.exists()
    assert Heir.objects.count() == 1
    rows = Submission.objects.order_by("pk")
    assert [(s.status, s.import_batch_id, s.submitted_by) for s in rows] == [("submitted", batch.pk, village_officer)] * 3
    worker = rows[0].worker
    submission_type = ContentType.objects.get_for_model(Submission)
    audit = AuditEvent.objects.get(content_type=submission_type, object_id=str(rows[0].pk))
    assert (audit.action, audit.parent_id, audit.changes["status"]) == ("import", str(worker.pk), [None, "submitted"])


def test_a_registered_worker_of_another_village_is_refused_without_his_name(village_officer, program, tmp_path):
    guci = worker_in("62.09.03.2002", full_name="WARGA GUCI")
    row = person(0, nik=guci.nik, birth_date=guci.birth_date, **BUNUT)
    result = import_workers(village_file(tmp_path, [row]), funding=program, by=village_officer, dry_run=True)
    assert result.valid == 0
    assert "sudah terdaftar di luar wilayah tugas Anda" in result.errors[0].message
    assert not any("WARGA GUCI" in p.message for p in result.errors + result.warnings)


def test_a_registered_villager_is_submitted_once(village_officer, official, program, tmp_path):
    mine = worker_in("62.09.03.2006", full_name="WARGA BUNUT")
    submit_workers([mine], program, village_officer)
    row = person(0, nik=mine.nik, birth_date=mine.birth_date, name="Warga Bunut", **BUNUT)
    result = import_workers(village_file(tmp_path, [row]), funding=program, by=village_officer, dry_run=True)
    assert result.valid == 0 and "sudah diajukan" in result.errors[0].message
    reject_submissions(list(Submission.objects.all()), official, Submission.Reason.DOCUMENTS)
    result = import_workers(village_file(tmp_path, [row]), funding=program, by=village_officer, dry_run=True)
    assert "ajukan ulang" in result.errors[0].message


def test_the_district_import_keeps_the_quota_check(official, program, tmp_path):
    path = village_file(tmp_path, [person(0, **BUNUT), person(1, **BUNUT)])  # two rows, quota one
    result = import_workers(path, funding=program, by=official)
    assert not result.committed and any("Kuota" in p.message for p in result.errors)
    assert not Submission.objects.exists() and not Worker.objects.exists()


def test_a_subdistrict_account_cannot_upload(subdistrict_officer, program, tmp_path):
    with pytest.raises(PermissionDenied):
        import_workers(village_file(tmp_path, [person(0, **BUNUT)]), funding=program, by=subdistrict_officer,
                       dry_run=True)
    assert not Worker.objects.exists()
