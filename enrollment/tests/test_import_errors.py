"""R-IMP-3 (what is a data row) and R-IMP-5 (each error, at its sheet, row and column)."""

import datetime

import pytest

from demo.builders import make_funding, make_nik, make_worker
from enrollment.models import Coverage, Desa, ExternalCoverage, Worker
from enrollment.nik import FEMALE
from enrollment.services import enroll_workers
from enrollment.tests.conftest import errors_at, messages
from demo.builders import HEADERS, person, rows_of, simple_file, write_xlsx


@pytest.mark.django_db
def test_blank_rows_signature_block_totals_and_column_numbers_are_not_errors(tmp_path, run_import):
    # R-IMP-3
    numbering = [f"({i})" for i in range(1, len(HEADERS) + 1)]
    rows = [
        ["DAFTAR NAMA PEKERJA RENTAN"], ["DESA KAWA KECAMATAN LAMANDAU"], [],
        HEADERS, numbering,
        *rows_of([person(0)]), [], [],
        *rows_of([person(1)]),
        [None, None, "JUMLAH", None, None, None, None, None, None, None, None],
        [None, 2],
        ["Jumlah", None, "2 orang"],
        [],
        [None, None, "Nanga Bulik, 12 Mei 2025"],
        [None, None, "Mengetahui,", None, None, None, None, "Dibuat oleh,"],
        [None, None, "Kepala Desa Kawa", None, None, None, None, "Operator Desa"],
        [], [],
        [None, None, "(SUPRIADI)", None, None, None, None, "ANTONIUS"],
        [None, None, "NIP. 19750101 200001 1 001"],
        [datetime.datetime(2025, 5, 12)],
    ]
    path = write_xlsx(tmp_path / "lengkap.xlsx", {"Kawa": rows})
    result = run_import(path)
    assert result.errors == [], messages(result.errors)
    assert (result.rows, result.valid, result.created) == (2, 2, 2)


@pytest.mark.django_db
def test_a_row_with_a_name_but_no_nik_is_an_error_not_ignored(tmp_path, run_import):
    path = simple_file(tmp_path / "tanpa-nik.xlsx", [person(0), person(1, NIK=None)], title_rows=())
    result = run_import(path, dry_run=True)
    [error] = result.errors
    assert (error.row, error.column, error.message) == (3, "NIK", "NIK wajib diisi.")


@pytest.mark.django_db
def test_each_error_kind_names_its_row_and_column(tmp_path, run_import, funding):
    # R-IMP-5, one row per kind. The funding period starts 01-01-2025.
    young = datetime.date(2008, 3, 1)
    old = datetime.date(1955, 3, 1)
    people = [
        person(0),                                                                       # row 2: valid
        person(1, **{"Nama Lengkap": None}),                                             # 3: missing name
        person(2, NIK=6209011205851002),                                                 # 4: numeric NIK cell
        person(3, NIK="62090112058510"),                                                 # 5: R-NIK-1 length
        person(4, NIK="9999011205851004"),                                               # 6: R-NIK-1 region
        person(5, NIK="6209013205851005"),                                               # 7: R-NIK-1 day 32
        person(6, NIK="6209011205850000"),                                               # 8: R-NIK-1 serial 0000
        person(7, **{"Jenis Kelamin": "P"}),                                             # 9: R-NIK-2 sex
        person(8, **{"Tanggal Lahir": "13-05-1985"}),                                    # 10: R-NIK-2 birth date
        person(9, birth_date=young),                                                     # 11: R-AGE-1 under 18
        person(10, birth_date=old),                                                      # 12: R-AGE-1 65 or more
        person(11, desa="Atlantis"),                                                     # 13: unknown desa
        person(12, desa="Kudangan", kecamatan="Lamandau"),                               # 14: desa not in kecamatan
        person(13, NIK=make_nik(serial=1000)),                                           # 15: NIK repeats row 2
        person(14, **{"Jenis Kelamin": "=IF(A1=1,\"L\",\"P\")"}),                        # 16: formula, no cached value
        person(15, **{"Tanggal Lahir": "kemarin"}),                                      # 17: unreadable date
        person(16, **{"Jenis Kelamin": "X"}),                                            # 18: unknown sex word
    ]
    path = simple_file(tmp_path / "salah.xlsx", people, title_rows=())
    result = run_import(path, dry_run=True)
    by_row = {row: errors_at(result, row) for row in range(2, 19)}
    assert by_row[2] == []
    assert by_row[3][0].column == "Nama Lengkap" and by_row[3][0].message == "Nama wajib diisi."
    assert by_row[4][0].column == "NIK" and "sebagai angka" in by_row[4][0].message
    assert "tepat 16 angka" in by_row[5][0].message
    assert "kode provinsi/kabupaten 99.99" in by_row[6][0].message
    assert "tanggal lahir 32" in by_row[7][0].message
    assert "nomor urut 0000" in by_row[8][0].message
    assert by_row[9][0].column == "Jenis Kelamin" and "Perempuan" in by_row[9][0].message and "Laki-laki" in by_row[9][0].message
    assert by_row[10][0].column == "Tanggal Lahir" and "13-05-1985" in by_row[10][0].message and "12-05-1985" in by_row[10][0].message
    assert "R-AGE-1" in by_row[11][0].message and "16 tahun" in by_row[11][0].message
    assert "R-AGE-1" in by_row[12][0].message and "69 tahun" in by_row[12][0].message
    assert by_row[13][0].column == "Desa" and "Atlantis" in by_row[13][0].message
    assert "Kudangan tidak berada di Kecamatan Lamandau" in by_row[14][0].message
    assert by_row[15][0].column == "NIK" and "baris 2" in by_row[15][0].message
    assert by_row[16][0].column == "Jenis Kelamin" and "rumus" in by_row[16][0].message
    assert "kemarin" in by_row[17][0].message
    assert "X" in by_row[18][0].message
    assert all(len(by_row[r]) == 1 for r in range(3, 19)), messages(result.errors)
    assert result.duplicates == 1
    assert (result.rows, result.valid) == (17, 1)
    assert all(e.sheet == "Sheet1" for e in result.errors)


