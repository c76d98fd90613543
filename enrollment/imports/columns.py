"""R-IMP-1 and R-IMP-2 of ../shared/domain.md: where the header row is and what its columns name.

The aliases of every column, the header text -> field lookup, the reading of a header drawn on two
rows (a merged group cell over its labels), and the layout of a sheet as its header was read. The
workers' import reads its headers with them, and so do the other readers of village lists and BPJS
files (enrollment.bpjs, funding.invoices).
"""

import bisect
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from core.xlsx import header_key

from .. import normalize

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
# The BPJS participant number (KPJ) as BPJS's answer (enrollment.bpjs) and invoice (funding.invoices) name it.
KPJ_ALIASES = [
    "kpj", "no kpj", "nomor kpj", "nomor peserta", "no peserta", "nomor kartu", "no kartu peserta", "nomor kartu peserta",
]
HEADER_FIELDS = {header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
ROW_NUMBER_HEADERS = {header_key("no"), header_key("no urut")}
SEX_MARK = "sex_mark"  # a column of marks under "L" or "P" (two-row header)
# Labels under a merged "Tempat/Tgl Lahir" (or "TTL") header cell.
_PLACE_DATE_PARTS = {
    **{header_key(label): "birth_place" for label in ("tempat", "tmp", "tmpt")},
    **{header_key(label): "birth_date" for label in ("tanggal", "tgl", "tgl/bln/thn", "tanggal/bulan/tahun")},
}
_HEADER_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
REQUIRED_COLUMNS = {"desa": gettext_lazy("Desa/Kelurahan")}  # NIK and name are required to find the header row at all


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


def groups_over(columns, groups: dict) -> dict:
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
class Sheet:
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
