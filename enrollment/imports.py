"""Bulk import of workers from the district officials' Excel lists: R-IMP-1..5 of ../shared/domain.md.

One service for the admin upload page (through a Celery task), the ``import_workers`` command
and the benchmark. It works in three steps:

1. **Read** (no lock held): stream every sheet, find its header row (R-IMP-1), map the columns
   by their aliases (R-IMP-2), keep the data rows (R-IMP-3), normalise the values (R-IMP-4) and
   check each row with the rule functions the admin form uses (R-NIK-*, R-AGE-1, R-ENR-1,
   R-ENR-6): ``nik.parse_nik``, ``nik.identity_errors``, ``services.age_error``, ...
2. **Check against the database**: NIKs already registered, already covered in an overlapping
   period (R-ENR-3, R-ENR-5), deceased workers, and the funding source's quota and budget for
   the whole batch (R-ENR-4). For a commit this runs under the funding source's row lock.
3. **Write** (commit only) in the same transaction: new workers, their occupations and heirs,
   draft coverage under the funding source and the audit trail, all or nothing.

A NIK already in the database is not a new worker: when the worker is not covered in an
overlapping period (a renewal, 2025 -> 2026) the new coverage is his, and his recorded data is not
changed; when he is covered, the row is an error counted in ``duplicates``.

An occupation the list does not know is not a reason to lose the worker: it is recorded as
"Lainnya" with a warning, because it changes neither the eligibility nor, for the regency's
public money, the price (R-RATE-4); the operator can correct it on the worker's page. It still
counts as one of the occupations the worker declared (R-ENR-6: at most 2).
"""

import bisect
import datetime
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel

from core.roles import require_permission
from core.audit import record
from core.bulk import RawJson, insert_rows, reserve_ids
from core.models import AuditEvent, ProgramRules
from core.xlsx import DATE, ERROR, NUMBER, TEXT, UNCALCULATED, FileProblem, SafeWorkbook, header_key, iter_rows, open_workbook
from core.xlsx import estimated_rows, worksheets
from funding.contributions import RateTable, income_basis_error
from funding.models import FundingSource

from . import normalize
from .import_rows import DATA, LONE_NAME, classify_row
from .models import Coverage, Desa, Heir, Kecamatan, Occupation, Worker
from .nik import clean_nik, heir_nik_error, identity_errors, parse_nik, validate_kk_number
from .reference import OCCUPATION_ALIASES
from .services import (
    EnrollmentError,
    age_error,
    capacity_problems,
    chunked,
    coverage_created_changes,
    coverage_end_for,
    death_error,
    draft_coverage_fields,
    enrollment_cost,
    lock_funding,
    occupations_error,
    overlap_problems_by_nik,
)

# R-IMP-1: the header row is among the first 20 rows of a sheet.
HEADER_SEARCH_ROWS = 20

