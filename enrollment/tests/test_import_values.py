"""R-IMP-4: how values are read and normalised (NIK text, dates, sex, names, regions, phones, ...)."""

import datetime
from decimal import Decimal

import pytest

from demo.builders import make_nik
from enrollment.models import Heir, Worker
from enrollment.nik import FEMALE, MALE
from enrollment.normalize import rupiah_amount
from enrollment.tests.conftest import errors_at, messages
from demo.builders import HEADERS, person, simple_file, write_xlsx
from funding.contributions import income_basis_error


def one_row(tmp_path, **values):
    return simple_file(tmp_path / "satu.xlsx", [person(0, **values)], title_rows=())


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["6209 0112 0585 1000", "6209.0112.0585.1000", "6209-0112-0585-1000", "'6209011205851000"])
def test_nik_typed_with_spaces_dots_dashes_or_an_apostrophe_is_read(tmp_path, run_import, typed):
    result = run_import(one_row(tmp_path, NIK=typed))
    assert result.errors == []
    assert Worker.objects.get().nik == "6209011205851000"


@pytest.mark.django_db
def test_a_nik_stored_as_a_number_is_an_error_asking_for_a_text_column(tmp_path, run_import):
    # R-IMP-4: 6209015505800001 typed as a number comes back as 6209015505800000, which looks valid.
    path = one_row(tmp_path, NIK=6209011205851001)
    result = run_import(path)
    [error] = result.errors
    assert (error.row, error.column) == (2, "NIK")
    assert "sebagai angka" in error.message and "Teks" in error.message and "15 angka" in error.message
    assert not result.committed and Worker.objects.count() == 0


@pytest.mark.django_db
def test_a_kk_number_stored_as_a_number_is_an_error_too(tmp_path, run_import):
    path = write_xlsx(tmp_path / "kk.xlsx", {"D": [["NIK", "Nama", "Desa", "No KK"],
                                                   ["6209011205851000", "Budi", "Kawa", 6209010101100001]]})
    [error] = run_import(path, dry_run=True).errors
    assert error.column == "No KK" and "Teks" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize("cell,stored", [
    (812345678901, "+62812345678901"),  # a number cell lost its leading 0
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("62812345678", "+62812345678"),
])
def test_phones_are_normalised_and_a_number_cell_is_fine(tmp_path, run_import, cell, stored):
    result = run_import(one_row(tmp_path, **{"No HP": cell}))
    assert result.errors == [] and result.warnings == []
    assert Worker.objects.get().phone == stored


@pytest.mark.django_db
def test_an_unusable_phone_is_dropped_with_a_warning_not_an_error(tmp_path, run_import):
    result = run_import(one_row(tmp_path, **{"No HP": "tidak ada"}))
    assert result.errors == [] and result.committed
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (2, "No HP", "tidak ada")
    assert Worker.objects.get().phone == ""


BIRTH = datetime.date(1980, 8, 12)


@pytest.mark.django_db
@pytest.mark.parametrize("cell", [
    datetime.datetime(1980, 8, 12),  # an Excel date cell
    "12-08-1980", "12/08/1980", "12.08.1980", "1980-08-12", "12-8-1980",
    "12 Agustus 1980", "12 Agt 1980", "12 Ags 1980", "12 agu 1980", "12-Ags-1980", "12 AGUSTUS 80",
    "12-08-80", "12/08/80",  # two-digit years: the century giving an age under 100
])
def test_birth_dates_in_every_accepted_form(tmp_path, run_import, cell):
    nik = make_nik(birth_date=BIRTH, serial=7)
    result = run_import(one_row(tmp_path, NIK=nik, **{"Tanggal Lahir": cell}))
    assert result.errors == []
    assert Worker.objects.get().birth_date == BIRTH


