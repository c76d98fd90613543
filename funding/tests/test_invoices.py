"""A bill as Excel (read back) and BPJS's invoice compared with it: missing, extra, different."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from demo.builders import make_worker
from enrollment.services import enroll_workers
from funding.billing import prepare_bill
from funding.invoices import compare_invoice, parse_amount, read_invoice, write_bill_workbook

from .conftest import activate, covered_workers

JAN, MAR = datetime.date(2025, 1, 1), datetime.date(2025, 3, 1)


def xlsx(rows, *, title="Tagihan", extra_sheets=()):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, sheet_rows in extra_sheets:
        other = workbook.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    return stream


def bill_workbook(bill):
    stream = io.BytesIO()
    count = write_bill_workbook(bill, stream)
    stream.seek(0)
    return count, load_workbook(stream)


@pytest.mark.django_db
def test_the_exported_bill_lists_each_participant_with_text_nik_and_kpj(funding):
    coverages = covered_workers(funding, 3)
    bill = prepare_bill(funding=funding, first_month=JAN, last_month=MAR, by=None)

    count, workbook = bill_workbook(bill)

    sheet = workbook["Tagihan"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(tuple(["No", "NIK", "Nomor KPJ", "Nama", "Desa/Kelurahan", "Kecamatan", "Jumlah bulan",
                               "Bulan iuran", "Iuran JKK", "Iuran JKM", "Jumlah"]))
    data = rows[header + 1: header + 1 + count]
    assert count == 3
    assert {r[1] for r in data} == {c.worker.nik for c in coverages}
    assert {r[2] for r in data} == {c.kpj_number for c in coverages}
    assert all(r[6] == 3 and r[7] == "01-2025 s.d. 03-2025" and r[8:] == (30000, 20400, 50400) for r in data)
    assert rows[header + 1 + count][8:] == (90000, 61200, 151200)  # the total row
    nik_cell = sheet.cell(row=header + 2, column=2)
    assert nik_cell.data_type == "s" and nik_cell.number_format == "@"
    assert sheet.cell(row=header + 2, column=11).number_format == "#,##0"
    per_month = list(workbook["Per bulan"].iter_rows(values_only=True))
    assert per_month[1:] == [("01-2025", 3, 30000, 20400, 50400), ("02-2025", 3, 30000, 20400, 50400),
                             ("03-2025", 3, 30000, 20400, 50400)]


@pytest.mark.django_db
def test_the_export_neutralises_formulas_in_names(funding):
    # Names are normally normalised by the form; data arriving another way must still be safe.
    worker = make_worker(full_name='=HYPERLINK("http://contoh.invalid","klik")')
    activate(enroll_workers(funding=funding, workers=[worker], start=JAN, by=None))
    bill = prepare_bill(funding=funding, first_month=JAN, by=None)

    _count, workbook = bill_workbook(bill)

    cells = [c for row in workbook["Tagihan"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    # core.xlsx.safe_cell: a string cell with Excel's quote prefix, the text itself unchanged.
    assert [c.value for c in cells] == ['=HYPERLINK("http://contoh.invalid","klik")']
    assert cells[0].data_type == "s" and cells[0].quotePrefix


@pytest.fixture
def billed(funding):
    """A January bill of four participants: Rp16.800 each."""
    coverages = covered_workers(funding, 4)
    return prepare_bill(funding=funding, first_month=JAN, by=None), coverages


HEADER = ["No", "No KPJ", "NIK", "Nama Peserta", "Jumlah Iuran"]


@pytest.mark.django_db
def test_an_invoice_equal_to_the_bill_shows_no_difference(billed):
    bill, coverages = billed
    rows = [HEADER] + [[i, c.kpj_number, c.worker.nik, c.worker.full_name, 16800] for i, c in enumerate(coverages, 1)]

    comparison = compare_invoice(bill, read_invoice(xlsx(rows), "bpjs.xlsx"))

    assert comparison.agrees
    assert comparison.matched == 4
    assert comparison.ours_total == comparison.theirs_total == Decimal("67200")


@pytest.mark.django_db
def test_the_comparison_finds_missing_extra_and_different_lines(billed):
    bill, (a, b, c, d) = billed
    rows = [
        ["TAGIHAN IURAN BPU — KC PANGKALAN BUN"],  # a title above the header row (R-IMP-1)
        [],
        HEADER,
        [1, a.kpj_number, "", "", 16800],  # matches by KPJ
        [2, "", b.worker.nik, "", "Rp16.800"],  # no KPJ: matches by NIK; amount typed as text
        [3, c.kpj_number, c.worker.nik, c.worker.full_name, 8400],  # c on two lines, added up:
        [4, f"{c.kpj_number[:4]} {c.kpj_number[4:]}", "", "", "8.500"],  # 16.900, not 16.800
        [5, "'99999999999", "", "ORANG LAIN", 16800],  # not on our bill; d is not on theirs
        [None, None, None, "JUMLAH", 66000],  # a total row: ignored (no KPJ/NIK, as R-IMP-3)
    ]

    comparison = compare_invoice(bill, read_invoice(xlsx(rows), "bpjs.xlsx"))

    assert [m.kpj for m in comparison.missing] == [d.kpj_number]
    assert [(e.kpj, e.name, e.theirs) for e in comparison.extra] == [("99999999999", "ORANG LAIN", Decimal("16800"))]
    assert [(x.kpj, x.ours, x.theirs, x.gap) for x in comparison.different] == [
        (c.kpj_number, Decimal("16800"), Decimal("16900"), Decimal("100"))]
    assert comparison.matched == 2


@pytest.mark.django_db
def test_jkk_and_jkm_columns_are_added_when_there_is_no_total(billed):
    bill, coverages = billed
    rows = [["KPJ", "Iuran JKK", "Iuran JKM"]] + [[c.kpj_number, 10000, 6800] for c in coverages]

    assert compare_invoice(bill, read_invoice(xlsx(rows), "bpjs.xlsx")).agrees


@pytest.mark.django_db
def test_an_unreadable_invoice_lists_every_error_with_sheet_row_and_column(billed):
    bill, (a, b, c, d) = billed
    rows = [
        HEADER,
        [1, int(a.kpj_number), "", "", 16800],  # KPJ stored as a number (R-IMP-4)
        [2, "", int(b.worker.nik), "", 16800],  # NIK stored as a number: its 16th digit is gone
        [3, "123", "", "", 16800],  # too short
        [4, c.kpj_number, "", "", "enam belas ribu"],
        [5, d.kpj_number, "", "", None],
    ]

    invoice = read_invoice(xlsx(rows, extra_sheets=[("Ringkasan", [["Total", 1]])]), "bpjs.xlsx")

    assert [str(e) for e in invoice.errors] == [
        f"Tagihan, baris 2, kolom B: KPJ {int(a.kpj_number)} tersimpan sebagai angka; format kolom sebagai Teks lalu ketik ulang (R-IMP-4).",
        f"Tagihan, baris 3, kolom C: NIK {int(b.worker.nik)} tersimpan sebagai angka; format kolom sebagai Teks lalu ketik ulang (R-IMP-4).",
        "Tagihan, baris 4, kolom B: KPJ 123 harus 11 angka.",
        "Tagihan, baris 5, kolom E: Jumlah iuran enam belas ribu bukan angka rupiah utuh.",
        "Tagihan, baris 6, kolom E: Jumlah iuran (kosong) bukan angka rupiah utuh.",
    ]
    assert invoice.skipped_sheets == ["Ringkasan"]


@pytest.mark.django_db
def test_a_file_that_is_not_an_invoice_is_explained(db):
    assert [e.message for e in read_invoice(io.BytesIO(b"bukan excel"), "tagihan.xlsx").errors] == [
        "Berkas bukan Excel (.xlsx) yang dapat dibaca."]
    no_header = read_invoice(xlsx([["Nama", "Alamat"], ["BUDI", "RT 1"]]), "tagihan.xlsx")
    assert "Tidak ada lembar berisi kolom KPJ atau NIK" in no_header.errors[0].message


@pytest.mark.parametrize("value, amount", [
    (16800, 16800), (16800.0, 16800), ("16800", 16800), ("16.800", 16800), ("Rp16.800", 16800), ("Rp 16.800,00", 16800),
    ("16,800", 16800), ("16,800.00", 16800), ("1.234.567", 1234567),
])
def test_amounts_are_read_in_indonesian_and_english_notation(value, amount):
    assert parse_amount(value) == Decimal(amount)


@pytest.mark.parametrize("value", ["16.8", "16800,50", 16800.5, "-5", "abc", True])
def test_amounts_that_are_not_whole_rupiah_are_refused(value):
    with pytest.raises(ValueError):
        parse_amount(value)
