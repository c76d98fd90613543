"""The reading gate (core/xlsx/) refuses every hostile workbook before python-calamine sees it,
and lets plain workbooks through with what calamine cannot tell (formulas without a value, errors)."""

import datetime
import zipfile

import pytest
from openpyxl import Workbook

from core.xlsx import reading
from core.xlsx import ERROR, NUMBER, TEXT, UNCALCULATED, FileRefused, Limits, iter_rows, open_workbook, worksheets

from .hostile_xlsx import HOSTILE, SHEET, SHEET_CLOSE, SHEET_OPEN, plain, rebuild

LIMITS = Limits(max_bytes=50 << 20, max_rows=101_000, max_cells=101_000 * 64)


class CalamineCalled(AssertionError):
    pass


@pytest.fixture
def calamine_must_not_run(monkeypatch):
    """Fail if the gate lets the file reach python-calamine (third-party, so replacing it is fair)."""
    def from_path(path):
        raise CalamineCalled(path)

    monkeypatch.setattr(reading.CalamineWorkbook, "from_path", staticmethod(from_path), raising=False)
    monkeypatch.setattr(reading, "CalamineWorkbook", type("NoCalamine", (), {"from_path": staticmethod(from_path)}))


@pytest.mark.parametrize("build, code, words", HOSTILE, ids=[b.__name__ for b, _c, _w in HOSTILE])
def test_each_hostile_workbook_is_refused_by_the_gate_before_calamine_reads_it(tmp_path, calamine_must_not_run, build,
                                                                               code, words):
    path = build(tmp_path)

    with pytest.raises(FileRefused) as refused:
        open_workbook(path, limits=LIMITS, name="unggahan.xlsx")

    assert refused.value.code == code
    assert str(refused.value).startswith("Berkas ditolak: ") and words in str(refused.value)


def test_the_empty_row_flood_is_refused_when_the_row_limit_is_passed_not_after_reading_it_all(tmp_path):
    sheet = SHEET_OPEN + b"<row/>" * 50 + SHEET_CLOSE
    path = rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "kosong.xlsx", replace={SHEET: sheet}, stored={SHEET})

    with pytest.raises(FileRefused, match="lebih dari 40 baris"):
        open_workbook(path, limits=Limits(max_bytes=50 << 20, max_rows=40, max_cells=10_000))


def test_cells_count_against_their_own_limit(tmp_path):
    path = plain(tmp_path / "lebar.xlsx", rows=[[f"k{i}" for i in range(30)]] * 3)

    with pytest.raises(FileRefused, match="sel lembar kerja"):
        open_workbook(path, limits=Limits(max_bytes=50 << 20, max_rows=100, max_cells=80))


def test_a_single_member_over_the_size_limit_is_refused_whatever_its_ratio(tmp_path):
    path = plain(tmp_path / "besar.xlsx", rows=[[str(i) * 40 for i in range(20)] for _ in range(2000)])

    with pytest.raises(FileRefused, match="terlalu besar setelah dibuka") as refused:
        open_workbook(path, limits=Limits(max_bytes=50 << 20, max_rows=10_000, max_cells=100_000, max_member_bytes=1 << 20))
    assert refused.value.code == "zip_bomb"


def test_a_macro_enabled_content_type_is_refused_even_without_the_vba_part(tmp_path):
    source = plain(tmp_path / "p.xlsx")
    with zipfile.ZipFile(source) as archive:
        types = archive.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    path = rebuild(source, tmp_path / "xlsm.xlsx", replace={"[Content_Types].xml": types})

    with pytest.raises(FileRefused, match="memuat makro"):
        open_workbook(path, limits=LIMITS)


def test_a_plain_workbook_passes_and_calamine_reads_typed_cells_with_excel_row_numbers(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet["B3"] = "  NIK  "
    sheet["C3"] = 6209011205851000  # typed as a number (R-IMP-4 decides what that means)
    sheet["D3"] = datetime.date(1985, 5, 12)
    sheet["E3"] = '=IF(A1=1,"L","P")'  # a formula never calculated (R-IMP-5): calamine sees ""
    sheet["B5"] = 1.5
    workbook.create_chartsheet("Grafik")
    workbook.save(tmp_path / "biasa.xlsx")
    raw = zipfile.ZipFile(tmp_path / "biasa.xlsx").read(SHEET)
    raw = raw.replace(b'<c r="B5" t="n"><v>1.5</v></c>', b'<c r="B5" t="e"><v>#DIV/0!</v></c>')
    path = rebuild(tmp_path / "biasa.xlsx", tmp_path / "galat.xlsx", replace={SHEET: raw})

    workbook = open_workbook(path, limits=LIMITS)
    try:
        sheets = list(worksheets(workbook))
        assert [(title, sheet is None) for title, sheet in sheets] == [("Data", False), ("Grafik", True)]
        rows = list(iter_rows(sheets[0][1]))
    finally:
        workbook.close()

    (three, cells3), (five, cells5) = rows
    assert (three, five) == (3, 5)
    assert (cells3[2].value, cells3[2].kind) == ("NIK", TEXT)
    assert (cells3[3].value, cells3[3].kind) == (6209011205851000, NUMBER)
    assert cells3[4].value == datetime.datetime(1985, 5, 12)
    assert cells3[5].kind == UNCALCULATED and cells3[5].display() == "=…"
    assert (cells5[2].value, cells5[2].kind) == ("#DIV/0!", ERROR)


def test_an_in_memory_upload_is_read_from_a_temporary_copy_that_is_removed(tmp_path):
    import io

    data = io.BytesIO(plain(tmp_path / "p.xlsx").read_bytes())
    workbook = open_workbook(data, limits=LIMITS, name="tagihan.xlsx")
    copy = workbook.temporary
    assert copy.exists()
    workbook.close()
    assert not copy.exists()


def test_rows_written_with_a_namespace_prefix_are_counted_too(tmp_path):
    sheet = (b'<?xml version="1.0"?>\n<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<x:sheetData>" + b"<x:row/>" * 50 + b"</x:sheetData></x:worksheet>")
    path = rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "awalan.xlsx", replace={SHEET: sheet}, stored={SHEET})

    with pytest.raises(FileRefused, match="lebih dari 40 baris"):
        open_workbook(path, limits=Limits(max_bytes=50 << 20, max_rows=40, max_cells=10_000))


def test_a_sheet_hidden_under_another_part_name_is_still_checked_and_counted(tmp_path):
    source = plain(tmp_path / "p.xlsx")
    with zipfile.ZipFile(source) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").replace(b"/xl/worksheets/sheet1.xml", b"/xl/data/blob.dat")
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    members.pop(SHEET)
    members["xl/_rels/workbook.xml.rels"] = rels
    members["xl/data/blob.dat"] = SHEET_OPEN + b"<row/>" * 50 + SHEET_CLOSE
    path = tmp_path / "sembunyi.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    with pytest.raises(FileRefused, match="lebih dari 40 baris"):
        open_workbook(path, limits=Limits(max_bytes=50 << 20, max_rows=40, max_cells=10_000))
