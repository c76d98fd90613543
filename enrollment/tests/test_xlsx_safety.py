"""Excel we write is safe: text is never evaluated as a formula, NIK/KPJ/phone stay text."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from enrollment.imports import import_workers, write_rejected_rows
from demo.builders import HEADERS, person, rows_of
from core.xlsx import SafeWorkbook

DANGEROUS = ["=1+1", "+6281234567890", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0", "\t=1"]


def written(values, text_columns=()):
    book = SafeWorkbook()
    sheet = book.sheet("Uji", [f"K{i}" for i in range(len(values))], text_columns=text_columns)
    sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_text_starting_with_a_formula_character_is_a_quoted_string_cell():
    raw = written(DANGEROUS)
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    cells = load_workbook(io.BytesIO(raw)).active[2]
    for cell, text in zip(cells, DANGEROUS):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_numbers_like_nik_and_kpj_are_written_as_text_and_amounts_and_dates_as_values():
    raw = written(["6209015505800001", "24000000001", Decimal(1000000), datetime.date(2025, 1, 1), "biasa"],
                  text_columns=[0, 1])
    sheet = load_workbook(io.BytesIO(raw)).active
    nik, kpj, amount, day, plain = sheet[2]
    assert (nik.value, nik.data_type, nik.number_format) == ("6209015505800001", "s", "@")
    assert (kpj.value, kpj.number_format) == ("24000000001", "@")
    assert (amount.value, amount.number_format) == (1000000, "#,##0")
    assert day.value == datetime.datetime(2025, 1, 1) and day.number_format == "DD-MM-YYYY"
    assert plain.quotePrefix is False


def test_the_writer_is_write_only():
    assert SafeWorkbook().workbook.write_only


@pytest.mark.django_db
def test_the_rejected_rows_file_neutralises_what_the_uploaded_file_held(tmp_path, funding):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(rows_of([person(0, desa="Atlantis")])[0])
    sheet["G2"] = '=HYPERLINK("http://contoh.invalid","klik")'
    sheet["G2"].data_type = "s"  # typed as text in the village's file
    workbook.save(tmp_path / "masuk.xlsx")
    path = str(tmp_path / "masuk.xlsx")
    result = import_workers(path, funding=funding, by=None, dry_run=True)
    target = tmp_path / "ditolak.xlsx"
    write_rejected_rows(path, result, target, max_megabytes=50)
    xml = zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    address = load_workbook(target).active["G2"]
    assert address.value.startswith("=HYPERLINK") and address.data_type == "s" and address.quotePrefix
