"""Step 1 of the import: read a workers file through the one reading gate (core.xlsx), sheet by
sheet: find the header (R-IMP-1, R-IMP-2), keep the data rows (R-IMP-3) and read each of them
(R-IMP-4, R-IMP-5) into candidates and problems."""

import datetime
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import ProgramRules
from core.xlsx import TEXT, FileProblem, estimated_rows, header_key, iter_rows, open_workbook, worksheets

from .columns import (
    HEADER_SEARCH_ROWS, REQUIRED_COLUMNS, ROW_NUMBER_HEADERS, SEX_MARK, Sheet, grouped_field, groups_over, header_field,
)
from .result import ImportResult, Problem
from .rows import DATA, LONE_NAME, Occupations, Regions, RowReader, classify_row


class WorkerFile:
    """Step 1: reads a workers file into candidates and problems, checking the rules that need no
    database beyond the reference lists."""

    def __init__(self, path, *, start: datetime.date, rules: ProgramRules, today=None, display_name=None,
                 allowed_desa=None):
        self.path = Path(path)
        self.name = display_name or self.path.name
        self.start = start
        self.rules = rules
        self.today = today or timezone.localdate()
        self.regions = Regions()
        self.occupations = Occupations()
        self.result = ImportResult()
        self.candidates = []
        self.sheets = self.result.layouts  # title -> Sheet
        self.first_row_of = {}  # nik -> (sheet, row): R-IMP-5 duplicates name the first row
        # The rows to check against the database, one per valid NIK (first occurrences): the
        # Candidate, or (nik, sheet, row, NIK header, birth date, (header, cell) for R-AGE-1) for a row refused for another reason.
        self.nik_rows = []
        self.age_rows = []  # (sheet, row, birth date, (header, cell)) of rows without a NIK to check: R-AGE-1 only
        # What each distinct value of a column gives (rows.RowReader.remembered): a list repeats the
        # same desa, occupations, places and addresses; also one string object per repeated value (memory).
        self.memo = {}
        self.end = None  # the coverage end date, once the funding period is checked
        self.allowed_desa = allowed_desa  # issue 14: the uploader's desa ids, or None (the district: any)
        self._row_errors = None

    # --- reading --------------------------------------------------------------------------

    def read(self, progress=None):
        workbook = open_workbook(self.path, max_megabytes=self.rules.import_max_megabytes, name=self.name)
        try:
            sheets = list(worksheets(workbook))
            total = sum(estimated_rows(sheet) for _title, sheet in sheets if sheet is not None) or 0
            done = 0
            for title, sheet in sheets:
                if sheet is None:
                    self.result.skipped_sheets.append(title)
                    continue
                done = self._read_sheet(title, sheet, progress, done, total)
                if title not in self.sheets:
                    self.result.skipped_sheets.append(title)
        finally:
            workbook.close()
        if not self.sheets:
            raise FileProblem(
                _("Berkas %(name)s tidak memuat baris judul dengan kolom NIK dan Nama di 20 baris pertama lembar mana pun.")
                % {"name": self.name}
            )
        return self

    def _read_sheet(self, title, sheet, progress, done, total):
        current = above = None
        checked = False  # the header is checked once a second header row below it is ruled in or out
        for number, cells in iter_rows(sheet):
            done += 1
            if progress and done % 1000 == 0:
                progress(done, total)
            if current is None:
                if number > HEADER_SEARCH_ROWS:
                    break  # R-IMP-1: no header row in the first 20 rows; the sheet is skipped
                current = self._header(title, number, cells, above if above and above[0] == number - 1 else None)
                if current is not None:
                    self.sheets[title] = current
                above = (number, cells)
                continue
            if not checked:
                checked = True
                below = number == current.header_row + 1 and self._labels_below(current, number, cells)
                self._check_header(current)
                if below:
                    continue
            self._read_row(current, number, cells)
        if current is not None and not checked:
            self._check_header(current)
        if progress:
            progress(done, total)
        return done

    def _header(self, title, number, cells, above):
        """R-IMP-1: the first row holding both a NIK header and a name header (R-IMP-2), its labels
        read with the merged group cells of the row ``above`` (number, cells) when there is one."""
        labels = {col: cell.value for col, cell in cells.items() if cell.kind == TEXT}
        group_cells = {col: cell.value for col, cell in above[1].items() if cell.kind == TEXT} if above else {}
        groups = groups_over(labels, group_cells)
        fields = {col: grouped_field(groups.get(col), text) for col, text in labels.items()}
        if not {"nik", "name"} <= set(fields.values()):
            return None
        sheet = Sheet(title=title, header_row=number, columns={}, headers={}, field_columns={}, labels=labels)
        read_with_groups = any(fields[col] != header_field(text) for col, text in labels.items())
        sheet.header_rows = [above[0], number] if read_with_groups else [number]
        for col, name in sorted(fields.items()):
            self._map_column(sheet, col, name, labels[col], groups.get(col), number)
        if "nik" not in sheet.field_columns or "name" not in sheet.field_columns:
            return None  # its only NIK and name are the heir's
        return sheet

    def _map_column(self, sheet, col, name, label, group, row):
        """Put one header cell's field (grouped_field's answer) on the sheet."""
        if name is None:
            sheet.unknown[col] = label
            return
        if name == "ignored":
            if header_key(label) in ROW_NUMBER_HEADERS:
                sheet.number_columns.add(col)
            return
        if isinstance(name, tuple):  # a column of marks under "L" or "P"
            sheet.sex_marks[col] = name[1]
            sheet.columns[col] = SEX_MARK
            sheet.headers[col] = label
            sheet.group_headers["sex"] = group
            return
        # A label read with its group is named with it in the errors: "Tempat/Tgl Lahir (Tanggal)".
        header = label if header_field(label) == name or not group else f"{group} ({label})"
        if name in sheet.field_columns:
            first = sheet.headers[sheet.field_columns[name]]
            self._warn(sheet, row, header, header, _(
                "Kolom \"%(header)s\" sama artinya dengan kolom \"%(first)s\"; hanya kolom \"%(first)s\" yang dibaca."
            ) % {"header": header, "first": first})
            return
        sheet.columns[col] = name
        sheet.headers[col] = header
        sheet.field_columns[name] = col

    def _labels_below(self, sheet, number, cells):
        """R-IMP-2, a header drawn on two rows: the labels under merged header cells ("Tempat" |
        "Tanggal" under "Tempat/Tgl Lahir", "L" | "P" under "Jenis Kelamin", "Desa" under
        "Alamat"). Returns whether the row was such a row (text only, nothing under NIK or name,
        at least one label naming a column)."""
        if any(cell.kind != TEXT for cell in cells.values()):
            return False
        if sheet.field_columns["nik"] in cells or sheet.field_columns["name"] in cells:
            return False
        group_columns = groups_over(cells, {col: col for col in sheet.labels})
        fields = {col: grouped_field(sheet.labels.get(group_columns.get(col)), cell.value) for col, cell in cells.items()}
        fields = {col: name for col, name in fields.items() if name not in (None, "ignored", "nik", "name")}
        if not fields:
            return False
        for col, name in sorted(fields.items()):
            own = sheet.columns.pop(col, None)  # the merged cell's own field, now told apart by its labels
            if own is not None and sheet.field_columns.get(own) == col:
                del sheet.field_columns[own]
            group_col = group_columns.get(col)
            sheet.unknown.pop(group_col, None)  # "Ahli Waris" names no column, its labels do
            self._map_column(sheet, col, name, cells[col].value, sheet.labels.get(group_col), number)
        sheet.header_rows.append(number)
        return True

    def _check_header(self, sheet):
        """The header's problems, once it is read whole: unknown columns, a missing Desa column."""
        for col, label in sorted(sheet.unknown.items()):
            self._warn(sheet, sheet.header_row, label, label, _("Kolom \"%(header)s\" tidak dikenali dan diabaikan.") % {"header": label})
        for name, label in REQUIRED_COLUMNS.items():
            if name not in sheet.field_columns:
                raise FileProblem(_(
                    "Berkas %(file)s, lembar \"%(sheet)s\": kolom %(column)s tidak ditemukan di baris judul (baris %(row)d)."
                ) % {"file": self.name, "sheet": sheet.title, "column": label, "row": sheet.header_row})
        has_date = "birth_date" in sheet.field_columns or "place_and_date" in sheet.field_columns
        if not has_date or not ("sex" in sheet.field_columns or sheet.sex_marks):
            self._warn(sheet, sheet.header_row, None, None, _(
                "Lembar ini tidak memiliki kolom tanggal lahir atau jenis kelamin; keduanya diambil dari NIK, "
                "sehingga kecocokannya dengan NIK (R-NIK-2) tidak dapat diperiksa."
            ))

    def _is_data(self, sheet, number, cells):
        """R-IMP-3 (the rule is in imports.rows): a lone name is not read but named in a warning."""
        kind, sheet.in_footer = classify_row(
            cells, nik_column=sheet.field_columns["nik"], name_column=sheet.field_columns["name"],
            data_columns=sheet.columns, number_columns=sheet.number_columns, header_field=header_field,
            in_footer=sheet.in_footer,
        )
        if kind == LONE_NAME:
            name = cells[sheet.field_columns["name"]]
            self._warn(sheet, number, sheet.headers[sheet.field_columns["name"]], name.display(), _(
                "Baris ini hanya berisi \"%(value)s\" di kolom Nama, tanpa NIK atau data lain, sehingga tidak dibaca "
                "sebagai pekerja. Bila ini seorang pekerja, lengkapi NIK dan desanya lalu unggah lagi."
            ) % {"value": name.display()})
        return kind == DATA

    def _read_row(self, sheet, number, cells):
        if not self._is_data(sheet, number, cells):
            return
        result = self.result
        result.rows += 1
        if result.rows > self.rules.import_max_rows:
            raise FileProblem(
                _("Berkas %(name)s memuat lebih dari %(max)s baris data; batasnya %(max)s baris per berkas. Bagi berkas menjadi beberapa bagian.")
                % {"name": self.name, "max": f"{self.rules.import_max_rows:,}".replace(",", ".")}
            )
        self._row_errors = []
        row = RowReader(self, sheet, number, cells)
        candidate = row.read()
        if self._row_errors:
            result.rejected[(sheet.title, number)] = self._row_errors
            if candidate is not None:
                candidate.ok = False
        elif candidate is not None:
            self.candidates.append(candidate)
        self._row_errors = None

    # --- problems -------------------------------------------------------------------------

    def _error(self, sheet, row, column, value, message):
        self.result.errors.append(Problem(sheet.title if sheet else None, row, column, value, message))
        if self._row_errors is not None:
            self._row_errors.append(message)

    def _warn(self, sheet, row, column, value, message):
        self.result.warnings.append(Problem(sheet.title if sheet else None, row, column, value, message))
