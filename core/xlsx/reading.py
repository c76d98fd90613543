"""Reading after the gate: python-calamine's typed cells, with the row numbers Excel shows (R-IMP-1)."""

import datetime
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from .gate import BOOL, DATE, NUMBER, TEXT, UNCALCULATED, FileRefused, Inspection, Limits, SheetFacts, inspect

@dataclass(slots=True)
class Cell:
    value: object  # str (stripped, never empty), int, float, datetime, bool; None only for UNCALCULATED
    kind: str  # NUMBER, TEXT, DATE, BOOL, ERROR or UNCALCULATED

    def display(self) -> str:
        """The value as the user saw it, for error messages."""
        if self.kind == TEXT:  # most cells: the text itself
            return self.value
        if self.kind == UNCALCULATED:
            return "=…"
        if isinstance(self.value, datetime.datetime):
            if self.value.time() == datetime.time(0, 0):
                return self.value.strftime("%d-%m-%Y")
            return self.value.strftime("%d-%m-%Y %H:%M")
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value)



class ReadWorkbook:
    """A workbook that passed the gate, read with python-calamine."""

    def __init__(self, path, inspection: Inspection, name: str):
        self.inspection, self.name = inspection, name
        self.temporary = None  # a copy of an in-memory upload, removed on close
        try:
            self.book = CalamineWorkbook.from_path(str(path))
        except (CalamineError, OSError, ValueError) as exc:
            raise FileRefused(_("berkas %(name)s bukan buku kerja Excel .xlsx yang dapat dibaca (%(reason)s).") % {
                "name": name, "reason": exc.__class__.__name__}, code="unreadable") from exc

    def close(self):
        self.book.close()
        if self.temporary:
            Path(self.temporary).unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Sheet:
    workbook: ReadWorkbook
    title: str
    facts: SheetFacts


def open_workbook(source, *, max_megabytes: int | None = None, limits: Limits | None = None, name=None) -> ReadWorkbook:
    """The gate, then the workbook for ``worksheets``/``iter_rows``; FileProblem if refused.

    ``source`` is a path, or a file (an upload): that is copied to a temporary file first.
    """
    limits = limits or Limits.from_rules(max_megabytes=max_megabytes)
    temporary = None
    if isinstance(source, (str, Path)):
        path = Path(source)
    elif getattr(source, "temporary_file_path", None):
        path = Path(source.temporary_file_path())
    else:
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as copy:
            source.seek(0)
            shutil.copyfileobj(source, copy)
        path = temporary = Path(copy.name)
        name = name or getattr(source, "name", None)
    try:
        name = name or path.name
        workbook = ReadWorkbook(path, inspect(path, limits=limits, name=name), name)
    except BaseException:
        if temporary:
            temporary.unlink(missing_ok=True)
        raise
    workbook.temporary = temporary
    return workbook


def worksheets(workbook: ReadWorkbook):
    """(title, sheet or None) for every sheet; None for chart and other sheets, which hold no rows."""
    for meta in workbook.book.sheets_metadata:
        if meta.typ == SheetTypeEnum.WorkSheet:
            yield meta.name, Sheet(workbook, meta.name, workbook.inspection.sheets.get(meta.name) or SheetFacts())
        else:
            yield meta.name, None


def estimated_rows(sheet: Sheet) -> int:
    """The sheet's XML row count, as the gate counted it (for progress)."""
    return sheet.facts.rows


_MIDNIGHT = datetime.time(0, 0)


def iter_rows(sheet: Sheet):
    """Yield (Excel row number, {column number: Cell}) for rows with at least one non-blank cell."""
    try:
        source = sheet.workbook.book.get_sheet_by_name(sheet.title)
    except CalamineError as exc:
        raise FileRefused(_("berkas %(name)s, lembar \"%(sheet)s\" tidak dapat dibaca (%(reason)s).") % {
            "name": sheet.workbook.name, "sheet": sheet.title, "reason": exc.__class__.__name__}, code="unreadable") from exc
    start = source.start
    # Formulas without a value and error cells, from the gate: calamine reads them as "" (and
    # leaves them out of its range when they end a row or the sheet).
    special = {}
    for (row, column), (kind, value) in sheet.facts.special.items():
        special.setdefault(row, {})[column] = Cell(value, kind)
    last = 0
    if start is not None:
        first_column = start[1] + 1
        # calamine yields rows from the first row of the sheet, columns from the first used column.
        for index, values in enumerate(source.iter_rows()):
            number = index + 1
            cells = {}
            for offset, value in enumerate(values):
                if value == "" or value is None:
                    continue
                kind = type(value)
                if kind is str:
                    value = value.strip()
                    if not value:
                        continue
                    cell = Cell(value, TEXT)
                elif kind is float:
                    cell = Cell(int(value) if value.is_integer() and abs(value) < 2**53 else value, NUMBER)
                elif kind is bool:
                    cell = Cell(value, BOOL)
                elif kind is int:
                    cell = Cell(value, NUMBER)
                elif kind is datetime.datetime or kind is datetime.time:
                    cell = Cell(value, DATE)
                elif kind is datetime.date:
                    cell = Cell(datetime.datetime.combine(value, _MIDNIGHT), DATE)  # as openpyxl gave it
                else:  # a duration ([h]:mm) and anything unforeseen: as text
                    cell = Cell(str(value), TEXT)
                cells[first_column + offset] = cell
            if number in special:
                cells = dict(sorted({**special.pop(number), **cells}.items()))
            if cells:
                yield number, cells
            last = number
    for number in sorted(special):
        if number > last:
            yield number, dict(sorted(special[number].items()))


_HEADER_NOISE = re.compile(r"[\W_]+")


def header_key(text) -> str:
    """R-IMP-2: headers compare ignoring case, punctuation, spaces and underscores."""
    return _HEADER_NOISE.sub("", str(text or "").lower())