@pytest.mark.django_db
def test_a_close_desa_name_gets_a_suggestion(tmp_path, run_import):
    [error] = run_import(simple_file(tmp_path / "d.xlsx", [person(0, desa="Kawah")]), dry_run=True).errors
    assert "Maksud Anda Kawa?" in error.message


@pytest.mark.django_db
def test_a_nik_already_covered_in_an_overlapping_period_is_a_duplicate(tmp_path, run_import, funding):
    # R-ENR-3: covered by another funding source for days that overlap this one.
    other = make_funding(code="APBD-2025", period_start=datetime.date(2025, 6, 1), period_end=datetime.date(2026, 5, 31))
    desa = Desa.objects.get(name="Kawa")
    covered = make_worker(desa=desa, nik=make_nik(serial=1001))
    enroll_workers(funding=other, workers=[covered], start=other.period_start, by=None)
    path = simple_file(tmp_path / "ganda.xlsx", [person(0), person(1)], title_rows=())
    result = run_import(path)
    [error] = result.errors
    assert (error.row, error.column, error.value) == (3, "NIK", covered.nik)
    assert "Sudah terlindungi" in error.message and "R-ENR-3" in error.message
    assert result.duplicates == 1 and not result.committed


@pytest.mark.django_db
def test_a_nik_registered_through_another_payer_is_a_duplicate(tmp_path, run_import, funding):
    # R-ENR-5: BPJS's answer recorded another payer for this NIK in the same period.
    nik = make_nik(serial=1000)
    ExternalCoverage.objects.create(nik=nik, payer="PT Sawit Makmur", start_date=datetime.date(2024, 7, 1),
                                    end_date=datetime.date(2025, 6, 30))
    result = run_import(simple_file(tmp_path / "pu.xlsx", [person(0)], title_rows=()), dry_run=True)
    [error] = result.errors
    assert error.row == 2 and "PT Sawit Makmur" in error.message and "R-ENR-5" in error.message
    assert result.duplicates == 1


@pytest.mark.django_db
def test_a_registered_worker_not_covered_now_is_enrolled_again(tmp_path, run_import, funding):
    # A renewal: the 2024 worker appears in the 2025 list; his record is reused and not changed.
    old_program = make_funding(code="DBH-2024", fiscal_year=2024, period_start=datetime.date(2024, 8, 1),
                               period_end=datetime.date(2024, 12, 31), coverage_months=5)
    worker = make_worker(desa=Desa.objects.get(name="Kawa"), nik=make_nik(serial=1000), full_name="BUDI S")
    enroll_workers(funding=old_program, workers=[worker], start=old_program.period_start, by=None)
    result = run_import(simple_file(tmp_path / "lanjut.xlsx", [person(0, name="Budi Santoso"), person(1)], title_rows=()))
    assert (result.valid, result.created, result.committed) == (2, 1, True)
    assert "atas nama BUDI S" in result.warnings[0].message
    worker.refresh_from_db()
    assert worker.full_name == "BUDI S"
    assert Coverage.objects.filter(worker=worker).count() == 2
    assert Worker.objects.count() == 2


@pytest.mark.django_db
def test_a_registered_worker_who_died_is_an_error(tmp_path, run_import, funding):
    make_worker(desa=Desa.objects.get(name="Kawa"), nik=make_nik(serial=1000, sex=FEMALE), sex=FEMALE,
                died_on=datetime.date(2024, 11, 18))
    result = run_import(simple_file(tmp_path / "m.xlsx", [person(0, sex=FEMALE)], title_rows=()), dry_run=True)
    assert "meninggal pada 18-11-2024" in result.errors[0].message


@pytest.mark.django_db
def test_an_excel_error_value_in_a_cell_is_an_error(tmp_path, run_import):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "Nama", "Desa"])
    sheet.append(["6209011205851000", "Budi", "Kawa"])
    sheet["C2"].value, sheet["C2"].data_type = "#N/A", "e"
    workbook.save(tmp_path / "galat.xlsx")
    [error] = run_import(str(tmp_path / "galat.xlsx"), dry_run=True).errors
    assert (error.row, error.column) == (2, "Desa") and "#N/A" in error.message
