"""One row of a workers' list: is it a worker's row (R-IMP-3), and what does it say (R-IMP-4, R-IMP-5).

R-IMP-3 of ../shared/domain.md: which rows of a village list are workers' rows.

A row is **data** when

1. its NIK cell holds a *NIK-like* value: a number of 10+ digits (R-IMP-4 then refuses the number
   cell), or text that is mostly digits once separators are removed, with 10+ digits, and is
   neither a labelled or grouped NIP ("NIP. 19800512 200501 1 001", "NIK. ..." under a village
   head's signature) nor a date or time ("12/05/2025 10:15"). Such a row is always read, so a
   wrong NIK is reported, never lost; or
2. its name cell holds a *name-like* value (text with letters that is not a line of a signature
   block, a note, a date or a total, or a formula without value) **together with other data
   cells**: a cell under another column the header maps (the NIK column included, so "-", "belum
   ada" or a formula without value there is reported) or a number under "No". A worker's row
   without its NIK is therefore an error (R-IMP-5), while a lone sentence under the list is not.
   A lone name is not a worker's row either (it cannot be told from a signer's name) but is
   named in a warning, so nobody is lost without a word.

Everything else is ignored, neither error nor warning: blank rows, the header and its row of
column labels ("(1) (2) (3)", "a b c") repeated on each printed page, section headings ("DUSUN
I", "RT 03"), totals, places and dates, notes, page numbers, signature blocks (a row whose name
cell, or whose first text, starts with a word of the block, or that holds a NIP) and the names
under them. Below such a line (until the next NIK-like row: a page or a section goes on) a row
needs a number, a date or digits outside the name column (a row number, a birth date, a phone)
to be a worker's row, since the signers' names and titles have none; a worker added under the
block is still read.

R-IMP-4 and R-IMP-5: the values of a data row are normalised and checked, each with the rule
functions the admin form uses (R-NIK-*, R-AGE-1, R-ENR-1, R-ENR-6): ``nik.parse_nik``, ``nik.identity_errors``, ``services.occupations_error``, ...; R-AGE-1 and
the database rules are the enrolment gate's (``imports.check``)
"""

import datetime
import difflib
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel

from core.xlsx import DATE, ERROR, NUMBER, TEXT, UNCALCULATED, header_key
from funding.contributions import income_basis_error

from .. import normalize
from ..normalize import MONTHS
from ..models import Desa, Heir, Kecamatan, Occupation, Worker
from ..nik import clean_nik, heir_nik_error, identity_errors, parse_nik, validate_kk_number
from ..reference import OCCUPATION_ALIASES
from ..services import occupations_error
from .columns import Sheet
from .result import Candidate

# --- R-IMP-3: which rows are data ------------------------------------------------------------

DATA, IGNORED, LONE_NAME = "data", "ignored", "lone name"

