"""The dashboard's Excel export goes through the one safe writer (core.xlsx.safe_cell): a name
that a spreadsheet would run as a formula stays text."""

import io
import zipfile

import openpyxl
import pytest

from demo.builders import make_funding

HOSTILE = '=HYPERLINK("http://contoh.invalid","klik")'


@pytest.mark.django_db
def test_a_program_name_starting_with_equals_is_written_as_quoted_text_not_a_formula(client, official):
    make_funding(code="RUMUS", name=HOSTILE)
    client.force_login(official)

    content = client.get("/dashboard/export.xlsx").content

    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for row in book["Program"].iter_rows() for cell in row if cell.value == HOSTILE]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
