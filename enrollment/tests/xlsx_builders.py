"""Real .xlsx files for the import tests, written with openpyxl the way people's files look.

Strings stay text cells, ints and floats become number cells, dates become date cells and
"=..." becomes a formula without a cached value (as a program writes it).
"""

import datetime

from openpyxl import Workbook

from core.testing import make_nik
from enrollment.nik import FEMALE, MALE

HEADERS = ["No", "NIK", "Nama Lengkap", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin", "Alamat", "Desa", "Kecamatan",
           "Pekerjaan", "No HP"]


def write_xlsx(path, sheets: dict) -> str:
    """sheets: {title: [row, ...]}, each row a list of cell values (None = empty cell)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return str(path)


def person(index=0, *, birth_date=datetime.date(1985, 5, 12), sex=MALE, desa="Kawa", kecamatan="Lamandau",
           occupation="Petani sawit", phone="0812 3456 7890", name=None, kecamatan_code="01", **overrides):
    """One valid row in HEADERS order (a unique NIK per index)."""
    nik = overrides.pop("nik", None) or make_nik(birth_date=birth_date, sex=sex, kecamatan=kecamatan_code, serial=1000 + index)
    row = {
        "No": index + 1,
        "NIK": nik,
        "Nama Lengkap": name or f"pekerja  uji {index}",
        "Tempat Lahir": "Nanga Bulik",
        "Tanggal Lahir": birth_date.strftime("%d-%m-%Y"),
        "Jenis Kelamin": "L" if sex == MALE else "P",
        "Alamat": "RT 01",
        "Desa": desa,
        "Kecamatan": kecamatan,
        "Pekerjaan": occupation,
        "No HP": phone,
    }
    row.update(overrides)
    return row


def rows_of(people, headers=HEADERS):
    return [[p.get(h) for h in headers] for p in people]


def simple_file(path, people, *, headers=HEADERS, title_rows=(("DAFTAR PEKERJA RENTAN DESA KAWA",), ()), footer=()):
    rows = [list(r) for r in title_rows] + [list(headers)] + rows_of(people, headers) + [list(r) for r in footer]
    return write_xlsx(path, {"Sheet1": rows})


__all__ = ["HEADERS", "write_xlsx", "person", "rows_of", "simple_file", "MALE", "FEMALE"]