# Words opening the lines under a list: signatures, titles, notes, totals, page numbers. A worker's
# name never starts with one of them as a whole word (KETUT is not KET, KASIH is not KASI).
_FOOTER_WORDS = (
    "mengetahui", "menyetujui", "disetujui", "diketahui", "disahkan", "mengesahkan", "diperiksa", "dibuat", "dicetak",
    "demikian", "keterangan", "ket", "catatan", "nb", "jumlah", "total", "sub ?total", "grand ?total", "rekap",
    "rekapitulasi", "ttd", "tanda ?tangan", "hormat kami", "yang (?:membuat|menyerahkan|menerima|bertanda)",
    "kepala", "kades", "kadus", "camat", "sekcam", "lurah", "sekretaris", "sekdes", "bendahara", "ketua", "wakil",
    "kasi", "kaur", "kasubag", "kabid", "kadis", "plt", "plh", "pj", "penjabat", "petugas", "operator", "pendamping",
    "koordinator", "nip", "nrp", "nipppk", "halaman", "hal", "page", "lanjutan", "bersambung",
)
_FOOTER = re.compile(
    r"^(?:(?:%s)\b|a\.\s?n\.|an\.|u\.\s?b\.|n\.\s?b\.|t\.\s?t\.\s?d|sumber(?: data)?\s*:)" % "|".join(_FOOTER_WORDS),
    re.IGNORECASE,
)
_NIP = re.compile(r"^\s*(?:nip|nrp|nipppk|nipd|niapd)\b", re.IGNORECASE)
# A number written after its label is a signer's ("NIK. 6209...", "NIPD 123"): a worker's cell holds the number.
_ID_LABEL = re.compile(r"^\s*(?:nik|nip|nrp|nipppk|nipd|niapd)\b\s*[.:]", re.IGNORECASE)
_COUNT = re.compile(r"^\d+\s*(?:orang|org|jiwa|kk|peserta|pekerja)\b", re.IGNORECASE)
# "(SUPRIADI)", "(Nama Terang)", "(..........)": the name under a signature; not "(3)" of the numbering row.
_SIGNED_NAME = re.compile(r"^\((?!\s*\d+\s*\)$).*\)$")
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_OR_TIME = re.compile(
    r"(?<!\d)(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}[\s\-/.]+(?:{_MONTH})\.?[\s\-/.]+\d{{4}}|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?)(?!\d)",
    re.IGNORECASE,
)
# Section headings between the rows: "DUSUN I", "RT 01 / RW 02", "A. RT 03", "II. DUSUN KAWA HILIR".
_HEADING = re.compile(
    r"^(?:(?:[IVX]+|[A-Z]|\d{1,2})[.)]\s*)?"
    r"(?:dusun|rt|rw|blok|lingkungan|kelompok|afdeling|afd|wilayah|kampung|desa|kelurahan|kel|ds|kecamatan|kec)\b",
    re.IGNORECASE,
)
_LABEL_NOISE = re.compile(r"[\s()\[\].:]+")
_SEPARATORS = re.compile(r"[\s.\-'’‘`/,:;_()]+")
_DIGIT_GROUPS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_NIP_GROUPS = [8, 6, 1, 3]  # how a NIP is printed: 19800512 200501 1 001


def is_nik_like(cell) -> bool:
    """Rule 1: a NIK, even a wrong one, rather than a NIP, a date or a sentence."""
    kind = cell.kind
    if kind == TEXT:
        text = cell.value
        if text.isdigit():  # the common case, typed as text
            return len(text) >= 10
        return _is_nik_like_text(text)
    if kind == NUMBER:
        return not isinstance(cell.value, bool) and len(cell.display().lstrip("-")) >= 10
    return False  # a formula without value counts under rule 2: "=COUNTA(B5:B30)" on a totals row is no worker


def _is_nip(text) -> bool:
    """"NIP. 19800512 200501 1 001", or those digit groups alone: a civil servant under a signature."""
    return bool(_NIP.match(text)) or [len(group) for group in _DIGIT_GROUPS.findall(text)] == _NIP_GROUPS


def _is_nik_like_text(text) -> bool:
    if _is_nip(text) or _ID_LABEL.match(text):
        return False
    compact = _SEPARATORS.sub("", _DATE_OR_TIME.sub(" ", text))
    digits = sum(ch.isdigit() for ch in compact)
    return digits >= 10 and digits >= 3 * (len(compact) - digits)


def is_footer_text(text) -> bool:
    """A line of what comes under a list: signature block, note, total, page number, place and date."""
    return bool(
        _FOOTER.match(text) or _ID_LABEL.match(text) or _COUNT.match(text) or _SIGNED_NAME.match(text)
        or _DATE_OR_TIME.search(text)
    )


def is_name_like(cell) -> bool:
    if cell is None:
        return False
    if cell.kind == UNCALCULATED:
        return True
    return cell.kind == TEXT and bool(_LETTER.search(cell.value)) and not is_footer_text(cell.value)


