"""R-IMP-3 of ../shared/domain.md: which rows of a village list are workers' rows.

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
"""

import re

from core.xlsx import DATE, NUMBER, TEXT, UNCALCULATED

from .normalize import MONTHS

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
