"""Reading the Excel files people make by hand, and writing Excel files that are safe to open.

Reading streams the sheets (openpyxl read-only, so memory stays flat as a file grows) and keeps
what a plain ``iter_rows(values_only=True)`` loses: the row number Excel shows (R-IMP-1), whether
a cell held a number or text (a numeric NIK cell has already lost its 16th digit, R-IMP-4), and
formulas that were never calculated (R-IMP-5). Writing neutralises formula injection and keeps
NIK, KPJ and phone numbers as text (../shared/stack.md: openpyxl writes ints with 15-16 digits).
"""

import datetime
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

# A compound (OLE2) file: an .xls of Excel 97-2003, or an .xlsx protected with a password.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
# An .xlsx is a zip of XML: refuse one that would unpack to far more than its size (a zip bomb).
_MAX_UNPACK_RATIO = 40

_INLINE_TAG = INLINE_STRING
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
_RUN_TAG = f"{{{SHEET_MAIN_NS}}}r"

NUMBER, TEXT, DATE, BOOL, ERROR, UNCALCULATED = "n", "s", "d", "b", "e", "f"


class FileProblem(Exception):
    """A problem with the whole file: one clear Indonesian message, and nothing else happens."""


@dataclass(slots=True)
class Cell:
    value: object  # str (stripped, never empty), int, float, datetime, bool; None only for UNCALCULATED
    kind: str  # NUMBER, TEXT, DATE, BOOL, ERROR or UNCALCULATED

    def display(self) -> str:
        """The value as the user saw it, for error messages."""
        if self.kind == UNCALCULATED:
            return "=…"
        if isinstance(self.value, datetime.datetime):
            if self.value.time() == datetime.time(0, 0):
                return self.value.strftime("%d-%m-%Y")
            return self.value.strftime("%d-%m-%Y %H:%M")
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser, telling a formula without a cached value from an empty cell.

    With ``data_only`` openpyxl returns None for both; R-IMP-5 needs the difference (a formula
    written by a program and never opened in Excel has no value to import). Inline strings
    (what programs, openpyxl included, write) are read directly: openpyxl builds a rich-text
    object for each, a third of the reading time of a 100,000-row file.
    """

    def parse_cell(self, element):
        if element.get("t") == "inlineStr":
            return self._inline_string(element)
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = UNCALCULATED
        return cell

    def _inline_string(self, element):
        # The row/column bookkeeping of WorkSheetParser.parse_cell.
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value = None
        inline = element.find(_INLINE_TAG)
        if inline is not None:
            # Plain text, then the rich-text runs; phonetic runs (rPh) are not part of the text.
            value = (inline.findtext(_TEXT_TAG) or "") + "".join(run.findtext(_TEXT_TAG) or "" for run in inline.iterfind(_RUN_TAG))
        return {"row": row, "column": column, "value": value, "data_type": "s", "style_id": 0}


def check_file(path, *, max_megabytes: int) -> None:
    """File-level checks before openpyxl touches the file: size, old .xls, password, not a zip."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileProblem(_("Berkas %(name)s tidak dapat dibaca.") % {"name": path.name}) from exc
    if size > max_megabytes * 1024 * 1024:
        raise FileProblem(
            _("Berkas %(name)s berukuran %(size).1f MB, melebihi batas %(max)d MB.")
            % {"name": path.name, "size": size / 1024 / 1024, "max": max_megabytes}
        )
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == _OLE_MAGIC:
            handle.seek(0)
            if _ENCRYPTION_STREAM in handle.read():
                raise FileProblem(_(
                    "Berkas %(name)s dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca. Buka di Excel, "
                    "hapus kata sandinya (File › Info › Lindungi Buku Kerja), simpan, lalu unggah lagi."
                ) % {"name": path.name})
            raise FileProblem(_(
                "Berkas %(name)s berformat .xls lama (Excel 97-2003). Buka di Excel, simpan sebagai "
                "\"Buku Kerja Excel (.xlsx)\", lalu unggah lagi."
            ) % {"name": path.name})
    if not zipfile.is_zipfile(path):
        raise FileProblem(_("Berkas %(name)s bukan berkas Excel .xlsx.") % {"name": path.name})
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem(_("Berkas %(name)s rusak dan tidak dapat dibuka.") % {"name": path.name}) from exc
    if unpacked > max(size, 1024 * 1024) * _MAX_UNPACK_RATIO:
        raise FileProblem(_("Isi berkas %(name)s terlalu besar setelah dibuka.") % {"name": path.name})