def classify_row(cells, *, nik_column, name_column, data_columns, number_columns, header_field,
                 in_footer) -> tuple[str, bool]:
    """(DATA, IGNORED or LONE_NAME, whether the rows below are under a signature line).

    ``cells``: {column: Cell} of the row (blank cells absent); ``data_columns``: the columns the
    header maps to a field; ``number_columns``: the "No" columns; ``header_field``: header text ->
    the field it names (R-IMP-2).
    """
    nik = cells.get(nik_column)
    if nik is not None and is_nik_like(nik):
        return DATA, False  # a page or a section goes on after a subtotal or a page footer
    name = cells.get(name_column)
    if _is_header_again(nik, name, header_field):
        return IGNORED, False
    if len(cells) >= 3 and all(len(_LABEL_NOISE.sub("", cell.display())) <= 2 for cell in cells.values()):
        return IGNORED, in_footer  # the row of column labels under the header: (1) (2) (3), a b c, 1. 2. 3.
    if _is_footer_row(cells, name):
        return IGNORED, True
    if not is_name_like(name):
        return IGNORED, in_footer
    if name.kind == TEXT and _HEADING.match(name.value):
        return IGNORED, in_footer
    others = [
        cell for column, cell in cells.items()
        if column != name_column and (column in data_columns or (column in number_columns and cell.kind == NUMBER))
    ]
    if not others:
        return (IGNORED if in_footer else LONE_NAME), in_footer
    if in_footer and not any(_is_typed_data(cell) for cell in others):
        return IGNORED, True  # the signers' names and titles, in one or more columns
    return DATA, in_footer


def _is_header_again(nik, name, header_field) -> bool:
    """The header row repeated on each printed page."""
    return (
        nik is not None and name is not None and nik.kind == TEXT and name.kind == TEXT
        and header_field(nik.value) == "nik" and header_field(name.value) == "name"
    )


def _is_footer_row(cells, name) -> bool:
    if name is not None and name.kind == TEXT and is_footer_text(name.value):
        return True
    texts = [cell.value for _column, cell in sorted(cells.items()) if cell.kind == TEXT]
    if not texts:
        return False
    # Words of the block opening the row ("Mengetahui," in any column), or a NIP anywhere. A date
    # alone does not count here: a worker's row holds dates ("Nanga Bulik, 12-05-1980").
    if _FOOTER.match(texts[0]) or any(_is_nip(text) for text in texts):
        return True
    return not is_name_like(name) and any(is_footer_text(text) for text in texts)


def _is_typed_data(cell) -> bool:
    """A number, a date or digits: what a worker's row has beside the name, and a signer's line has not."""
    if cell.kind in (NUMBER, DATE, UNCALCULATED):
        return True
    return cell.kind == TEXT and bool(_DIGIT.search(cell.value)) and not is_footer_text(cell.value)


# --- R-IMP-4, R-IMP-5: the values of a data row ----------------------------------------------

_NO_MARK = {"0", "-", "–"}  # how templates say "not this one" in a column of marks
KK_LABEL = gettext_lazy("Nomor KK")
HEIR_NIK_LABEL = gettext_lazy("NIK ahli waris")

_SPACES = re.compile(r"\s+")
_OCCUPATION_SEPARATORS = re.compile(r"\s*(?:[,;&+]|/|\bdan\b)\s*", re.IGNORECASE)


class Regions:
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


class Occupations:
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


_NAME_MAX = Worker._meta.get_field("full_name").max_length
_PLACE_MAX = Worker._meta.get_field("birth_place").max_length
_ADDRESS_MAX = Worker._meta.get_field("address").max_length
_INCOME_DIGITS = Worker._meta.get_field("monthly_income").max_digits
_HEIR_NAME_MAX = Heir._meta.get_field("full_name").max_length
_UNSET = object()