@pytest.mark.parametrize("text,expected", [
    ("1 Januari 1990", datetime.date(1990, 1, 1)), ("2 Jan 1990", datetime.date(1990, 1, 2)),
    ("3 Februari 1990", datetime.date(1990, 2, 3)), ("3 Pebruari 1990", datetime.date(1990, 2, 3)),
    ("4 Maret 1990", datetime.date(1990, 3, 4)), ("5 April 1990", datetime.date(1990, 4, 5)),
    ("6 Mei 1990", datetime.date(1990, 5, 6)), ("7 Juni 1990", datetime.date(1990, 6, 7)),
    ("8 Juli 1990", datetime.date(1990, 7, 8)), ("9 Sep 1990", datetime.date(1990, 9, 9)),
    ("10 Oktober 1990", datetime.date(1990, 10, 10)), ("10 Okt 1990", datetime.date(1990, 10, 10)),
    ("11 Nopember 1990", datetime.date(1990, 11, 11)), ("12 Des 1990", datetime.date(1990, 12, 12)),
    ("12 Desember 05", datetime.date(2005, 12, 12)), ("12-12-25", datetime.date(1925, 12, 12)),
    ("31-02-1990", None), ("12 Foo 1990", None), ("kemarin", None),
])
def test_indonesian_month_names_and_two_digit_years(text, expected):
    from enrollment.normalize import date_text

    assert date_text(text, today=datetime.date(2025, 6, 1)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("cell,sex", [
    ("L", MALE), ("LK", MALE), ("Laki-laki", MALE), ("laki laki", MALE), ("Pria", MALE),
    ("P", FEMALE), ("PR", FEMALE), ("Perempuan", FEMALE), ("WANITA", FEMALE),
])
def test_sex_words(tmp_path, run_import, cell, sex):
    nik = make_nik(sex=sex, serial=8)
    result = run_import(one_row(tmp_path, NIK=nik, **{"Jenis Kelamin": cell}))
    assert result.errors == []
    assert Worker.objects.get().sex == sex


@pytest.mark.django_db
def test_names_are_trimmed_single_spaced_and_upper_cased_as_on_the_ktp(tmp_path, run_import):
    run_import(one_row(tmp_path, **{"Nama Lengkap": "  yohanes   de  britto "}))
    assert Worker.objects.get().full_name == "YOHANES DE BRITTO"


@pytest.mark.django_db
@pytest.mark.parametrize("desa,kecamatan,expected", [
    ("Kawa", "Lamandau", "Kawa"), ("Desa Kawa", "Kecamatan Lamandau", "Kawa"), ("DS. KAWA", "Kec. Lamandau", "Kawa"),
    ("ds kawa", "kec lamandau", "Kawa"), ("Kelurahan Nanga Bulik", "Kec. Bulik", "Nanga Bulik"),
    ("Kel. Nanga Bulik", "Bulik", "Nanga Bulik"), ("Tapin Bini", None, "Tapin Bini"),
])
def test_desa_and_kecamatan_match_ignoring_case_and_prefixes(tmp_path, run_import, desa, kecamatan, expected):
    result = run_import(one_row(tmp_path, Desa=desa, Kecamatan=kecamatan))
    assert result.errors == []
    assert Worker.objects.get().desa.name == expected


@pytest.mark.django_db
@pytest.mark.parametrize("cell,codes", [
    ("Petani Sawit", ["petani-sawit"]), ("petani kelapa sawit", ["petani-sawit"]), ("BHL", ["buruh-harian-lepas"]),
    ("Petani/Pekebun", ["pekebun"]), ("Motoris/perahu", ["motoris"]), ("Petani sawit, ojek", ["ojek", "petani-sawit"]),
    ("nelayan dan pedagang", ["nelayan", "pedagang"]), ("Supir", ["sopir"]), ("buruh-kebun", ["buruh-kebun"]),
])
def test_occupations_map_names_codes_and_aliases_to_the_managed_list(tmp_path, run_import, cell, codes):
    result = run_import(one_row(tmp_path, Pekerjaan=cell))
    assert result.errors == [] and result.warnings == []
    assert sorted(Worker.objects.get().occupations.values_list("code", flat=True)) == codes


@pytest.mark.django_db
def test_an_unknown_occupation_keeps_the_worker_as_lainnya_with_a_warning(tmp_path, run_import):
    result = run_import(one_row(tmp_path, Pekerjaan="Penyuluh"))
    assert result.errors == [] and result.committed
    [warning] = result.warnings
    assert (warning.column, warning.value) == ("Pekerjaan", "Penyuluh") and "Lainnya" in warning.message
    assert list(Worker.objects.get().occupations.values_list("code", flat=True)) == ["lainnya"]


@pytest.mark.django_db
def test_three_occupations_break_r_enr_6(tmp_path, run_import):
    result = run_import(one_row(tmp_path, Pekerjaan="petani sawit, ojek, nelayan"))
    [error] = result.errors
    assert error.column == "Pekerjaan" and "R-ENR-6" in error.message


@pytest.mark.django_db
@pytest.mark.parametrize("cell,amount", [(1500000, 1500000), ("Rp1.500.000", 1500000), ("1,500,000", 1500000),
                                         ("Rp 2.000.000,-", 2000000), ("1.750.000,00", 1750000)])
def test_income_amounts(tmp_path, run_import, cell, amount):
    path = write_xlsx(tmp_path / "upah.xlsx", {"D": [["NIK", "Nama", "Desa", "Upah"],
                                                     ["6209011205851000", "Budi", "Kawa", cell]]})
    assert run_import(path).errors == []
    assert Worker.objects.get().monthly_income == amount


@pytest.mark.django_db
def test_an_income_that_is_not_an_amount_is_an_error(tmp_path, run_import):
    path = write_xlsx(tmp_path / "upah.xlsx", {"D": [["NIK", "Nama", "Desa", "Penghasilan"],
                                                     ["6209011205851000", "Budi", "Kawa", "sejuta"]]})
    [error] = run_import(path).errors
    assert (error.row, error.column, error.value) == (2, "Penghasilan", "sejuta")


@pytest.mark.django_db
@pytest.mark.parametrize("cell,relationship", [("Istri", "spouse"), ("suami", "spouse"), ("Anak Kandung", "child"),
                                               ("Orang Tua", "parent"), ("Ibu", "parent"), ("Kakak", "sibling"),
                                               ("Mertua", "parent_in_law"), ("Cucu", "grandchild")])
def test_heir_columns_create_the_heir(tmp_path, run_import, cell, relationship):
    path = write_xlsx(tmp_path / "waris.xlsx", {"D": [
        ["NIK", "Nama", "Desa", "Nama Ahli Waris", "Hubungan Ahli Waris"],
        ["6209011205851000", "Budi", "Kawa", "siti aminah", cell]]})
    assert run_import(path).errors == []
    heir = Heir.objects.get()
    assert (heir.worker.nik, heir.full_name, heir.relationship) == ("6209011205851000", "SITI AMINAH", relationship)


@pytest.mark.django_db
def test_heir_problems_are_errors_of_their_columns(tmp_path, run_import):
    path = write_xlsx(tmp_path / "waris.xlsx", {"D": [
        ["NIK", "Nama", "Desa", "Nama Ahli Waris", "Hubungan Ahli Waris", "NIK Ahli Waris"],
        ["6209011205851000", "Budi", "Kawa", "Siti", "tetangga", None],
        ["6209011205851001", "Joko", "Kawa", None, "Istri", None],
        ["6209011205851002", "Eko", "Kawa", "Sri", "Istri", "6209011205851002"],
        ["6209011205851003", "Edi", "Kawa", "Sri", "Istri", 6209015205850004],
    ]})
    result = run_import(path, dry_run=True)
    assert "tetangga" in messages(errors_at(result, 2)) and errors_at(result, 2)[0].column == "Hubungan Ahli Waris"
    assert errors_at(result, 3)[0].column == "Nama Ahli Waris"
    assert "tidak boleh sama" in messages(errors_at(result, 4))
    assert "Teks" in messages(errors_at(result, 5))
    assert result.valid == 0


def test_headers_of_the_test_files_are_the_documented_aliases():
    from enrollment.imports import HEADER_FIELDS
    from core.xlsx import header_key

    assert all(header_key(h) in HEADER_FIELDS for h in HEADERS)


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["penjahit, pemulung, tukang parkir", "Penjahit; Ojek; Nelayan", "petani sawit, ojek, penjahit"])
def test_three_declared_occupations_break_r_enr_6_even_when_unknown(tmp_path, run_import, cell):
    # R-ENR-6 counts what the worker declared: three unknown occupations do not collapse into one "Lainnya".
    result = run_import(one_row(tmp_path, Pekerjaan=cell))
    [error] = result.errors
    assert (error.column, error.value) == ("Pekerjaan", cell)
    assert "R-ENR-6" in error.message and cell in error.message and "dipilih 3" in error.message
    assert not result.committed


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["penjahit, pemulung", "Ojek, penjahit", "penjahit, Penjahit"])
def test_two_declared_occupations_with_an_unknown_one_are_allowed(tmp_path, run_import, cell):
    result = run_import(one_row(tmp_path, Pekerjaan=cell))
    assert result.errors == [] and result.committed
    assert "Lainnya" in result.warnings[0].message


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Penghasilan", "Dasar Penghasilan", "Upah"])
@pytest.mark.parametrize("cell", [999999, "Rp500.000", "750,000", 0])
def test_an_income_below_the_minimum_basis_is_an_error(tmp_path, run_import, header, cell):
    # R-RATE-1: a declared basis below Rp1.000.000 is refused, with the rule's own message.
    path = write_xlsx(tmp_path / "upah.xlsx", {"D": [["NIK", "Nama", "Desa", header],
                                                     ["6209011205851000", "Budi", "Kawa", cell]]})
    result = run_import(path)
    [error] = result.errors
    assert (error.row, error.column) == (2, header)
    assert error.message == income_basis_error(rupiah_amount(cell)) and "R-RATE-1" in error.message
    assert rupiah_amount(cell) < Decimal(1000000)
    assert not result.committed and Worker.objects.count() == 0


