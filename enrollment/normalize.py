"""Normalising what people type (form and Excel import alike), R-IMP-4 of ../shared/domain.md."""

import re

from .nik import FEMALE, MALE

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