class RowReader:
    """The values of one data row, normalised and checked (R-IMP-4, R-IMP-5).

    Most values repeat down a column: desa and kecamatan names, occupations, birth places,
    addresses, sex and relationship words. What depends on one value alone, its normalised form
    and its problems, is worked out once per distinct value and remembered for the file
    (``file.memo``); each row holding it gets the same problems, named at its own row and column.
    Per row remain the values unique to it (NIK, name, date, phone) and the rules across columns.
    """

    __slots__ = ("file", "sheet", "number", "cells", "columns", "memo")

    def __init__(self, file, sheet: Sheet, number: int, cells: dict):  # file: reading.WorkerFile
        self.file, self.sheet, self.number, self.cells = file, sheet, number, cells
        self.columns = sheet.field_columns
        self.memo = file.memo

    def remembered(self, key, compute, *args):
        """``compute(*args)``, once per ``key`` for the whole file."""
        value = self.memo.get(key, _UNSET)
        if value is _UNSET:
            value = self.memo[key] = compute(*args)
        return value

    def cell(self, name):
        col = self.columns.get(name)
        return None if col is None else self.cells.get(col)

    def header(self, name):
        col = self.columns.get(name)
        return self.sheet.group_headers.get(name) if col is None else self.sheet.headers[col]

    def error(self, name, message, cell=None):
        cell = cell if cell is not None else self.cell(name)
        self.file._error(self.sheet, self.number, self.header(name), cell.display() if cell else "", message)

    def warn(self, name, message, cell=None):
        cell = cell if cell is not None else self.cell(name)
        self.file._warn(self.sheet, self.number, self.header(name), cell.display() if cell else "", message)

    def replay(self, problems):
        """The remembered problems of a value, at this row: (column name, message, is an error)."""
        for name, message, is_error in problems:
            if is_error:
                self.error(name, message)
            else:
                self.warn(name, message)

    def usable(self, name):
        """The cell of a column, or None; a formula without value or an Excel error is an error (R-IMP-5)."""
        col = self.columns.get(name)
        if col is None:
            return None
        cell = self.cells.get(col)
        if cell is None:
            return None
        kind = cell.kind
        if kind == UNCALCULATED:
            self.error(name, _(
                "Sel berisi rumus yang belum pernah dihitung, sehingga nilainya kosong. Buka berkas di Excel, "
                "simpan ulang (atau salin lalu tempel sebagai nilai), lalu unggah lagi."
            ))
            return None
        if kind == ERROR:
            self.error(name, _("Sel berisi galat Excel %(value)s.") % {"value": cell.value})
            return None
        return cell

    def text(self, name, max_length=None):
        cell = self.usable(name)
        if cell is None:
            return ""
        text, problem = self.remembered(("text", cell.display(), max_length), _text, cell.display(), max_length)
        if problem:
            self.error(name, problem)
        return text

    def digits_cell(self, name, label):
        """NIK, KK: text cells; a number cell lost its 16th digit and cannot be repaired (R-IMP-4)."""
        cell = self.usable(name)
        if cell is None:
            return None
        kind = cell.kind
        if kind == TEXT:
            return cell.value
        if kind == NUMBER:
            self.error(name, _(
                "%(label)s tersimpan sebagai angka (%(value)s), bukan teks. Excel hanya menyimpan 15 angka penting, "
                "sehingga angka ke-16 sudah hilang dan tidak dapat diperbaiki. Ubah format kolom %(label)s menjadi Teks, "
                "lalu ketik ulang %(label)s."
            ) % {"label": label, "value": cell.display()})
            return None
        self.error(name, _("%(label)s harus berupa teks angka.") % {"label": label})
        return None

    def date(self, name, cell):
        """An Excel date, a date typed as text (R-IMP-4), or an Excel serial number."""
        kind = cell.kind
        if kind == DATE:
            value = cell.value
            return value.date() if isinstance(value, datetime.datetime) else value
        if kind == TEXT:  # not remembered: half of a list's dates written as text are distinct (memory)
            return normalize.date_text(cell.value, today=self.file.today)
        if kind == NUMBER and 1 <= cell.value < 2958466:
            value = from_excel(cell.value)
            return value.date() if isinstance(value, datetime.datetime) else value
        return None

    def read(self) -> Candidate | None:
        file = self.file
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
        elif len(full_name) > _NAME_MAX:
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
                birth_place, date_text, birth_date = self.remembered(
                    ("place and date", both.display()), _place_and_date, both.display(), file.today)
                if date_text:
                    date_field = "place_and_date"
                    if birth_date is None:
                        self.error("place_and_date", _(
                            "Tanggal lahir \"%(value)s\" tidak dapat dibaca; tulis seperti \"Nanga Bulik, 12-05-1980\"."
                        ) % {"value": date_text})
                        date_field = "invalid"
        place_cell = self.cell("birth_place")
        if place_cell is not None:
            birth_place = self.text("birth_place")
        date_cell = self.usable("birth_date")
        if date_cell is not None:
            birth_date, date_field = self.date("birth_date", date_cell), "birth_date"
            if birth_date is None:
                self.error("birth_date", _(
                    "Tanggal lahir \"%(value)s\" tidak dapat dibaca; tulis seperti 12-05-1980 atau 12 Mei 1980."
                ) % {"value": date_cell.display()})
                date_field = "invalid"
        if birth_place:
            birth_place = self.remembered(("person name", birth_place), normalize.person_name, birth_place)
            if len(birth_place) > _PLACE_MAX:
                self.error("birth_place" if place_cell else "place_and_date", _("Tempat lahir terlalu panjang."))
                birth_place = ""

        sex = None
        sex_cell = self.usable("sex")
        if sex_cell is not None:
            sex = self.remembered(("sex", sex_cell.display()), normalize.sex, sex_cell.display())
            if sex is None:
                self.error("sex", _("Jenis kelamin \"%(value)s\" tidak dikenal; isi L (laki-laki) atau P (perempuan).") % {
                    "value": sex_cell.display()})
        elif sheet.sex_marks:
            sex = self.marked_sex()

        # R-NIK-2: what the file says must equal what the NIK encodes; missing values come from the NIK.
        if info is not None:
            checked = birth_date if date_field != "invalid" else None
            if (sex and sex != info.sex) or (checked and checked != info.birth_date):
                mismatch = identity_errors(info, sex=sex, birth_date=checked)
                if "sex" in mismatch:
                    self.error("sex", mismatch["sex"])
                if "birth_date" in mismatch:
                    self.error(date_field, mismatch["birth_date"])
            sex = sex or info.sex
            if birth_date is None and date_field != "invalid":
                birth_date = info.birth_date
        # R-AGE-1 is the enrolment gate's (imports.check): where to name its error, and the date it checks.
        checked_birth = birth_date if date_field != "invalid" else None
        age_at = (self.header(date_field or "nik"), self.cell(date_field or "nik"))

        desa = self.desa()
        address = self.text("address", _ADDRESS_MAX)
        occupation_ids, transport = self.occupations()
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
            if income is not None and len(str(income)) > _INCOME_DIGITS:
                income = None
            if income is None:
                self.error("income", _("Penghasilan \"%(value)s\" bukan jumlah rupiah; tulis seperti 1500000 atau Rp1.500.000.") % {
                    "value": income_cell.display()})
            elif error := income_basis_error(income):  # R-RATE-1: at least Rp1.000.000; an empty cell is allowed
                self.error("income", error)
                income = None
        heir = self.heir(info)

        if info is None or first is not None:
            if checked_birth is not None:
                file.age_rows.append((sheet.title, number, checked_birth, age_at))
            return None
        if not full_name or desa is None or birth_date is None:
            file.nik_rows.append((info.nik, sheet.title, number, self.header("nik"), checked_birth, age_at))
            return None
        candidate = Candidate(
            sheet=sheet.title, row=number, nik_column=self.header("nik"), nik=info.nik, full_name=full_name,
            birth_place=birth_place, birth_date=birth_date, sex=sex, address=address, desa_id=desa.pk, phone=phone,
            kk_number=kk_number, monthly_income=income, occupation_ids=occupation_ids, transport=transport, heir=heir,
            age_at=age_at,
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
        desa_cell = self.usable("desa")
        if desa_cell is None:
            if self.cell("desa") is None:
                self.error("desa", _("Desa/kelurahan wajib diisi (R-ENR-1)."))
            return None
        kecamatan_cell = self.usable("kecamatan")
        kecamatan = kecamatan_cell.display() if kecamatan_cell is not None else None
        desa, problems = self.remembered(("desa", desa_cell.display(), kecamatan), _desa, self.file.regions,
                                         desa_cell.display(), kecamatan)
        if problems:
            self.replay(problems)
        allowed = self.file.allowed_desa  # issue 14: a village uploads only its own villagers
        if desa is not None and allowed is not None and desa.pk not in allowed:
            self.error("desa", _(
                "Baris %(row)d, kolom %(column)s: desa/kelurahan %(desa)s (Kecamatan %(kecamatan)s) di luar wilayah tugas "
                "Anda; baris ini tidak dapat diajukan."
            ) % {"row": self.number, "column": self.header("desa"), "desa": desa.name, "kecamatan": desa.kecamatan.name})
            return None
        return desa

    def occupations(self):
        """(occupation ids, whether one is a transport occupation) of the row (R-ENR-6)."""
        cell = self.usable("occupation")
        if cell is None:
            return (), False
        ids, transport, problems = self.remembered(("occupation", cell.display()), _occupations, self.file.occupations,
                                                   cell.display())
        if problems:
            self.replay(problems)
        return ids, transport

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
            relationship = self.remembered(("relationship", relationship_cell.display()), normalize.relationship,
                                           relationship_cell.display())
            if relationship is None:
                self.error("heir_relationship", _(
                    "Hubungan ahli waris \"%(value)s\" tidak dikenal; isi istri, suami, anak, orang tua, kakek/nenek, cucu, "
                    "saudara kandung, mertua atau wasiat (R-HEIR-1)."
                ) % {"value": relationship_cell.display()})
        if len(name) > _HEIR_NAME_MAX:
            self.error("heir_name", _("Nama ahli waris terlalu panjang."))
        return (relationship, name, heir_nik) if relationship else None


# What one value gives, the same on every row holding it (RowReader.remembered). Problems are
# (column name, message, is an error) tuples, replayed at each row.

def _text(display, max_length):
    """(the text single spaced, or "" when too long; the problem or None)."""
    text = _SPACES.sub(" ", display).strip()
    if max_length and len(text) > max_length:
        return "", _("Isian terlalu panjang: %(length)d karakter, paling banyak %(max)d.") % {
            "length": len(text), "max": max_length}
    return text, None


def _place_and_date(display, today):
    """A "tempat tanggal lahir" cell: (place, the date as written, the date or None)."""
    place, date_text = normalize.split_place_and_date(display)
    return place, date_text, normalize.date_text(date_text, today=today) if date_text else None


def _desa(regions: Regions, desa_text, kecamatan_text):
    """R-ENR-1 for a desa written ``desa_text`` in the kecamatan written ``kecamatan_text`` (None:
    no kecamatan cell): (the Desa or None, problems)."""
    kecamatan = None
    if kecamatan_text is not None:
        kecamatan = regions.kecamatan.get(regions.key(kecamatan_text))
        if kecamatan is None:
            return None, (("kecamatan", _("Kecamatan \"%(value)s\" tidak ada di Kabupaten Lamandau.") % {
                "value": kecamatan_text}, True),)
    candidates = regions.desa.get(regions.key(desa_text), [])
    if not candidates:
        close = difflib.get_close_matches(regions.key(desa_text), list(regions.desa), n=1, cutoff=0.8)
        hint = (" " + _("Maksud Anda %(name)s?") % {"name": regions.desa[close[0]][0].name}) if close else ""
        return None, (("desa", _("Desa/kelurahan \"%(value)s\" tidak ada di Kabupaten Lamandau (R-ENR-1).") % {
            "value": desa_text} + hint, True),)
    if kecamatan is not None:
        inside = [d for d in candidates if d.kecamatan_id == kecamatan.pk]
        if not inside:
            return None, (("desa", _(
                "Desa/kelurahan %(desa)s tidak berada di Kecamatan %(kecamatan)s, melainkan di Kecamatan %(actual)s (R-ENR-1)."
            ) % {"desa": candidates[0].name, "kecamatan": kecamatan.name, "actual": candidates[0].kecamatan.name}, True),)
        candidates = inside
    if len(candidates) > 1:
        return None, (("desa", _("Desa/kelurahan \"%(value)s\" ada di lebih dari satu kecamatan; isi kolom Kecamatan.") % {
            "value": desa_text}, True),)
    return candidates[0], ()


def _occupations(known: Occupations, display):
    """R-ENR-6 for an occupation cell: (occupation ids, whether one is a transport occupation, problems)."""
    found, unknown = known.match(display)
    # R-ENR-6 counts what the worker declared: each unknown occupation is one, although all of
    # them would be recorded as the one "Lainnya".
    problems = ()
    error = occupations_error(found + unknown)
    if error:
        problems = (("occupation", _("Pekerjaan \"%(value)s\": %(error)s") % {"value": display, "error": error}, True),)
    elif unknown:
        if known.other is not None and known.other not in found:
            found.append(known.other)
        problems = (("occupation", _("Pekerjaan \"%(value)s\" tidak ada dalam daftar pekerjaan; dicatat sebagai %(other)s.") % {
            "value": ", ".join(unknown), "other": known.other.name if known.other else "-"}, False),)
    return tuple(o.pk for o in found), any(o.is_transport for o in found), problems
