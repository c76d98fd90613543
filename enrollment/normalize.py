"""Normalising what people type (form and Excel import alike), R-IMP-4 of ../shared/domain.md."""

import datetime
import re
from decimal import Decimal

from .nik import FEMALE, MALE, century_date

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D")
_PUNCT = re.compile(r"[^a-z0-9]+")

SEX_WORDS = {
    "l": MALE,
    "lk": MALE,
    "laki": MALE,
    "lakilaki": MALE,
    "pria": MALE,
    "p": FEMALE,
    "pr": FEMALE,
    "perempuan": FEMALE,
    "wanita": FEMALE,
}

_REGION_PREFIXES = re.compile(r"^(desa|ds|kelurahan|kel|kecamatan|kec)\b\.?\s*", re.IGNORECASE)


def person_name(raw) -> str:
    """Trimmed, single spaced and upper-cased, as printed on the KTP."""
    return _SPACES.sub(" ", str(raw or "")).strip().upper()


def sex(raw) -> str | None:
    """'L', 'Laki-laki', 'Pria' -> 'L'; 'P', 'PR', 'Perempuan', 'Wanita' -> 'P'; otherwise None."""
    key = _PUNCT.sub("", str(raw or "").lower())
    return SEX_WORDS.get(key)


def phone(raw) -> str | None:
    """Indonesian phone to +62 form, or None when it cannot be a phone number.

    Accepts 0812..., 812... (a number cell lost its leading 0), 62812..., +62 812-3456-789.
    Mobile numbers have 9-12 digits after the country code and start with 8; landlines
    (area code 2-9, 7-11 digits after the country code) are accepted too.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return None
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    national = national.lstrip("0")
    if national.startswith("8"):
        ok = 9 <= len(national) <= 12
    else:
        ok = national[:1] in "234567" and 7 <= len(national) <= 11
    return f"+62{national}" if ok else None


def region_key(raw) -> str:
    """Key to compare desa/kecamatan names: no 'Desa'/'Kec.' prefix, case and punctuation ignored."""
    text = _SPACES.sub(" ", str(raw or "")).strip()
    text = _REGION_PREFIXES.sub("", text)
    return _PUNCT.sub("", text.lower())


# --- Dates as people type them (R-IMP-4) ------------------------------------------------------

# Indonesian month names and their short forms (Agt and Ags both for Agustus), plus the English
# short forms a spreadsheet in another locale produces.
MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12,
}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NAMED_DATE = re.compile(r"^(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.]+(\d{2}|\d{4})$")
# A date at the end of "Nanga Bulik, 12-05-1980" (tempat tanggal lahir in one cell).
_TRAILING_DATE = re.compile(
    r"(\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[\s\-/.]+[A-Za-z]+\.?[\s\-/.]+(?:\d{4}|\d{2}))\s*$"
)


def date_text(raw, *, today: datetime.date) -> datetime.date | None:
    """'12-05-1980', '12/05/1980', '12.05.1980', '1980-05-12', '12 Mei 1980', '12 Agt 80' -> a date, else None.

    Day first, as written in Indonesia. A two-digit year takes the century giving an age
    under 100 (the rule R-NIK-2 uses for NIKs).
    """
    text = _SPACES.sub(" ", str(raw or "")).strip().lower()
    if not text:
        return None
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _date_or_none(year, month, day)
    match = _NUMERIC_DATE.match(text)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
        return _with_year(int(day), int(month), year, today)
    match = _NAMED_DATE.match(text)
    if match and match.group(2) in MONTHS:
        return _with_year(int(match.group(1)), MONTHS[match.group(2)], match.group(3), today)
    return None


def _with_year(day, month, year: str, today):
    if len(year) == 2:
        return century_date(day, month, int(year), today)
    return _date_or_none(int(year), month, day)


def _date_or_none(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def split_place_and_date(raw) -> tuple[str, str]:
    """'Nanga Bulik, 12-05-1980' -> ('Nanga Bulik', '12-05-1980'); ('', '') parts when missing."""
    text = _SPACES.sub(" ", str(raw or "")).strip()
    match = _TRAILING_DATE.search(text)
    if not match:
        return text.rstrip(" ,;/-"), ""
    return text[: match.start()].rstrip(" ,;/-"), match.group(1)


# --- Heirs and amounts ------------------------------------------------------------------------

# R-HEIR-1 classes as people write the relationship (hubungan ahli waris).
RELATIONSHIP_WORDS = {
    "istri": "spouse", "isteri": "spouse", "suami": "spouse", "pasangan": "spouse", "istrisuami": "spouse",
    "suamiistri": "spouse", "janda": "spouse", "duda": "spouse",
    "anak": "child", "anakkandung": "child", "anakangkat": "child", "anaktiri": "child",
    "orangtua": "parent", "ortu": "parent", "ayah": "parent", "bapak": "parent", "ibu": "parent", "ayahkandung": "parent",
    "ibukandung": "parent",
    "kakek": "grandparent", "nenek": "grandparent", "kakeknenek": "grandparent",
    "cucu": "grandchild",
    "saudara": "sibling", "saudarakandung": "sibling", "kakak": "sibling", "adik": "sibling", "abang": "sibling",
    "mertua": "parent_in_law", "bapakmertua": "parent_in_law", "ibumertua": "parent_in_law",
    "wasiat": "will", "ditunjukdalamwasiat": "will", "penerimawasiat": "will",
}


def relationship(raw) -> str | None:
    """'Istri', 'Anak kandung', 'Orang tua', ... -> an Heir.Relationship value, else None."""
    return RELATIONSHIP_WORDS.get(_PUNCT.sub("", str(raw or "").lower()))


def rupiah_amount(raw):
    """1500000, 'Rp1.500.000', '1,500,000', 'Rp 1.500.000,-', '1.500.000,00' -> Decimal('1500000').

    None when the value is not a whole amount of rupiah. Dots and commas followed by three
    digits group thousands; one or two zeros after the last separator are sen.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw)).quantize(Decimal(1)) if raw.is_integer() else None
    text = _SPACES.sub("", str(raw or "")).lower().removeprefix("rp").removeprefix(".")
    text = _NO_SEN.sub("", text)
    digits = text.replace(".", "").replace(",", "")
    if not digits.isdigit() or not _GROUPED.match(text):
        return None
    return Decimal(digits)


_NO_SEN = re.compile(r"([.,]-|[.,]00?)$")
_GROUPED = re.compile(r"^\d+$|^\d{1,3}([.,]\d{3})+$")
