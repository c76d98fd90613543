"""R-IMP-1 (header row, sheets, Excel row numbers) and R-IMP-2 (column aliases)."""

import datetime

import pytest
from openpyxl import load_workbook

from demo.builders import make_nik
from enrollment.imports import COLUMN_ALIASES, HEADER_FIELDS, write_rejected_rows
from enrollment.models import Heir, Worker
from enrollment.nik import FEMALE, MALE
from enrollment.tests.conftest import errors_at
from demo.builders import HEADERS, person, rows_of, simple_file, write_xlsx
from core.xlsx import FileProblem, header_key


def spelled_differently(alias):
    """The same header as people type it: other case, punctuation, spaces and underscores."""
    return "  " + alias.upper().replace(" ", "_").replace("/", " / ") + ". :"


@pytest.mark.parametrize("field,alias", [(f, a) for f, aliases in COLUMN_ALIASES.items() for a in aliases])
def test_every_alias_matches_ignoring_case_punctuation_spaces_and_underscores(field, alias):
    # R-IMP-2
    assert HEADER_FIELDS[header_key(alias)] == field
    assert HEADER_FIELDS[header_key(spelled_differently(alias))] == field
    assert HEADER_FIELDS[header_key(alias.title())] == field


@pytest.mark.django_db
def test_header_row_is_found_under_title_rows_and_rows_are_numbered_as_excel_shows_them(tmp_path, run_import):
    # R-IMP-1: three title rows, header on row 4, data from row 5.
    people = [person(0), person(1, **{"Jenis Kelamin": "X"}), person(2)]
    path = simple_file(tmp_path / "desa.xlsx", people, title_rows=[["DAFTAR PEKERJA"], ["DESA KAWA"], []])
    result = run_import(path, dry_run=True)
    assert result.rows == 3
    assert result.valid == 2
    [error] = result.errors
    assert (error.sheet, error.row, error.column, error.value) == ("Sheet1", 6, "Jenis Kelamin", "X")


@pytest.mark.django_db
def test_a_header_row_below_row_20_is_not_looked_for(tmp_path, run_import):
    path = simple_file(tmp_path / "late.xlsx", [person(0)], title_rows=[["judul"]] * 20)
    with pytest.raises(FileProblem, match="baris judul dengan kolom NIK dan Nama"):
        run_import(path, dry_run=True)


@pytest.mark.django_db
def test_every_sheet_with_a_header_row_is_imported_and_the_others_are_named(tmp_path, run_import):
    path = write_xlsx(tmp_path / "kecamatan.xlsx", {
        "Rekap": [["Kecamatan", "Jumlah"], ["Lamandau", 2], ["Bulik", 1]],
        "Desa Kawa": [HEADERS, *rows_of([person(0), person(1)])],
        "Kosong": [],
        "Desa Kudangan": [["DAFTAR"], HEADERS, *rows_of([person(2, desa="Kudangan", kecamatan="Delang")])],
    })
    result = run_import(path)
    assert result.skipped_sheets == ["Rekap", "Kosong"]
    assert result.rows == 3 and result.created == 3 and result.committed
    assert Worker.objects.filter(desa__name="Kudangan").count() == 1


@pytest.mark.django_db
def test_headers_spelled_a_dozen_ways_fill_every_field(tmp_path, run_import):
    # R-IMP-2: one alias of every column, odd spelling; a "No. Urut" column is ignored.
    headers = ["No. Urut", "NOMOR_INDUK_KEPENDUDUKAN", "Nama Sesuai KTP", "Tmpt. Lahir", "TGL LAHIR", "L/P",
               "Alamat Domisili", "Desa / Kel", "KEC.", "Jenis Pekerjaan", "No. HP/WA", "Nomor KK", "Dasar Penghasilan",
               "Nama Ahli Waris", "Hubungan Ahli Waris", "NIK Ahli Waris"]
    nik = "6209015205850007"
    row = [1, nik, "siti  aminah", "kudangan", "12-05-1985", "P", "rt 02", "Ds. Kawa", "Kec Lamandau", "Pedagang",
           812345678, "6209010101100001", "Rp1.500.000", "budi santoso", "Suami", "6209011203800002"]
    path = write_xlsx(tmp_path / "ejaan.xlsx", {"Data": [headers, row]})
    result = run_import(path)
    assert result.errors == [] and result.warnings == []
    worker = Worker.objects.get(nik=nik)
    assert (worker.full_name, worker.birth_place, worker.sex, worker.address) == ("SITI AMINAH", "KUDANGAN", "P", "rt 02")
    assert worker.birth_date.isoformat() == "1985-05-12"
    assert (worker.desa.name, worker.phone, worker.kk_number) == ("Kawa", "+62812345678", "6209010101100001")
    assert worker.monthly_income == 1500000
    assert [o.code for o in worker.occupations.all()] == ["pedagang"]
    heir = Heir.objects.get(worker=worker)
    assert (heir.full_name, heir.relationship, heir.nik) == ("BUDI SANTOSO", "spouse", "6209011203800002")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Tempat Tanggal Lahir", "Tempat/Tgl Lahir", "TTL", "Tempat, Tanggal Lahir"])