# R-IMP-2: column aliases, compared by header_key (case, punctuation, spaces, underscores ignored).
COLUMN_ALIASES = {
    "nik": ["nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp"],
    "name": ["nama", "nama lengkap", "nama pekerja", "nama peserta", "nama sesuai ktp"],
    "birth_place": ["tempat lahir", "tmp lahir", "tmpt lahir"],
    "birth_date": ["tanggal lahir", "tgl lahir"],
    "place_and_date": ["tempat tanggal lahir", "tempat/tgl lahir", "ttl"],
    "sex": ["jenis kelamin", "jk", "l/p", "kelamin"],
    "address": ["alamat", "alamat lengkap", "alamat domisili"],
    "desa": ["desa", "kelurahan", "desa/kelurahan", "desa/kel"],
    "kecamatan": ["kecamatan", "kec"],
    "occupation": ["pekerjaan", "jenis pekerjaan", "profesi"],
    "phone": ["no hp", "nomor hp", "no hp/wa", "no telp", "telepon", "hp", "whatsapp", "wa"],
    "kk": ["no kk", "nomor kk"],
    "income": ["penghasilan", "dasar penghasilan", "upah"],
    "heir_name": ["nama ahli waris"],
    "heir_relationship": ["hubungan ahli waris"],
    "heir_nik": ["nik ahli waris"],
    # A "no"/"no urut" column is ignored; so are the columns our own error file adds.
    "ignored": ["no", "no urut", "kesalahan", "lembar asal", "baris asal"],
}
HEADER_FIELDS = {header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
ROW_NUMBER_HEADERS = {header_key("no"), header_key("no urut")}
SEX_MARK = "sex_mark"  # a column of marks under "L" or "P" (two-row header)
# Labels under a merged "Tempat/Tgl Lahir" (or "TTL") header cell.
_PLACE_DATE_PARTS = {
    **{header_key(label): "birth_place" for label in ("tempat", "tmp", "tmpt")},
    **{header_key(label): "birth_date" for label in ("tanggal", "tgl", "tgl/bln/thn", "tanggal/bulan/tahun")},
}
_NO_MARK = {"0", "-", "–"}  # how templates say "not this one" in a column of marks
_HEADER_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
REQUIRED_COLUMNS = {"desa": gettext_lazy("Desa/Kelurahan")}  # NIK and name are required to find the header row at all

ERROR_COLUMN = "Kesalahan"
KK_LABEL = gettext_lazy("Nomor KK")
HEIR_NIK_LABEL = gettext_lazy("NIK ahli waris")

_LETTER = re.compile(r"[^\W\d_]")
_OCCUPATION_SEPARATORS = re.compile(r"\s*(?:[,;&+]|/|\bdan\b)\s*", re.IGNORECASE)


def header_field(text) -> str | None:
    """R-IMP-2: the field a header names, also with a note in brackets ("NIK (16 digit)",
    "Tanggal Lahir (dd-mm-yyyy)", "Nama Lengkap (sesuai KTP)"): the note names no column."""
    field_name = HEADER_FIELDS.get(header_key(text))
    if field_name is None and ("(" in text or "[" in text):
        field_name = HEADER_FIELDS.get(header_key(_HEADER_NOTE.sub(" ", text)))
    return field_name


def grouped_field(group, label):
    """R-IMP-2 for a header drawn on two rows: what ``label`` names under the merged cell ``group``.

    Read with its group, "Nama" under "Ahli Waris" is the heir's name (an alias, "nama ahli
    waris"); "Tempat" | "Tgl" under "Tempat/Tgl Lahir" are the birth place and date; "L" | "P"
    under "Jenis Kelamin" are columns of marks, returned as (SEX_MARK, sex); otherwise the label
    is read alone ("Desa" under "Alamat"). None when it names nothing.
    """
    if group:
        for words in (f"{label} {group}", f"{group} {label}"):
            combined = header_field(words)
            if combined is not None and combined != "ignored":
                return combined
        group_field = header_field(group)
        if group_field == "place_and_date" and header_key(label) in _PLACE_DATE_PARTS:
            return _PLACE_DATE_PARTS[header_key(label)]
        if group_field == "sex" and normalize.sex(label):
            return SEX_MARK, normalize.sex(label)
    return header_field(label)


def _groups_over(columns, groups: dict) -> dict:
    """column -> the value of ``groups`` (column -> ...) over it, for each of ``columns``.

    A merged cell keeps its value in its first column only (and openpyxl's streaming reader does
    not say how far it spans), so the group over a column is the nearest one at or left of it.
    """
    starts = sorted(groups)
    over = {}
    for col in columns:
        at = bisect.bisect_right(starts, col)
        if at:
            over[col] = groups[starts[at - 1]]
    return over


@dataclass
class Problem:
    """One error or warning, naming its place as Excel shows it (R-IMP-1, R-IMP-5)."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ImportResult:
    """What an import found and did. ``as_dict`` is the JSON of ``import_workers --json``.

    rows: data rows read (R-IMP-3), every imported sheet together.
    valid: rows passing every rule; on commit each of them gets a draft coverage.
    created: new workers written (0 on a dry run or when nothing is committed); the other
        committed rows are workers already registered, enrolled again (valid - created).
    duplicates: rows refused as duplicates, i.e. a NIK repeated in the file (the later rows)
        or a NIK already covered in an overlapping period (R-ENR-3, R-ENR-5); they are
        also listed in ``errors``.
    committed: whether anything was written.
    """

    rows: int = 0
    valid: int = 0
    created: int = 0
    duplicates: int = 0
    skipped_sheets: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    committed: bool = False
    enrolled: int = 0  # coverages written
    # (sheet, row) -> messages of the rows refused, for the file of rejected rows.
    rejected: dict = field(default_factory=dict)
    # sheet title -> how its header was read (header rows, columns), for the file of rejected rows.
    layouts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "duplicates": self.duplicates,
            "skipped_sheets": list(self.skipped_sheets),
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
            "committed": self.committed,
        }


class Candidate:
    """A row that passed the file checks: the worker (and heir) it would create or enrol."""

    __slots__ = (
        "sheet", "row", "nik_column", "nik", "full_name", "birth_place", "birth_date", "sex", "address", "desa_id",
        "phone", "kk_number", "monthly_income", "occupation_ids", "transport", "heir", "worker_id", "ok",
    )

    def __init__(self, **values):
        self.worker_id = None
        self.ok = True
        for name, value in values.items():
            setattr(self, name, value)


@dataclass
class _Sheet:
    title: str
    header_row: int
    columns: dict  # column number -> field name
    headers: dict  # column number -> header text as written
    field_columns: dict  # field name -> column number (first one)
    number_columns: set = field(default_factory=set)  # the "No" columns (R-IMP-3: a numbered row)
    in_footer: bool = False  # under a signature line or a total (R-IMP-3)
    labels: dict = field(default_factory=dict)  # column number -> every header text, known or not
    unknown: dict = field(default_factory=dict)  # column number -> header text naming no column
    sex_marks: dict = field(default_factory=dict)  # column number -> sex, for "L" | "P" columns of marks
    group_headers: dict = field(default_factory=dict)  # field -> the merged header over its columns
    header_rows: list = field(default_factory=list)  # every row of the header, the group rows included


class _Regions:
    """Lamandau's desa and kecamatan by the key normalize.region_key gives (R-ENR-1, R-IMP-4)."""

    def __init__(self):
        self.kecamatan = {normalize.region_key(k.name): k for k in Kecamatan.objects.all()}
        self.desa = {}
        for desa in Desa.objects.select_related("kecamatan"):
            self.desa.setdefault(normalize.region_key(desa.name), []).append(desa)
        self._keys = {}

    def key(self, text):
        """normalize.region_key, remembered: a list repeats the same few dozen names."""
        key = self._keys.get(text)
        if key is None:
            key = self._keys[text] = normalize.region_key(text)
        return key


class _Occupations:
    """Occupation names, codes and aliases -> Occupation rows (R-ENR-6)."""

    def __init__(self):
        rows = list(Occupation.objects.filter(is_active=True))
        by_code = {o.code: o for o in rows}
        self.by_key = {}
        for alias, code in OCCUPATION_ALIASES.items():
            if code in by_code:
                self.by_key[header_key(alias)] = by_code[code]
        for occupation in rows:
            self.by_key[header_key(occupation.name)] = occupation
            self.by_key[header_key(occupation.code)] = occupation
        self.other = by_code.get("lainnya")
        self._matches = {}

    def match(self, text):
        """(occupations, unknown parts) for 'Petani sawit, ojek', 'Petani/Pekebun', ... (remembered)."""
        if text not in self._matches:
            self._matches[text] = self._match(text)
        found, unknown = self._matches[text]
        return list(found), list(unknown)

    def _match(self, text):
        whole = self.by_key.get(header_key(text))
        if whole:
            return [whole], []
        found, unknown, unknown_keys = [], [], set()
        for part in _OCCUPATION_SEPARATORS.split(text):
            if not part.strip():
                continue
            key = header_key(part)
            occupation = self.by_key.get(key)
            if occupation:
                if occupation not in found:
                    found.append(occupation)
            elif key not in unknown_keys:  # "penjahit, Penjahit" is one occupation
                unknown_keys.add(key)
                unknown.append(part.strip())
        return found, unknown


class WorkerFile:
    """Step 1: reads a workers file into candidates and problems, checking the rules that need no
    database beyond the reference lists."""

    def __init__(self, path, *, start: datetime.date, rules: ProgramRules, today=None, display_name=None):
        self.path = Path(path)
        self.name = display_name or self.path.name
        self.start = start
        self.rules = rules
        self.today = today or timezone.localdate()
        self.regions = _Regions()
        self.occupations = _Occupations()
        self.result = ImportResult()
        self.candidates = []
        self.sheets = self.result.layouts  # title -> _Sheet
        self.first_row_of = {}  # nik -> (sheet, row): R-IMP-5 duplicates name the first row
        # The rows to check against the database, one per valid NIK (first occurrences): the
        # Candidate, or (nik, sheet, row, NIK header) for a row refused for another reason.
        self.nik_rows = []
        self._texts = {}  # one string object per repeated value (birth places, addresses): memory
        self.end = None  # the coverage end date, once the funding period is checked
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
        groups = _groups_over(labels, group_cells)
        fields = {col: grouped_field(groups.get(col), text) for col, text in labels.items()}
        if not {"nik", "name"} <= set(fields.values()):
            return None
        sheet = _Sheet(title=title, header_row=number, columns={}, headers={}, field_columns={}, labels=labels)
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
        group_columns = _groups_over(cells, {col: col for col in sheet.labels})
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
        """R-IMP-3 (the rule is in enrollment.import_rows): a lone name is not read but named in a warning."""
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
        row = _RowReader(self, sheet, number, cells)
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

    def shared(self, text: str) -> str:
        return self._texts.setdefault(text, text)


class _RowReader:
    """The values of one data row, normalised and checked (R-IMP-4, R-IMP-5)."""

    def __init__(self, file: WorkerFile, sheet: _Sheet, number: int, cells: dict):
        self.file, self.sheet, self.number, self.cells = file, sheet, number, cells

    def cell(self, name):
        col = self.sheet.field_columns.get(name)
        return None if col is None else self.cells.get(col)

    def header(self, name):
        col = self.sheet.field_columns.get(name)
        return self.sheet.group_headers.get(name) if col is None else self.sheet.headers[col]

    def error(self, name, message, cell=None):
        cell = cell if cell is not None else self.cell(name)
        self.file._error(self.sheet, self.number, self.header(name), cell.display() if cell else "", message)

    def warn(self, name, message, cell=None):
        cell = cell if cell is not None else self.cell(name)
        self.file._warn(self.sheet, self.number, self.header(name), cell.display() if cell else "", message)

    def usable(self, name):
        """The cell of a column, or None; a formula without value or an Excel error is an error (R-IMP-5)."""
        cell = self.cell(name)
        if cell is None:
            return None
        if cell.kind == UNCALCULATED:
            self.error(name, _(
                "Sel berisi rumus yang belum pernah dihitung, sehingga nilainya kosong. Buka berkas di Excel, "
                "simpan ulang (atau salin lalu tempel sebagai nilai), lalu unggah lagi."
            ))
            return None
        if cell.kind == ERROR:
            self.error(name, _("Sel berisi galat Excel %(value)s.") % {"value": cell.value})
            return None
        return cell

    def text(self, name, max_length=None):
        cell = self.usable(name)
        if cell is None:
            return ""
        text = re.sub(r"\s+", " ", cell.display()).strip()
        if max_length and len(text) > max_length:
            self.error(name, _("Isian terlalu panjang: %(length)d karakter, paling banyak %(max)d.") % {
                "length": len(text), "max": max_length})
            return ""
        return text

    def digits_cell(self, name, label):
        """NIK, KK: text cells; a number cell lost its 16th digit and cannot be repaired (R-IMP-4)."""
        cell = self.usable(name)
        if cell is None:
            return None
        if cell.kind == NUMBER:
            self.error(name, _(
                "%(label)s tersimpan sebagai angka (%(value)s), bukan teks. Excel hanya menyimpan 15 angka penting, "
                "sehingga angka ke-16 sudah hilang dan tidak dapat diperbaiki. Ubah format kolom %(label)s menjadi Teks, "
                "lalu ketik ulang %(label)s."
            ) % {"label": label, "value": cell.display()})
            return None
        if cell.kind != TEXT:
            self.error(name, _("%(label)s harus berupa teks angka.") % {"label": label})
            return None
        return cell.value

    def date(self, name, cell):
        """An Excel date, a date typed as text (R-IMP-4), or an Excel serial number."""
        if cell.kind == DATE:
            value = cell.value
            return value.date() if isinstance(value, datetime.datetime) else value
        if cell.kind == NUMBER and 1 <= cell.value < 2958466:
            value = from_excel(cell.value)
            return value.date() if isinstance(value, datetime.datetime) else value
        if cell.kind == TEXT:
            return normalize.date_text(cell.value, today=self.file.today)
        return None

    def read(self) -> Candidate | None:
        file, rules = self.file, self.file.rules
        sheet, number = self.sheet, self.number

        # NIK (R-NIK-1, R-IMP-4) and name.
        info = None
        raw_nik = self.digits_cell("nik", "NIK")
        if raw_nik is not None:
            try:
                info = parse_nik(raw_nik, today=file.today)
            except ValidationError as exc:
                self.error("nik", exc.messages[0])
        elif self.cell("nik") is None:
            self.error("nik", _("NIK wajib diisi."))
        name_cell = self.usable("name")
        full_name = normalize.person_name(name_cell.display()) if name_cell is not None else ""
        if name_cell is None and self.cell("name") is None:
            self.error("name", _("Nama wajib diisi."))
        elif name_cell is not None and not _LETTER.search(full_name):
            self.error("name", _("Nama \"%(value)s\" tidak berisi huruf.") % {"value": name_cell.display()})
            full_name = ""
        elif len(full_name) > Worker._meta.get_field("full_name").max_length:
            self.error("name", _("Nama terlalu panjang."))
            full_name = ""

        first = None
        if info is not None:
            first = file.first_row_of.get(info.nik)
            if first is not None:
                file.result.duplicates += 1
                self.error("nik", _("NIK %(nik)s sudah ada di baris %(row)d lembar \"%(sheet)s\"; satu pekerja hanya satu baris.") % {
                    "nik": info.nik, "row": first[1], "sheet": first[0]})
            else:
                file.first_row_of[info.nik] = (sheet.title, number)

        # Birth place and date, possibly in one "tempat tanggal lahir" cell.
        birth_place, birth_date, date_field = "", None, None
        both = self.usable("place_and_date")
        if both is not None:
            if both.kind == DATE:
                birth_date, date_field = self.date("place_and_date", both), "place_and_date"
            else:
                place, date_text = normalize.split_place_and_date(both.display())
                birth_place = place
                if date_text:
                    birth_date, date_field = normalize.date_text(date_text, today=file.today), "place_and_date"
                    if birth_date is None:
                        self.error("place_and_date", _(
                            "Tanggal lahir \"%(value)s\" tidak dapat dibaca; tulis seperti \"Nanga Bulik, 12-05-1980\"."
                        ) % {"value": date_text})
                        date_field = "invalid"
        if self.cell("birth_place") is not None:
            birth_place = self.text("birth_place")
        date_cell = self.usable("birth_date")
        if date_cell is not None:
            birth_date, date_field = self.date("birth_date", date_cell), "birth_date"
            if birth_date is None:
                self.error("birth_date", _(
                    "Tanggal lahir \"%(value)s\" tidak dapat dibaca; tulis seperti 12-05-1980 atau 12 Mei 1980."
                ) % {"value": date_cell.display()})
                date_field = "invalid"
        birth_place = normalize.person_name(birth_place)
        if len(birth_place) > Worker._meta.get_field("birth_place").max_length:
            self.error("birth_place" if self.cell("birth_place") else "place_and_date", _("Tempat lahir terlalu panjang."))
            birth_place = ""

        sex = None
        sex_cell = self.usable("sex")
        if sex_cell is not None:
            sex = normalize.sex(sex_cell.display())
            if sex is None:
                self.error("sex", _("Jenis kelamin \"%(value)s\" tidak dikenal; isi L (laki-laki) atau P (perempuan).") % {
                    "value": sex_cell.display()})
        elif sheet.sex_marks:
            sex = self.marked_sex()

        # R-NIK-2: what the file says must equal what the NIK encodes; missing values come from the NIK.
        if info is not None:
            mismatch = identity_errors(info, sex=sex, birth_date=birth_date if date_field != "invalid" else None)
            if "sex" in mismatch:
                self.error("sex", mismatch["sex"])
            if "birth_date" in mismatch:
                self.error(date_field, mismatch["birth_date"])
            sex = sex or info.sex
            if birth_date is None and date_field != "invalid":
                birth_date = info.birth_date
        if birth_date is not None and date_field != "invalid":
            error = age_error(birth_date, file.start, rules)  # R-AGE-1
            if error:
                self.error(date_field or "nik", error)

        desa = self.desa()
        address = self.text("address", Worker._meta.get_field("address").max_length)
        occupations = self.occupations()
        phone = self.phone()
        kk_number = ""
        raw_kk = self.digits_cell("kk", KK_LABEL)
        if raw_kk:
            try:
                validate_kk_number(raw_kk)  # R-NIK-4
                kk_number = clean_nik(raw_kk)
            except ValidationError as exc:
                self.error("kk", exc.messages[0])
        income = None
        income_cell = self.usable("income")
        if income_cell is not None:
            income = normalize.rupiah_amount(income_cell.value)
            if income is not None and len(str(income)) > Worker._meta.get_field("monthly_income").max_digits:
                income = None
            if income is None:
                self.error("income", _("Penghasilan \"%(value)s\" bukan jumlah rupiah; tulis seperti 1500000 atau Rp1.500.000.") % {
                    "value": income_cell.display()})
            elif error := income_basis_error(income):  # R-RATE-1: at least Rp1.000.000; an empty cell is allowed
                self.error("income", error)
                income = None
        heir = self.heir(info)

        if info is None or first is not None:
            return None
        if not full_name or desa is None or birth_date is None:
            file.nik_rows.append((info.nik, sheet.title, number, self.header("nik")))
            return None
        candidate = Candidate(
            sheet=sheet.title, row=number, nik_column=self.header("nik"), nik=info.nik, full_name=full_name,
            birth_place=file.shared(birth_place), birth_date=birth_date, sex=sex, address=file.shared(address),
            desa_id=desa.pk, phone=phone, kk_number=kk_number, monthly_income=income,
            occupation_ids=tuple(o.pk for o in occupations), transport=any(o.is_transport for o in occupations), heir=heir,
        )
        file.nik_rows.append(candidate)
        return candidate

    def marked_sex(self):
        """The sex under a two-row "Jenis Kelamin" header: a mark ("√", "v", "1", ...) in "L" or "P"."""
        marked = {}  # sex -> the first column marking it
        for col, sex in sorted(self.sheet.sex_marks.items()):
            if col in self.cells and self.cells[col].display() not in _NO_MARK:
                marked.setdefault(sex, col)
        if len(marked) > 1:
            first, second = (self.sheet.headers[col] for col in sorted(marked.values()))
            self.error("sex", _("Jenis kelamin ditandai di kolom %(first)s dan %(second)s; tandai salah satu saja.") % {
                "first": first, "second": second})
            return None
        return next(iter(marked), None)

    def desa(self):
        """R-ENR-1: one of the desa/kelurahan of Lamandau, inside the given kecamatan."""
        regions = self.file.regions
        desa_cell = self.usable("desa")
        if desa_cell is None:
            if self.cell("desa") is None:
                self.error("desa", _("Desa/kelurahan wajib diisi (R-ENR-1)."))
            return None
        kecamatan = None
        kecamatan_cell = self.usable("kecamatan")
        if kecamatan_cell is not None:
            kecamatan = regions.kecamatan.get(regions.key(kecamatan_cell.display()))
            if kecamatan is None:
                self.error("kecamatan", _("Kecamatan \"%(value)s\" tidak ada di Kabupaten Lamandau.") % {
                    "value": kecamatan_cell.display()})
                return None
        candidates = regions.desa.get(regions.key(desa_cell.display()), [])
        if not candidates:
            close = difflib.get_close_matches(regions.key(desa_cell.display()), list(regions.desa), n=1, cutoff=0.8)
            hint = (" " + _("Maksud Anda %(name)s?") % {"name": regions.desa[close[0]][0].name}) if close else ""
            self.error("desa", _("Desa/kelurahan \"%(value)s\" tidak ada di Kabupaten Lamandau (R-ENR-1).") % {
                "value": desa_cell.display()} + hint)
            return None
        if kecamatan is not None:
            inside = [d for d in candidates if d.kecamatan_id == kecamatan.pk]
            if not inside:
                self.error("desa", _(
                    "Desa/kelurahan %(desa)s tidak berada di Kecamatan %(kecamatan)s, melainkan di Kecamatan %(actual)s (R-ENR-1)."
                ) % {"desa": candidates[0].name, "kecamatan": kecamatan.name, "actual": candidates[0].kecamatan.name})
                return None
            candidates = inside
        if len(candidates) > 1:
            self.error("desa", _("Desa/kelurahan \"%(value)s\" ada di lebih dari satu kecamatan; isi kolom Kecamatan.") % {
                "value": desa_cell.display()})
            return None
        return candidates[0]

    def occupations(self):
        cell = self.usable("occupation")
        if cell is None:
            return []
        known = self.file.occupations
        found, unknown = known.match(cell.display())
        # R-ENR-6 counts what the worker declared: each unknown occupation is one, although all of
        # them would be recorded as the one "Lainnya".
        error = occupations_error(found + unknown)
        if error:
            self.error("occupation", _("Pekerjaan \"%(value)s\": %(error)s") % {"value": cell.display(), "error": error})
            return found
        if unknown:
            if known.other is not None and known.other not in found:
                found.append(known.other)
            self.warn("occupation", _("Pekerjaan \"%(value)s\" tidak ada dalam daftar pekerjaan; dicatat sebagai %(other)s.") % {
                "value": ", ".join(unknown), "other": known.other.name if known.other else "-"})
        return found

    def phone(self):
        """R-IMP-4: +628...; a number cell lost its leading 0, which is restored; unusable -> warning."""
        cell = self.usable("phone")
        if cell is None:
            return ""
        raw = cell.value if cell.kind == NUMBER else cell.display()
        phone = normalize.phone(raw)
        if phone is None and cell.kind == TEXT:
            for part in re.split(r"\s*[,;/]\s*|\s+atau\s+", cell.value):
                phone = normalize.phone(part)
                if phone:
                    self.warn("phone", _("Hanya nomor HP pertama yang dapat dipakai (%(phone)s) yang disimpan.") % {"phone": phone})
                    break
        if phone is None:
            self.warn("phone", _("Nomor HP \"%(value)s\" tidak dapat dipakai dan dikosongkan.") % {"value": cell.display()})
            return ""
        return phone

    def heir(self, info):
        """The heir columns (nama, hubungan, NIK ahli waris): (relationship, name, nik) or None."""
        name_cell = self.usable("heir_name")
        relationship_cell = self.usable("heir_relationship")
        raw_nik = self.digits_cell("heir_nik", HEIR_NIK_LABEL)
        heir_nik = ""
        if raw_nik:
            try:
                heir_nik = parse_nik(raw_nik, today=self.file.today).nik  # R-NIK-1
            except ValidationError as exc:
                self.error("heir_nik", exc.messages[0])
            error = heir_nik_error(raw_nik, info.nik) if info is not None else None
            if error:
                self.error("heir_nik", error)
        name = normalize.person_name(name_cell.display()) if name_cell is not None else ""
        if not name:
            if relationship_cell is not None or raw_nik:
                # Without a "Nama Ahli Waris" column the error goes to the column that was filled.
                column = "heir_name" if self.header("heir_name") else ("heir_nik" if raw_nik else "heir_relationship")
                self.error(column, _("Nama ahli waris wajib diisi bila hubungan atau NIK ahli waris diisi."))
            return None
        relationship = None
        if relationship_cell is None:
            if self.cell("heir_relationship") is None:
                self.error("heir_relationship", _("Hubungan ahli waris wajib diisi (misalnya istri, suami, anak, orang tua)."))
        else:
            relationship = normalize.relationship(relationship_cell.display())
            if relationship is None:
                self.error("heir_relationship", _(
                    "Hubungan ahli waris \"%(value)s\" tidak dikenal; isi istri, suami, anak, orang tua, kakek/nenek, cucu, "
                    "saudara kandung, mertua atau wasiat (R-HEIR-1)."
                ) % {"value": relationship_cell.display()})
        if len(name) > Heir._meta.get_field("full_name").max_length:
            self.error("heir_name", _("Nama ahli waris terlalu panjang."))
        return (relationship, name, heir_nik) if relationship else None


# --- Step 2: the database -------------------------------------------------------------------


def check_database(file: WorkerFile, *, funding: FundingSource, start, rates: RateTable, lock=False) -> bool:
    """Existing workers, R-ENR-3/R-ENR-5 overlaps, deaths, then R-ENR-4 for the whole batch.

    With ``lock`` (inside the commit's transaction, after the funding source's lock) the
    registered workers among the rows are locked too, in primary-key order as enroll_workers
    does, so nobody enrols them elsewhere meanwhile. Returns False when the batch itself
    cannot be enrolled (period, rates, quota or budget).
    """
    result = file.result
    programs = funding.programs
    try:
        end = coverage_end_for(funding, start, programs)  # R-ENR-2
    except EnrollmentError as exc:
        for message in exc.messages:
            result.errors.append(Problem(None, None, None, None, message))
        result.valid = sum(1 for c in file.candidates if c.ok)
        return False

    def rows():
        for entry in file.nik_rows:
            if isinstance(entry, Candidate):
                yield entry.nik, entry.sheet, entry.row, entry.nik_column, entry
            else:
                yield (*entry, None)

    niks = [entry.nik if isinstance(entry, Candidate) else entry[0] for entry in file.nik_rows]
    existing = {}
    for chunk in chunked(niks):
        for nik, pk in Worker.objects.filter(nik__any=chunk).values_list("nik", "pk"):
            existing[nik] = pk
    registered = {}
    for chunk in chunked(sorted(existing.values())):
        query = Worker.objects.filter(pk__any=chunk).order_by("pk")
        if lock:
            query = query.select_for_update(of=("self",))
        for nik, pk, name, died_on in query.values_list("nik", "pk", "full_name", "died_on"):
            registered[nik] = (pk, name, died_on)
    covered = overlap_problems_by_nik(niks, start, end, programs)
    for nik, sheet, row, column, candidate in rows():
        messages = []
        if nik in covered:
            result.duplicates += 1
            messages.append(covered[nik])
        if nik in registered:
            pk, name, died_on = registered[nik]
            error = death_error(died_on, start)
            if error:
                messages.append(error)
            if candidate is not None and not messages:
                candidate.worker_id = pk
                if name != candidate.full_name:
                    result.warnings.append(Problem(sheet, row, column, nik, _(
                        "NIK ini sudah terdaftar atas nama %(name)s; data pekerja yang ada dipakai dan tidak diubah."
                    ) % {"name": name}))
                if candidate.heir is not None:
                    result.warnings.append(Problem(sheet, row, column, nik, _(
                        "Pekerja sudah terdaftar; ahli waris di berkas tidak ditambahkan. Ubah ahli waris di halaman pekerja."
                    )))
        for message in messages:
            result.errors.append(Problem(sheet, row, column, nik, message))
            result.rejected.setdefault((sheet, row), []).append(message)
            if candidate is not None:
                candidate.ok = False
    valid = [c for c in file.candidates if c.ok]
    result.valid = len(valid)
    problems = []
    try:
        cost = enrollment_cost(funding, start=start, end=end, programs=programs, rates=rates,
                               transports=[c.transport for c in valid])
        problems = capacity_problems(funding, len(valid), cost, rates=rates)  # R-ENR-4
    except EnrollmentError as exc:
        problems = exc.problems
    for _worker, message in problems:
        result.errors.append(Problem(None, None, None, None, message))
    file.end = end
    return not problems


# --- Step 3: writing ------------------------------------------------------------------------


WORKER_COLUMNS = [
    "id", "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "desa_id", "phone",
    "monthly_income", "created_at", "updated_at",
]
HEIR_COLUMNS = [
    "id", "worker_id", "relationship", "full_name", "nik", "birth_date", "phone", "bank_name", "bank_account_number",
    "bank_account_holder", "created_at", "updated_at",
]
COVERAGE_COLUMNS = [
    "id", "worker_id", "funding_source_id", "jkk", "jkm", "start_date", "end_date", "income_basis", "status",
    "kpj_number", "cancel_reason", "created_by_id", "created_at", "updated_at",
]
AUDIT_COLUMNS = [
    "at", "actor_id", "action", "content_type_id", "object_id", "object_repr", "parent_type_id", "parent_id", "changes", "note",
]


def write_candidates(file: WorkerFile, *, funding: FundingSource, start, by, batch=None) -> None:
    """Write the valid rows: workers, occupations, heirs, draft coverage and their audit rows."""
    result = file.result
    valid = [c for c in file.candidates if c.ok]
    now = timezone.now()
    actor_id = by.pk if getattr(by, "pk", None) else None
    new = [c for c in valid if c.worker_id is None]
    for candidate, pk in zip(new, reserve_ids(Worker, len(new))):
        candidate.worker_id = pk
    insert_rows(Worker, WORKER_COLUMNS, (
        (c.worker_id, c.nik, c.kk_number, c.full_name, c.birth_place, c.birth_date, c.sex, c.address, c.desa_id,
         c.phone, c.monthly_income, now, now)
        for c in new
    ))
    insert_rows(Worker.occupations.through, ["worker_id", "occupation_id"], (
        (c.worker_id, occupation_id) for c in new for occupation_id in c.occupation_ids
    ))
    with_heir = [c for c in new if c.heir is not None]
    heir_ids = reserve_ids(Heir, len(with_heir))
    insert_rows(Heir, HEIR_COLUMNS, (
        (pk, c.worker_id, c.heir[0], c.heir[1], c.heir[2], None, "", "", "", "", now, now)
        for c, pk in zip(with_heir, heir_ids)
    ))
    coverage_ids = reserve_ids(Coverage, len(valid))
    fields = draft_coverage_fields(funding, start, file.end, funding.programs)
    insert_rows(Coverage, COVERAGE_COLUMNS, (
        (pk, c.worker_id, funding.pk, fields["jkk"], fields["jkm"], start, file.end, fields["income_basis"],
         fields["status"], "", "", actor_id, now, now)
        for c, pk in zip(valid, coverage_ids)
    ))

    # The audit trail: one row per worker, heir and coverage, each naming its file row.
    types = ContentType.objects.get_for_models(Worker, Heir, Coverage)
    action = AuditEvent.Action.IMPORT
    relationship_label = dict(Heir.Relationship.choices)
    coverage_changes = RawJson(json.dumps(coverage_created_changes(funding, Coverage(**fields)), cls=DjangoJSONEncoder))
    desa_names = {d.pk: d.name for desas in file.regions.desa.values() for d in desas}

    note_text = _("Impor Excel %(file)s, lembar \"%(sheet)s\" baris %(row)d")

    def note(c):
        return note_text % {"file": file.name, "sheet": c.sheet, "row": c.row}

    def events():
        # object_repr as the models' __str__ write it; heirs and coverage name their worker as parent.
        worker_type = types[Worker].pk
        for c in new:
            yield (now, actor_id, action, worker_type, str(c.worker_id), c.full_name[:200], None, "",
                   {"nik": [None, c.nik], "full_name": [None, c.full_name], "desa": [None, desa_names.get(c.desa_id)]},
                   note(c))
        for c, pk in zip(with_heir, heir_ids):
            yield (now, actor_id, action, types[Heir].pk, str(pk), f"{c.heir[1]} ({relationship_label[c.heir[0]]})"[:200],
                   worker_type, str(c.worker_id), {"relationship": [None, c.heir[0]], "full_name": [None, c.heir[1]]},
                   note(c))
        period = f"({start:%d-%m-%Y}–{file.end:%d-%m-%Y})"
        for c, pk in zip(valid, coverage_ids):
            yield (now, actor_id, action, types[Coverage].pk, str(pk), f"{c.full_name} · {funding} {period}"[:200],
                   worker_type, str(c.worker_id), coverage_changes, note(c))

    insert_rows(AuditEvent, AUDIT_COLUMNS, events())
    if batch is not None:
        record(actor=by, obj=batch, action=action, note=file.name, changes={
            "workers_created": [None, len(new)], "coverages_created": [None, len(valid)], "funding_source": [None, funding.code]})
    result.created = len(new)
    result.enrolled = len(valid)
    result.committed = True


# --- The service ----------------------------------------------------------------------------


def import_workers(path, *, funding: FundingSource, by, start: datetime.date | None = None, dry_run=False,
                   skip_invalid=False, progress=None, display_name=None, batch=None, on_commit=None) -> ImportResult:
    """Read, check and (unless ``dry_run``) commit a workers file; see the module docstring.

    Raises FileProblem for a problem with the whole file (nothing else happens). A file with
    row errors is committed only with ``skip_invalid`` (the valid rows, all or nothing). The
    quota and budget are checked for the whole batch before anything is written.
    ``on_commit(result)`` runs inside the commit's transaction (the admin marks its batch there).
    """
    require_permission(by, "enrollment.import_workers")
    rules = ProgramRules.current()
    start = start or funding.period_start
    rates = RateTable.load()
    file = WorkerFile(path, start=start, rules=rules, display_name=display_name).read(progress)
    result = file.result
    if dry_run:
        check_database(file, funding=funding, start=start, rates=rates)
        return result
    try:
        with transaction.atomic():
            funding = lock_funding(funding)
            batch_ok = check_database(file, funding=funding, start=start, rates=rates, lock=True)
            blocked = not batch_ok or (result.errors and not skip_invalid) or result.valid == 0
            if not blocked:
                write_candidates(file, funding=funding, start=start, by=by, batch=batch)
            if on_commit is not None:
                on_commit(result)
    except IntegrityError as exc:
        # Someone registered one of these NIKs between our check and our write: nothing was
        # written; running the import again sees that worker as registered.
        raise ImportConflict(_("Data berubah ketika impor disimpan (NIK yang sama didaftarkan bersamaan); tidak ada yang disimpan. Ulangi impor.")) from exc
    return result


class ImportConflict(Exception):
    """A concurrent change made the commit fail; nothing was written and a retry can succeed."""


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
