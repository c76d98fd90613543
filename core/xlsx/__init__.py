"""Every Excel workbook the program reads goes through here, and every one it writes.

Reading has two steps. **The gate** (``inspect``) looks at the file without parsing any sheet
into memory: its size; an OLE2 container (a password-protected .xlsx, or an .xls of Excel
97-2003); not a zip; macros (``vbaProject.bin`` or a macro-enabled content type); too many
members; each member's declared *and* actual uncompressed size and ratio (measured while
streaming, so padding the archive with incompressible bytes or lying in the zip headers does
not help); and, streaming every XML part through expat with DTDs and entities refused, the total
number of ``<row>`` and ``<c>`` elements of all sheets (a flood of empty ``<row/>`` counts).
Malformed XML, a DTD, an entity (billion laughs, XXE) refuse the whole file. Memory stays bounded
by the limits whatever the file holds. The same pass notes what calamine cannot tell: formulas
with no cached value (R-IMP-5) and error cells.

**Then python-calamine** reads the sheets (typed cells, much faster than openpyxl): a number is a
number (a NIK typed as a number stays a row error, R-IMP-4), a date a date. ``iter_rows`` yields
the row number Excel shows (R-IMP-1) and a ``Cell`` per non-blank cell.

Writing (openpyxl, write-only) neutralises formula injection and keeps NIK, KPJ and phone numbers
as text, in one place: ``safe_cell`` and ``SafeWorkbook`` (../shared/stack.md: openpyxl writes
ints with 15-16 digits).

Limits: ``ProgramRules.import_max_megabytes`` (file size) and ``import_max_rows`` (rows, plus
``XLSX_EXTRA_ROWS`` for headers and footers); the settings ``XLSX_MAX_CELLS_PER_ROW``,
``XLSX_MAX_MEMBER_MEGABYTES``, ``XLSX_MAX_MEMBER_RATIO`` and ``XLSX_MAX_MEMBERS``.
"""

from .gate import (  # noqa: F401  (the package's names, as callers import them)
    BOOL, DATE, ERROR, NUMBER, TEXT, UNCALCULATED, FileProblem, FileRefused, Inspection, Limits, check_upload, inspect,
)
from .reading import (  # noqa: F401
    Cell, ReadWorkbook, Sheet, estimated_rows, header_key, iter_rows, open_workbook, worksheets,
)
from .writing import AMOUNT_FORMAT, DATE_FORMAT, FORMULA_START, SafeWorkbook, safe_cell  # noqa: F401