def test_birth_place_and_date_in_one_cell_are_split(tmp_path, run_import, header):
    # R-IMP-2: "tempat tanggal lahir" / "ttl", e.g. "Nanga Bulik, 12-05-1980".
    path = write_xlsx(tmp_path / "ttl.xlsx", {"Data": [
        ["NIK", "Nama", header, "Desa"],
        ["6209011205800001", "Budi", "Nanga Bulik, 12-05-1980", "Kawa"],
        ["6209011305800002", "Joko", "Kudangan 13 Mei 1980", "Kawa"],
        ["6209011405800003", "Eko", "Sukamara, 14/05/1981", "Kawa"],
    ]})
    result = run_import(path, skip_invalid=True)
    assert [e.row for e in result.errors] == [4]
    assert "14-05-1981" in result.errors[0].message and "14-05-1980" in result.errors[0].message  # R-NIK-2
    workers = {w.full_name: w for w in Worker.objects.all()}
    assert workers["BUDI"].birth_place == "NANGA BULIK"
    assert workers["JOKO"].birth_place == "KUDANGAN"
    assert workers["JOKO"].birth_date.isoformat() == "1980-05-13"


@pytest.mark.django_db
def test_unknown_columns_are_named_in_a_warning(tmp_path, run_import):
    path = write_xlsx(tmp_path / "lain.xlsx", {"Data": [
        ["NIK", "Nama", "Desa", "Keterangan"], ["6209011205800001", "Budi", "Kawa", "baru"]]})
    result = run_import(path, dry_run=True)
    assert result.errors == []
    [warning] = [w for w in result.warnings if w.column == "Keterangan"]
    assert warning.row == 1 and "tidak dikenali" in warning.message


@pytest.mark.django_db
def test_a_missing_desa_column_is_a_file_problem(tmp_path, run_import):
    path = write_xlsx(tmp_path / "tanpa-desa.xlsx", {"Data": [["NIK", "Nama"], ["6209011205800001", "Budi"]]})
    with pytest.raises(FileProblem, match="kolom Desa/Kelurahan tidak ditemukan"):
        run_import(path, dry_run=True)


@pytest.mark.django_db
def test_missing_birth_date_and_sex_columns_are_taken_from_the_nik(tmp_path, run_import):
    path = write_xlsx(tmp_path / "minimal.xlsx", {"Data": [["NIK", "Nama", "Desa"], ["6209015205850001", "Sri", "Kawa"]]})
    result = run_import(path)
    worker = Worker.objects.get()
    assert (worker.sex, worker.birth_date.isoformat()) == ("P", "1985-05-12")
    assert "diambil dari NIK" in result.warnings[0].message
    assert errors_at(result, 2) == []


# --- Headers as village offices draw them ---------------------------------------------------------

FEMALE_NIK = make_nik(birth_date=datetime.date(1990, 4, 3), sex=FEMALE, serial=2001)
MALE_NIK = make_nik(birth_date=datetime.date(1985, 5, 12), sex=MALE, serial=2002)


@pytest.mark.django_db
def test_headers_with_a_note_in_brackets_match_their_alias(tmp_path, run_import):
    # R-IMP-2: "NIK (16 digit)" is the NIK column; the note is no part of the name.
    path = write_xlsx(tmp_path / "catatan.xlsx", {"D": [
        ["No", "NIK (16 digit)", "Nama Lengkap\n(sesuai KTP)", "Tanggal Lahir (dd-mm-yyyy)", "Jenis Kelamin (L/P)",
         "Desa [wajib]", "Penghasilan (Rp)"],
        [1, MALE_NIK, "Budi", "12-05-1985", "L", "Kawa", "Rp1.500.000"],
    ]})
    result = run_import(path)
    assert result.errors == [] and result.warnings == []
    worker = Worker.objects.get()
    assert (worker.nik, worker.full_name, worker.monthly_income) == (MALE_NIK, "BUDI", 1500000)


def two_row_header_sheet(*rows):
    return [
        ["DAFTAR PEKERJA RENTAN DESA KAWA"],
        ["No", "NIK", "Nama", "Tempat/Tgl Lahir", None, "Jenis Kelamin", None, "Alamat", None, None, "Pekerjaan",
         "Ahli Waris", None],
        [None, None, None, "Tempat", "Tanggal", "L", "P", "RT/RW", "Desa", "Kecamatan", None, "Nama", "Hubungan"],
        [f"({i})" for i in range(1, 14)],
        *rows,
    ]


BUDI = [1, MALE_NIK, "Budi", "Nanga Bulik", "12-05-1985", "√", None, "RT 01/02", "Kawa", "Lamandau", "Petani sawit",
        "Sri", "Istri"]
SITI = [2, FEMALE_NIK, "Siti", "Kudangan", "03/04/1990", None, "v", "RT 03", "Kawa", "Lamandau", "Pedagang", None, None]