def open_workbook(path, *, max_megabytes: int):
    """The workbook in read-only streaming mode with calculated values, or FileProblem."""
    check_file(path, max_megabytes=max_megabytes)
    try:
        return load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, InvalidFileException, ...) on a non-workbook
        raise FileProblem(
            _("Berkas %(name)s bukan buku kerja Excel .xlsx yang dapat dibaca (%(reason)s).")
            % {"name": Path(path).name, "reason": exc.__class__.__name__}
        ) from exc


def worksheets(workbook):
    """(title, sheet or None) for every sheet; None for chart sheets, which hold no rows."""
    for sheet in workbook.worksheets:
        yield sheet.title, sheet if isinstance(sheet, ReadOnlyWorksheet) else None


def estimated_rows(sheet) -> int:
    """The row count the sheet declares (for progress only: files written by programs may not say)."""
    try:
        return sheet.max_row or 0
    except Exception:  # a broken <dimension> element must not stop an import
        return 0


def iter_rows(sheet):
    """Yield (Excel row number, {column number: Cell}) for rows with at least one non-blank cell.

    Uses openpyxl's own streaming parser (the one behind ``iter_rows`` in read-only mode),
    without building a cell object per cell.
    """
    workbook = sheet.parent
    with sheet._get_source() as source:
        parser = _Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, raw_cells in parser.parse():
            cells = {}
            for raw in raw_cells:
                value, kind = raw["value"], raw["data_type"]
                if kind == UNCALCULATED:
                    cells[raw["column"]] = Cell(None, UNCALCULATED)
                    continue
                if value is None:
                    continue
                if kind == TEXT:  # most cells: skip the type tests below
                    value = value.strip()
                    if value:
                        cells[raw["column"]] = Cell(value, TEXT)
                    continue
                if isinstance(value, str):
                    value = value.strip()
                    if not value:
                        continue
                    kind = ERROR if kind == ERROR else TEXT
                elif isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
                    kind = DATE
                elif isinstance(value, datetime.timedelta):
                    kind, value = TEXT, str(value)
                elif isinstance(value, bool):
                    kind = BOOL
                else:
                    kind = NUMBER
                cells[raw["column"]] = Cell(value, kind)
            if cells:
                yield number, cells


_HEADER_NOISE = re.compile(r"[\W_]+")


def header_key(text) -> str:
    """R-IMP-2: headers compare ignoring case, punctuation, spaces and underscores."""
    return _HEADER_NOISE.sub("", str(text or "").lower())


# --- Writing --------------------------------------------------------------------------------

# Text that a spreadsheet would take as a formula (OWASP "CSV injection"): = + - @, tab, CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD-MM-YYYY"
AMOUNT_FORMAT = "#,##0"


class SafeWorkbook:
    """A write-only workbook whose text is never evaluated by Excel.

    Text starting with = + - @ is written as a string cell with Excel's "quote prefix" (the
    apostrophe users type), so neither opening nor editing the cell makes it a formula; columns
    named in ``text_columns`` (NIK, KPJ, phone) are formatted as Text ("@").
    """

    def __init__(self):
        self.workbook = Workbook(write_only=True)
        self._bold = Font(bold=True)

    def sheet(self, title, headers, *, text_columns=(), widths=None):
        sheet = self.workbook.create_sheet(title=_sheet_title(title))
        text_columns = set(text_columns)
        for index, width in enumerate(widths or []):
            if width:
                sheet.column_dimensions[_column_letter(index + 1)].width = width
        header_cells = []
        for header in headers:
            cell = self._cell(sheet, header, as_text=True)
            cell.font = self._bold
            header_cells.append(cell)
        sheet.append(header_cells)
        return _SheetWriter(self, sheet, [index in text_columns for index in range(len(headers))])

    def _cell(self, sheet, value, *, as_text=False):
        if isinstance(value, str) or (as_text and value is not None):
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # openpyxl would make "=..." a formula; a string cell is never evaluated
            if text.startswith(_FORMULA_START):
                cell.quotePrefix = True
            if as_text:
                cell.number_format = "@"
            return cell
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.datetime):
            cell.number_format = "DD-MM-YYYY HH:MM"
        elif isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            cell.number_format = AMOUNT_FORMAT
        return cell

    def save(self, target):
        self.workbook.save(target)


class _SheetWriter:
    def __init__(self, book, sheet, text_flags):
        self.book, self.sheet, self.text_flags = book, sheet, text_flags

    def append(self, values):
        flags = self.text_flags
        self.sheet.append([
            self.book._cell(self.sheet, value, as_text=index < len(flags) and flags[index])
            for index, value in enumerate(values)
        ])


def _column_letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _sheet_title(title) -> str:
    """Excel's limits for sheet names: 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", str(title))[:31]
    return cleaned or "Sheet"
