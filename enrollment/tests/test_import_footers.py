"""R-IMP-3: what a village list holds besides its workers (signature blocks, dates, notes, totals,
headers repeated on each printed page, section headings) is ignored; a worker's row never is."""

import datetime

import pytest

from enrollment.models import Worker
from enrollment.tests.conftest import errors_at, messages
from demo.builders import HEADERS, person, rows_of, write_xlsx

NAME = HEADERS.index("Nama Lengkap")
NIK = HEADERS.index("NIK")
INCOME_HEADERS = [*HEADERS, "Penghasilan"]

FOOTER_LINES = [
    "Demikian daftar ini dibuat dengan sebenarnya.", "Keterangan:", "Catatan: ...", "Catatan: data per Mei 2025",
    "Nanga Bulik, 12-05-2025", "Bunut, 12/05/2025", "Dicetak tanggal 12 Mei 2025", "Ketua RT 03",
    "Kepala Desa Bunut", "Mengetahui,", "Camat Bulik", "(Nama Terang)", "NIP. 19800512 200501 1 001", "TTD",
    "Jumlah", "Total 25 orang",
    # Also seen under village lists:
    "Nanga Bulik, 12 Mei 2025", "Bunut, 2 Juni 2025", "Hormat kami,", "a.n. Kepala Desa", "Plt. Kepala Desa Kawa",
    "Sekretaris Desa", "Bendahara", "Pendamping Desa", "Lurah Nanga Bulik", "Operator Desa", "Dibuat oleh,",
    "Halaman 1 dari 3", "Sub Total", "JUMLAH TOTAL", "25 orang", "( SUPRIADI )", "(.............................)",
    "NB: yang bertanda * belum punya KTP", "Sumber: Dukcapil Lamandau", "Disahkan oleh", "Kasi Kesra",
]


def row(**cells):
    """A row in HEADERS order with the given columns filled: row(Nama=..., NIK=...)."""
    values = [None] * len(HEADERS)
    for header, value in cells.items():
        values[HEADERS.index({"Nama": "Nama Lengkap"}.get(header, header))] = value
    return values


def village_list(tmp_path, *extra_rows, people=(person(0),), headers=HEADERS):
    rows = [["DAFTAR PEKERJA RENTAN DESA KAWA"], [], list(headers), *rows_of(people, headers), *extra_rows]
    return write_xlsx(tmp_path / "desa.xlsx", {"Kawa": rows})


def assert_only_the_workers(result, count=1, header_row=3):
    assert result.errors == [], messages(result.errors)
    row_warnings = [w for w in result.warnings if w.row != header_row]  # the header's own warnings are not ours
    assert row_warnings == [], messages(row_warnings)
    assert (result.rows, result.valid, result.created, result.committed) == (count, count, count, True)


@pytest.mark.django_db
@pytest.mark.parametrize("line", FOOTER_LINES)
def test_a_footer_line_in_the_name_column_is_ignored(tmp_path, run_import, line):
    assert_only_the_workers(run_import(village_list(tmp_path, row(Nama=line))))


@pytest.mark.django_db
@pytest.mark.parametrize("line", ["Nanga Bulik, 12 Mei 2025", "NIP. 19800512 200501 1 001", "Bunut, 12/05/2025",
                                  "12/05/2025 10:15:30", "19800512 200501 1 001", "NIP 198005122005011001",
                                  "Mengetahui,", "Dicetak 12-05-2025 10:15", "NIK. 6209011205851000", "NIPD: 1234567890"])
def test_a_footer_line_in_the_nik_column_is_ignored(tmp_path, run_import, line):
    assert_only_the_workers(run_import(village_list(tmp_path, row(NIK=line))))


@pytest.mark.django_db
def test_a_row_of_signatures_across_many_columns_is_ignored(tmp_path, run_import):
    signatures = ["", "", "Mengetahui,", "", "Camat Bulik", "", "Kepala Desa Bunut", "", "Pendamping Desa"]
    assert_only_the_workers(run_import(village_list(tmp_path, signatures)))


@pytest.mark.django_db
def test_a_row_of_signatures_is_ignored_whichever_column_holds_the_name(tmp_path, run_import):
    # Here column 3 is Desa and the name column (2) is empty.
    path = write_xlsx(tmp_path / "tiga.xlsx", {"D": [
        ["NIK", "Nama", "Desa"], ["6209011205851000", "Budi", "Kawa"],
        ["", "", "Mengetahui,", "", "Camat Bulik", "", "Kepala Desa Bunut", "", "Pendamping Desa"],
        ["Nanga Bulik, 12 Mei 2025"],
    ]})
    assert_only_the_workers(run_import(path), header_row=1)


@pytest.mark.django_db
def test_a_whole_signature_block_with_names_nips_and_dates_is_ignored(tmp_path, run_import):
    block = [
        [],
        row(Nama="JUMLAH", **{"No HP": 2}),
        [None, None, None, None, None, None, None, "Bunut, 12 Mei 2025"],
        row(Nama="Mengetahui,", Desa="Dibuat oleh,"),
        row(Nama="Kepala Desa Bunut", Desa="Operator Desa"),
        [], [],
        row(Nama="SUPRIADI", Desa="ANTONIUS"),  # the names under the signatures, no parentheses
        row(Nama="NIP. 19750101 200001 1 001"),
        row(Nama="Pembina Utama Muda", Desa="NIP. 19800512 200501 1 001"),
        [datetime.datetime(2025, 5, 12)],
    ]
    assert_only_the_workers(run_import(village_list(tmp_path, *block, people=[person(0), person(1)])), count=2)