@pytest.mark.django_db
def test_a_two_row_header_reads_the_labels_under_merged_cells(tmp_path, run_import):
    # "Tempat/Tgl Lahir" over Tempat | Tanggal, "Jenis Kelamin" over L | P (a mark in one), "Alamat" over
    # RT/RW | Desa | Kecamatan, "Ahli Waris" over Nama | Hubungan.
    path = write_xlsx(tmp_path / "dua-baris.xlsx", {"Kawa": two_row_header_sheet(BUDI, SITI)})
    result = run_import(path)
    assert result.errors == [] and result.warnings == [], (result.errors, result.warnings)
    assert (result.rows, result.created) == (2, 2)
    budi, siti = Worker.objects.get(nik=MALE_NIK), Worker.objects.get(nik=FEMALE_NIK)
    assert (budi.birth_place, budi.sex, budi.address, budi.desa.name) == ("NANGA BULIK", MALE, "RT 01/02", "Kawa")
    assert (siti.birth_place, siti.sex, siti.address) == ("KUDANGAN", FEMALE, "RT 03")
    assert Heir.objects.get().full_name == "SRI" and Heir.objects.get().worker == budi


@pytest.mark.django_db
def test_the_marks_and_dates_under_a_two_row_header_are_checked(tmp_path, run_import):
    both = [3, make_nik(serial=2003), "Joko", "Kawa", "12-05-1985", "√", "√", None, "Kawa", "Lamandau"]
    wrong_sex = [4, make_nik(serial=2004), "Eko", "Kawa", "12-05-1985", None, "1", None, "Kawa", "Lamandau"]
    wrong_date = [5, make_nik(serial=2005), "Edi", "Kawa", "13-05-1985", "1", None, None, "Kawa", "Lamandau"]
    path = write_xlsx(tmp_path / "dua-baris.xlsx", {"Kawa": two_row_header_sheet(both, wrong_sex, wrong_date)})
    result = run_import(path, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "Jenis Kelamin"), (6, "Jenis Kelamin"), (7, "Tempat/Tgl Lahir (Tanggal)")], result.errors
    assert "L dan P" in result.errors[0].message
    assert "Perempuan" in result.errors[1].message and "13-05-1985" in result.errors[2].message


@pytest.mark.django_db
def test_group_headers_above_the_header_row_are_read_too(tmp_path, run_import):
    path = write_xlsx(tmp_path / "grup-atas.xlsx", {"Kawa": [
        ["DAFTAR PEKERJA RENTAN"],
        [None, "IDENTITAS", None, "TEMPAT/TGL LAHIR", None, "JENIS KELAMIN", None, "ALAMAT", None, "AHLI WARIS", None, None],
        ["No", "NIK", "Nama", "Tempat", "Tgl", "L", "P", "Desa", "Kec", "Nama", "Hubungan", "NIK"],
        [1, MALE_NIK, "Budi", "Nanga Bulik", "12-05-1985", "1", None, "Kawa", "Lamandau", "Sri", "Istri", FEMALE_NIK],
    ]})
    result = run_import(path)
    assert result.errors == [] and result.warnings == [], (result.errors, result.warnings)
    worker = Worker.objects.get()
    assert (worker.full_name, worker.birth_place, worker.sex) == ("BUDI", "NANGA BULIK", MALE)
    heir = Heir.objects.get()
    assert (heir.full_name, heir.nik, heir.relationship) == ("SRI", FEMALE_NIK, "spouse")


@pytest.mark.django_db
@pytest.mark.parametrize("labels", [["a", "b", "c", "d", "e", "f"], ["A", "B", "C", "D", "E", "F"], ["1", "2", "3", "4", "5", "6"],
                                    ["1.", "2.", "3.", "4.", "5.", "6."], ["[1]", "[2]", "[3]", "[4]", "[5]", "[6]"]])
def test_a_row_of_column_labels_under_the_header_is_ignored(tmp_path, run_import, labels):
    path = write_xlsx(tmp_path / "label.xlsx", {"D": [
        ["No", "NIK", "Nama", "Tanggal Lahir", "Jenis Kelamin", "Desa"], labels,
        [1, MALE_NIK, "Budi", "12-05-1985", "L", "Kawa"]]})
    result = run_import(path)
    assert result.errors == [] and result.warnings == [] and result.rows == 1


@pytest.mark.django_db
def test_the_rejected_rows_of_a_two_row_header_keep_both_header_rows(tmp_path, run_import):
    wrong = [3, make_nik(serial=2003), "Joko", "Kawa", "12-05-1985", "√", None, None, "Atlantis", None]
    path = write_xlsx(tmp_path / "dua-baris.xlsx", {"Kawa": two_row_header_sheet(BUDI, wrong)})
    result = run_import(path, dry_run=True)
    target = tmp_path / "ditolak.xlsx"
    assert write_rejected_rows(path, result, target, max_megabytes=10) == 1
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("No", "NIK", "Nama", "Tempat/Tgl Lahir") and rows[1][3:10] == (
        "Tempat", "Tanggal", "L", "P", "RT/RW", "Desa", "Kecamatan")
    again = run_import(str(target), dry_run=True)  # fixed and uploaded again, the layout still reads
    assert [(e.row, e.column) for e in again.errors] == [(3, "Desa")] and again.warnings == []
