"""Nothing half-done: dry run, commit all or nothing, "valid rows only", quota and budget (R-ENR-4)."""

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.models import AuditEvent
from demo.builders import make_funding
from enrollment.imports import ERROR_COLUMN, import_workers, write_rejected_rows
from enrollment.models import Coverage, Heir, Worker
from demo.builders import HEADERS, person, rows_of, simple_file, write_xlsx


def counts():
    return (Worker.objects.count(), Coverage.objects.count(), Heir.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, run_import):
    path = simple_file(tmp_path / "pratinjau.xlsx", [person(i) for i in range(5)])
    before = counts()
    result = run_import(path, dry_run=True)
    assert (result.rows, result.valid, result.created, result.committed) == (5, 5, 0, False)
    assert counts() == before


@pytest.mark.django_db
def test_a_commit_writes_workers_heirs_occupations_draft_coverage_and_the_audit_trail(tmp_path, funding, official):
    headers = HEADERS + ["Nama Ahli Waris", "Hubungan Ahli Waris"]
    people = [person(0, **{"Nama Ahli Waris": "Siti", "Hubungan Ahli Waris": "Istri"}), person(1, Pekerjaan="Ojek")]
    path = simple_file(tmp_path / "kawa.xlsx", people, headers=headers)
    result = import_workers(path, funding=funding, by=official, start=datetime.date(2025, 3, 1))
    assert (result.valid, result.created, result.enrolled, result.committed) == (2, 2, 2, True)
    first = Worker.objects.get(nik=people[0]["NIK"])
    assert first.full_name == "PEKERJA UJI 0" and first.desa.name == "Kawa" and first.phone == "+6281234567890"
    assert first.heirs.get().full_name == "SITI"
    coverage = Coverage.objects.get(worker=first)
    assert (coverage.status, coverage.funding_source, coverage.jkk, coverage.jkm) == ("draft", funding, True, True)
    # R-ENR-2: start + 12 months - 1 day, capped at the period end.
    assert (coverage.start_date, coverage.end_date) == (datetime.date(2025, 3, 1), datetime.date(2025, 12, 31))
    assert coverage.income_basis == funding.income_basis and coverage.created_by == official
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, actor=official)
    assert events.count() == 2 + 1 + 2  # workers, heir, coverages
    note = events.filter(object_id=str(first.pk), content_type__model="worker").get().note
    assert "kawa.xlsx" in note and "baris 4" in note  # two title rows, the header, then row 4
    coverage_event = events.filter(content_type__model="coverage", object_id=str(coverage.pk)).get()
    assert coverage_event.changes["status"] == [None, "draft"]
    # The worker's history lists his heir's and coverage's rows too.
    from core.audit import history

    assert {e.content_type.model for e in history(first)} == {"worker", "heir", "coverage"}


@pytest.mark.django_db
def test_a_file_with_any_row_error_is_not_committed_by_default(tmp_path, run_import):
    path = simple_file(tmp_path / "satu-salah.xlsx", [person(0), person(1, desa="Atlantis"), person(2)])
    before = counts()
    result = run_import(path)
    assert (result.valid, result.created, result.committed) == (2, 0, False)
    assert counts() == before


@pytest.mark.django_db
def test_valid_rows_only_writes_exactly_them_and_gives_back_the_rejected_rows(tmp_path, run_import):
    people = [person(0), person(1, desa="Atlantis"), person(2), person(3, NIK=6209011205851003), person(4)]
    path = simple_file(tmp_path / "campur.xlsx", people)
    result = run_import(path, skip_invalid=True)
    assert (result.valid, result.created, result.committed) == (3, 3, True)
    assert set(Worker.objects.values_list("nik", flat=True)) == {people[i]["NIK"] for i in (0, 2, 4)}

    rejected = tmp_path / "ditolak.xlsx"
    assert write_rejected_rows(path, result, rejected, max_megabytes=50) == 2
    sheet = load_workbook(rejected).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS) + (ERROR_COLUMN,)
    assert [r[2] for r in rows[1:]] == ["pekerja  uji 1", "pekerja  uji 3"]
    assert "Atlantis" in rows[1][-1] and "Teks" in rows[2][-1]
    assert sheet["B3"].number_format == "@" and sheet["B3"].data_type == "s"  # the NIK column is text

    # Fixed and uploaded again, the rejected rows go in.
    sheet["H2"] = "Kawa"
    sheet["B3"] = people[3]["NIK"] = "6209011205851003"
    sheet.parent.save(rejected)
    again = run_import(str(rejected))
    assert (again.errors, again.created, again.committed) == ([], 2, True)
    assert Worker.objects.count() == 5


