"""Writing (openpyxl, write-only): formula injection neutralised and NIK, KPJ and phone numbers kept
as text, in one place (../shared/stack.md: openpyxl writes ints with 15-16 digits)."""

import datetime
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Text that a spreadsheet would take as a formula (OWASP "CSV injection"): = + - @, tab, CR.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD-MM-YYYY"
AMOUNT_FORMAT = "#,##0"
_BOLD = Font(bold=True)


def safe_cell(sheet, value, *, as_text=False, bold=False, number_format=None):
    """The one place a written cell is made safe.

    Text is a string cell (openpyxl would make "=..." a formula; a string cell is never
    evaluated), and text starting with = + - @ gets Excel's "quote prefix" (the apostrophe users
    type) so editing the cell does not make it a formula either; the text itself is unchanged, so
    a file written here reads back as it was. ``as_text`` (NIK, KPJ, phone, account numbers)
    writes any value as text formatted "@": a number keeps only 15 digits in Excel.
    """
    if isinstance(value, str) or (as_text and value is not None):
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
        if as_text:
            cell.number_format = "@"
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    return cell


class SafeWorkbook:
    """A write-only workbook whose text is never evaluated by Excel (see ``safe_cell``); columns
    named in ``text_columns`` (NIK, KPJ, phone) are formatted as Text ("@")."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(self, title, headers, *, text_columns=(), widths=None):
        sheet = self.workbook.create_sheet(title=_sheet_title(title))
        text_columns = set(text_columns)
        for index, width in enumerate(widths or []):
            if width:
                sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.append([safe_cell(sheet, header, as_text=True, bold=True) for header in headers])
        return _SheetWriter(self, sheet, [index in text_columns for index in range(len(headers))])

    def _cell(self, sheet, value, *, as_text=False):
        if isinstance(value, str) or (as_text and value is not None):
            return safe_cell(sheet, value, as_text=as_text)
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


def _sheet_title(title) -> str:
    """Excel's limits for sheet names: 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", str(title))[:31]
    return cleaned or "Sheet"