@pytest.mark.django_db
def test_a_totals_row_with_sums_is_ignored(tmp_path, run_import):
    people = [person(0, Penghasilan=1500000), person(1, Penghasilan=2000000)]
    totals = [None, None, "JUMLAH", None, None, None, None, None, None, None, None, 3500000]
    path = village_list(tmp_path, totals, ["Total 2 orang", None, None, None, None, None, None, None, None, None, None, 3500000],
                        people=people, headers=INCOME_HEADERS)
    assert_only_the_workers(run_import(path), count=2)


@pytest.mark.django_db
def test_a_totals_row_of_formulas_never_calculated_is_ignored(tmp_path, run_import):
    # A template written by a program: the formulas of the totals row have no cached value (R-IMP-5 is for workers).
    people = [person(0, Penghasilan=1500000), person(1, Penghasilan=2000000)]
    totals = [None, "=COUNTA(B4:B5)", "JUMLAH", None, None, None, None, None, None, None, None, "=SUM(L4:L5)"]
    assert_only_the_workers(run_import(village_list(tmp_path, totals, people=people, headers=INCOME_HEADERS)), count=2)


@pytest.mark.django_db
def test_a_formula_without_value_in_a_worker_row_is_still_an_error(tmp_path, run_import):
    result = run_import(village_list(tmp_path, rows_of([person(1, NIK="=A5&B5")])[0]), dry_run=True)
    [error] = result.errors
    assert (error.row, error.column) == (5, "NIK") and "rumus" in error.message


@pytest.mark.django_db
def test_the_header_and_numbering_rows_repeated_on_each_printed_page_are_ignored(tmp_path, run_import):
    numbering = [f"({i})" for i in range(1, len(HEADERS) + 1)]
    path = write_xlsx(tmp_path / "halaman.xlsx", {"Kawa": [
        ["DAFTAR PEKERJA RENTAN"], HEADERS, numbering, *rows_of([person(0), person(1)]),
        ["Halaman 1 dari 2"], row(Nama="Sub Total", **{"No HP": 2}),
        ["DAFTAR PEKERJA RENTAN"], HEADERS, list(range(1, len(HEADERS) + 1)), *rows_of([person(2), person(3)]),
        [None, None, "Halaman 2 dari 2"],
    ]})
    assert_only_the_workers(run_import(path), count=4)


@pytest.mark.django_db
@pytest.mark.parametrize("heading", ["DUSUN I", "RT 01 / RW 02", "Dusun Sungai Tuat", "A. RT 03", "II. DUSUN KAWA HILIR"])
def test_section_headings_between_the_rows_are_ignored(tmp_path, run_import, heading):
    path = village_list(tmp_path, row(Nama=heading), *rows_of([person(1)]))
    assert_only_the_workers(run_import(path), count=2)


# --- A worker's row is never ignored -------------------------------------------------------------


@pytest.mark.django_db
def test_a_worker_row_without_a_nik_is_an_error_even_after_a_subtotal(tmp_path, run_import):
    path = village_list(tmp_path, row(Nama="Jumlah Dusun I", **{"No HP": 1}), rows_of([person(1, NIK=None)])[0],
                        rows_of([person(2, NIK="-")])[0], *rows_of([person(3)]))
    result = run_import(path, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(6, "NIK"), (7, "NIK")], messages(result.errors)
    assert errors_at(result, 6)[0].message == "NIK wajib diisi."
    assert (result.rows, result.valid) == (4, 2)


@pytest.mark.django_db
def test_a_worker_row_without_a_nik_under_the_signature_block_is_still_an_error(tmp_path, run_import):
    # The list was extended under the block: a numbered row with a birth date is a worker's row.
    late = person(1, NIK=None, occupation="Operator alat berat")
    path = village_list(tmp_path, row(Nama="Mengetahui,"), row(Nama="Kepala Desa Kawa"), rows_of([late])[0])
    result = run_import(path, dry_run=True)
    [error] = result.errors
    assert (error.row, error.column, error.message) == (7, "NIK", "NIK wajib diisi.")


@pytest.mark.django_db
def test_a_worker_whose_occupation_sounds_like_a_signature_is_read(tmp_path, run_import):
    people = [person(0, occupation="Operator alat berat"), person(1, occupation="Petugas kebersihan", Alamat="Jl. Kepala Air")]
    result = run_import(village_list(tmp_path, people=people), dry_run=True)
    assert result.errors == [] and result.valid == 2


@pytest.mark.django_db
@pytest.mark.parametrize("nik", ["62090112058510", "6209O11205851000", "No 6209011205851000x", 6209011205851000,
                                 "6209.01.12.05.85.1000", "6209 0112 0585 1000 / 6209011205851001"])
def test_a_wrong_nik_alone_in_its_row_is_still_read_as_a_worker(tmp_path, run_import, nik):
    # NIK-like values (mostly digits, 10 or more) are data even without a name: the error says what is wrong.
    result = run_import(village_list(tmp_path, row(NIK=nik)), dry_run=True)
    assert result.rows == 2
    assert errors_at(result, 5), messages(result.errors)


@pytest.mark.django_db
def test_a_name_with_only_a_row_number_is_an_error_for_the_missing_nik(tmp_path, run_import):
    result = run_import(village_list(tmp_path, [7, None, "Siti Aminah"]), dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(5, "NIK"), (5, "Desa")], messages(result.errors)


@pytest.mark.django_db
def test_a_lone_name_is_not_a_worker_but_is_named_in_a_warning(tmp_path, run_import):
    result = run_import(village_list(tmp_path, row(Nama="Siti Aminah")))
    assert result.errors == [] and (result.rows, result.committed) == (1, True)
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (5, "Nama Lengkap", "Siti Aminah")
    assert "tidak dibaca" in warning.message
    assert Worker.objects.count() == 1