@pytest.mark.django_db
def test_an_empty_income_and_the_minimum_basis_are_allowed(tmp_path, run_import):
    path = write_xlsx(tmp_path / "upah.xlsx", {"D": [["NIK", "Nama", "Desa", "Upah"],
                                                     ["6209011205851000", "Budi", "Kawa", None],
                                                     ["6209011205851001", "Joko", "Kawa", "Rp1.000.000"]]})
    result = run_import(path)
    assert result.errors == [] and result.committed
    assert sorted(Worker.objects.values_list("monthly_income", flat=True), key=str) == [1000000, None]


@pytest.mark.django_db
@pytest.mark.parametrize("heir", [
    ["Sri", "Istri", "6209011205851002"],
    ["Sri", "Istri", "6209 0112 0585 1002"],
    [None, "Istri", "6209011205851002"],  # the missing heir name is not the only thing wrong
    ["Sri", None, "6209011205851002"],
    ["Sri", "tetangga", "'6209011205851002"],
])
def test_an_heir_nik_equal_to_the_worker_nik_is_an_error(tmp_path, run_import, heir):
    path = write_xlsx(tmp_path / "waris.xlsx", {"D": [
        ["NIK", "Nama", "Desa", "Nama Ahli Waris", "Hubungan Ahli Waris", "NIK Ahli Waris"],
        ["6209011205851002", "Eko", "Kawa", *heir]]})
    result = run_import(path)
    same = [e for e in result.errors if e.message == "NIK ahli waris tidak boleh sama dengan NIK pekerja."]
    assert [(e.row, e.column) for e in same] == [(2, "NIK Ahli Waris")], messages(result.errors)
    assert not result.committed and Heir.objects.count() == 0


@pytest.mark.django_db
def test_heir_errors_without_a_heir_name_column_name_the_column_that_was_filled(tmp_path, run_import):
    path = write_xlsx(tmp_path / "waris.xlsx", {"D": [
        ["NIK", "Nama", "Desa", "NIK Ahli Waris"], ["6209011205851002", "Eko", "Kawa", "6209011205851002"]]})
    result = run_import(path, dry_run=True)
    assert [(e.column, e.message) for e in result.errors] == [
        ("NIK Ahli Waris", "NIK ahli waris tidak boleh sama dengan NIK pekerja."),
        ("NIK Ahli Waris", "Nama ahli waris wajib diisi bila hubungan atau NIK ahli waris diisi."),
    ]
