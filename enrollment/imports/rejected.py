"""The file of rejected rows: the rows refused, as they were in the file, with a "Kesalahan"
column, to fix and upload again (R-IMP-5)."""

from core.xlsx import NUMBER, UNCALCULATED, SafeWorkbook, iter_rows, open_workbook, worksheets

from .result import ImportResult

ERROR_COLUMN = "Kesalahan"


def write_rejected_rows(path, result: ImportResult, target, *, max_megabytes: int) -> int:
    """The rows refused, as they were in the file, with a "Kesalahan" column: fix and upload again.

    Streams the source file a second time (only the header rows and the refused rows are copied),
    so memory does not grow with the file. Returns the number of rows written.
    """
    if not result.rejected:
        return 0
    wanted_sheets = {sheet for sheet, _row in result.rejected}
    book = SafeWorkbook()
    written = 0
    workbook = open_workbook(path, max_megabytes=max_megabytes)
    try:
        for title, sheet in worksheets(workbook):
            layout = result.layouts.get(title)
            if sheet is None or title not in wanted_sheets or layout is None:
                continue
            writer, header = None, []
            for number, cells in iter_rows(sheet):
                if writer is None:
                    if number in layout.header_rows:
                        header.append((number, cells))
                        if number == layout.header_rows[-1]:
                            writer = _RejectedSheet(book, title, header, layout)
                    continue
                messages = result.rejected.get((title, number))
                if messages:
                    writer.append(cells, " ".join(messages))
                    written += 1
    finally:
        workbook.close()
    book.save(target)
    return written


class _RejectedSheet:
    """A sheet of the rejected-rows file: the header rows as read, then the refused rows, each with
    the error column (its title on the header row that holds NIK and Nama)."""

    def __init__(self, book, title, header, layout):
        self.width = max(max(cells) for _number, cells in header)
        text_columns = {col - 1 for col, name in layout.columns.items() if name in ("nik", "kk", "heir_nik", "phone")}
        rows = [self._values(cells) + [ERROR_COLUMN if number == layout.header_row else None] for number, cells in header]
        self.writer = book.sheet(title, rows[0], text_columns=text_columns)
        for row in rows[1:]:
            self.writer.append(row)

    def _values(self, cells):
        values = []
        for col in range(1, self.width + 1):
            cell = cells.get(col)
            if cell is None or cell.kind == UNCALCULATED:
                values.append(None)
            elif cell.kind == NUMBER and isinstance(cell.value, float) and cell.value.is_integer():
                values.append(int(cell.value))
            else:
                values.append(cell.value)
        return values

    def append(self, cells, message):
        self.writer.append(self._values(cells) + [message])