@pytest.mark.django_db
def test_quota_is_checked_for_the_whole_batch_before_anything_is_written(tmp_path):
    funding = make_funding(quota=3, budget=Decimal(201600) * 10)
    path = simple_file(tmp_path / "kuota.xlsx", [person(i) for i in range(5)])
    for skip_invalid in (False, True):
        result = import_workers(path, funding=funding, by=None, skip_invalid=skip_invalid)
        assert not result.committed and Worker.objects.count() == 0
        [error] = result.errors
        assert (error.sheet, error.row) == (None, None)
        assert "Kuota" in error.message and "0 terdaftar + 5 baru > kuota 3" in error.message


@pytest.mark.django_db
def test_budget_is_checked_for_the_whole_batch(tmp_path):
    # R-ENR-4 / R-COST-1: 5 workers x Rp16.800 x 12 months = Rp1.008.000 > Rp1.000.000.
    funding = make_funding(quota=100, budget=Decimal(1000000))
    result = import_workers(simple_file(tmp_path / "dana.xlsx", [person(i) for i in range(5)]), funding=funding, by=None)
    assert not result.committed and Coverage.objects.count() == 0
    assert "Anggaran" in result.errors[0].message and "Rp1.008.000" in result.errors[0].message


@pytest.mark.django_db
def test_a_failure_after_part_of_the_batch_was_written_leaves_nothing(tmp_path, run_import):
    path = simple_file(tmp_path / "gagal.xlsx", [person(i) for i in range(50)])
    before = counts()
    seen = {}

    def fail_after_writing(result):
        seen["workers"] = Worker.objects.count()  # inside the transaction, the rows are there
        raise RuntimeError("disk penuh")

    with pytest.raises(RuntimeError):
        run_import(path, on_commit=fail_after_writing)
    assert seen["workers"] == before[0] + 50
    assert counts() == before


@pytest.mark.django_db
def test_a_start_date_outside_the_funding_period_refuses_the_batch(tmp_path, run_import):
    result = run_import(simple_file(tmp_path / "p.xlsx", [person(0)]), start=datetime.date(2026, 2, 1))
    assert not result.committed and "R-ENR-2" in result.errors[0].message


@pytest.mark.django_db
def test_the_configured_maximum_number_of_rows_is_a_file_problem(tmp_path, run_import):
    from core.models import ProgramRules
    from core.xlsx import FileProblem

    ProgramRules.objects.update_or_create(pk=1, defaults={"import_max_rows": 3})
    path = write_xlsx(tmp_path / "banyak.xlsx", {"D": [HEADERS, *rows_of([person(i) for i in range(4)])]})
    with pytest.raises(FileProblem, match="lebih dari 3 baris"):
        run_import(path, dry_run=True)


@pytest.mark.django_db
def test_only_officials_allowed_to_import_may_import(tmp_path, funding, bpjs_staff, leader):
    from django.core.exceptions import PermissionDenied

    path = simple_file(tmp_path / "x.xlsx", [person(0)])
    for user in (bpjs_staff, leader):
        with pytest.raises(PermissionDenied):
            import_workers(path, funding=funding, by=user, dry_run=True)


@pytest.mark.django_db(transaction=True)
def test_a_nik_registered_meanwhile_fails_the_write_midway_and_nothing_is_kept(tmp_path, funding):
    # Another official saves one of the file's NIKs while the import writes: PostgreSQL refuses
    # the import's row in the middle of the COPY, and the whole batch is rolled back.
    import threading
    import time

    from django.db import connection, transaction

    from demo.builders import make_worker
    from enrollment.imports import ImportConflict
    from enrollment.models import Desa

    people = [person(i) for i in range(60)]
    path = simple_file(tmp_path / "bersamaan.xlsx", people)
    saved = threading.Event()

    def other_official():
        try:
            with transaction.atomic():
                make_worker(desa=Desa.objects.get(name="Kawa"), nik=people[40]["NIK"], full_name="DIA DULUAN")
                saved.set()
                time.sleep(1.5)  # still uncommitted while the import checks and starts writing
        finally:
            connection.close()

    thread = threading.Thread(target=other_official)
    thread.start()
    assert saved.wait(10)
    with pytest.raises(ImportConflict, match="Ulangi impor"):
        import_workers(path, funding=funding, by=None)
    thread.join()
    assert list(Worker.objects.values_list("full_name", flat=True)) == ["DIA DULUAN"]
    assert Coverage.objects.count() == 0 and AuditEvent.objects.filter(action="import").count() == 0
