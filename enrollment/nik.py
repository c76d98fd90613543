"""NIK (Nomor Induk Kependudukan) rules R-NIK-1 .. R-NIK-4 of ../shared/domain.md.

A NIK is ``PPKKCCDDMMYYSSSS``: province PP and regency KK (a code of the Kemendagri list,
including the Papua codes retired in 2022 that older NIKs still carry), kecamatan CC (01-99),
birth date DDMMYY with 40 added to the day for women, and a serial SSSS in 0001-9999.
The Lamandau prefix 6209 is deliberately *not* required (R-NIK-3): migrant plantation workers
keep the NIK of the place where they were first registered.

Every function here is pure; the admin form, the model and the Excel import all call them, so
each rule has one implementation.
"""

import csv
import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MALE = "L"
FEMALE = "P"

_DATA = Path(__file__).resolve().parent / "data" / "indonesia_kabkota.csv"
_SEPARATORS = re.compile(r"[\s.\-_/']")


@functools.cache
def regency_codes() -> frozenset:
    """'PPKK' codes of every regency/city, current and pre-2022 Papua ones (R-NIK-1)."""
    with _DATA.open(encoding="utf-8") as handle:
        return frozenset(
            row["code"].replace(".", "")
            for row in csv.DictReader(handle)
            if row["level"] in ("kabupaten", "kota")
        )


@dataclass(frozen=True)
class NikInfo:
    nik: str
    regency_code: str  # "PPKK"
    kecamatan_code: str  # "CC"
    birth_date: datetime.date
    sex: str  # MALE or FEMALE
    serial: str


def clean_nik(raw) -> str:
    """Strip what people type around a NIK: spaces, dots, dashes, a leading apostrophe (R-IMP-4)."""
    if raw is None:
        return ""
    return _SEPARATORS.sub("", str(raw)).strip()


def century_date(day: int, month: int, yy: int, today: datetime.date) -> datetime.date | None:
    """The real date DD-MM-(19|20)YY that makes the person 0-99 years old today, or None.

    R-NIK-2: "the century is the one giving an age under 100". Also used for two-digit years
    in import files (R-IMP-4).
    """
    for century in (2000, 1900):
        try:
            candidate = datetime.date(century + yy, month, day)
        except ValueError:
            continue
        if candidate <= today and age_on(candidate, today) < 100:
            return candidate
    return None


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def parse_nik(raw, *, today: datetime.date | None = None) -> NikInfo:
    """Validate a NIK by R-NIK-1 and decode it; raises ValidationError with an Indonesian message."""
    today = today or datetime.date.today()
    nik = clean_nik(raw)
    if not nik:
        raise ValidationError(_("NIK wajib diisi."), code="required")
    if not nik.isdigit() or len(nik) != 16:
        raise ValidationError(
            ngettext(
                "NIK harus tepat 16 angka; yang diisi %(count)d karakter: %(value)s.",
                "NIK harus tepat 16 angka; yang diisi %(count)d karakter: %(value)s.",
                len(nik),
            ) % {"count": len(nik), "value": nik},
            code="nik_length",
        )
    regency, kecamatan = nik[:4], nik[4:6]
    day, month, yy, serial = int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), nik[12:]
    if regency not in regency_codes():
        raise ValidationError(
            _("NIK %(nik)s: kode provinsi/kabupaten %(code)s tidak dikenal (6 digit pertama harus kode wilayah Kemendagri).")
            % {"nik": nik, "code": f"{regency[:2]}.{regency[2:]}"},
            code="nik_region",
        )
    if kecamatan == "00":
        raise ValidationError(
            _("NIK %(nik)s: kode kecamatan 00 tidak sah (harus 01–99).") % {"nik": nik}, code="nik_kecamatan"
        )
    sex = MALE
    if day > 40:
        sex, day = FEMALE, day - 40
    if not 1 <= day <= 31:
        raise ValidationError(
            _("NIK %(nik)s: tanggal lahir %(dd)s tidak sah (01–31 untuk laki-laki, 41–71 untuk perempuan).")
            % {"nik": nik, "dd": nik[6:8]},
            code="nik_birth_date",
        )
    birth_date = century_date(day, month, yy, today)
    if birth_date is None:
        raise ValidationError(
            _("NIK %(nik)s: tanggal lahir %(date)s bukan tanggal yang ada.")
            % {"nik": nik, "date": f"{day:02d}-{nik[8:10]}-{nik[10:12]}"},
            code="nik_birth_date",
        )
    if serial == "0000":
        raise ValidationError(
            _("NIK %(nik)s: nomor urut 0000 tidak sah (harus 0001–9999).") % {"nik": nik}, code="nik_serial"
        )
    return NikInfo(nik=nik, regency_code=regency, kecamatan_code=kecamatan, birth_date=birth_date, sex=sex, serial=serial)


def sex_label(sex: str) -> str:
    return _("Laki-laki") if sex == MALE else _("Perempuan")


def identity_errors(info: NikInfo, *, sex: str | None, birth_date: datetime.date | None) -> dict:
    """R-NIK-2: sex and birth date given on the form/file must equal those encoded in the NIK.

    Returns {field: message}; each message names both values.
    """
    errors = {}
    if sex and sex != info.sex:
        errors["sex"] = _("Jenis kelamin %(given)s tidak sesuai dengan NIK %(nik)s, yang menunjukkan %(encoded)s.") % {
            "given": sex_label(sex),
            "nik": info.nik,
            "encoded": sex_label(info.sex),
        }
    if birth_date and birth_date != info.birth_date:
        errors["birth_date"] = _(
            "Tanggal lahir %(given)s tidak sesuai dengan NIK %(nik)s, yang menunjukkan %(encoded)s."
        ) % {
            "given": birth_date.strftime("%d-%m-%Y"),
            "nik": info.nik,
            "encoded": info.birth_date.strftime("%d-%m-%Y"),
        }
    return errors


def validate_nik(value):
    """Field validator (R-NIK-1) for model and form fields."""
    parse_nik(value)


def validate_kk_number(value):
    """R-NIK-4: Nomor KK is 16 digits."""
    digits = clean_nik(value)
    if not (digits.isdigit() and len(digits) == 16):
        raise ValidationError(_("Nomor KK harus tepat 16 angka: %(value)s.") % {"value": value}, code="kk")


def heir_nik_error(heir_nik, worker_nik) -> str | None:
    """An heir never carries the worker's own NIK (the benefit would go to the deceased himself)."""
    if heir_nik and worker_nik and clean_nik(heir_nik) == clean_nik(worker_nik):
        return _("NIK ahli waris tidak boleh sama dengan NIK pekerja.")
    return None


def kpj_error(value, length: int) -> str | None:
    """R-NIK-4: KPJ (BPJS membership number) is ``length`` digits (configurable, default 11)."""
    digits = clean_nik(value)
    if not (digits.isdigit() and len(digits) == length):
        return _("Nomor KPJ harus tepat %(length)d angka: %(value)s.") % {"length": length, "value": value}
    return None
