"""Hostile workbooks, built in the test from a plain one: each is what an attacker or a broken
program could upload, and each must be refused by the reading gate (core/xlsx/)."""

import os
import struct
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHEET_OPEN = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_CLOSE = b"</sheetData></worksheet>"


def plain(path, rows=(("NIK", "Nama", "Nomor KPJ", "Iuran"), ("6209011205851000", "BUDI", "24000000001", 16800))) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    workbook.save(path)
    return Path(path)


def rebuild(source, target, *, replace=None, add=(), stored=()) -> Path:
    """A copy of ``source`` with members replaced ({name: bytes}) or added ([(name, bytes)]);
    names in ``stored`` are not compressed (so a ratio check cannot see them)."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = replace.get(info.filename, None)
            new.writestr(info.filename, old.read(info.filename) if data is None else data,
                         compress_type=zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED)
        for name, data in add:
            new.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return Path(target)


def zip_padding(tmp_path) -> Path:
    """A 30 MB sheet that deflates ~1000x, hidden by 3 MB of incompressible padding: the ratio of
    the whole archive is ~10x (the old 40x check summed over all members let it through)."""
    sheet = SHEET_OPEN + b"<row/>" * 5_000_000 + SHEET_CLOSE
    path = rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "padding.xlsx", replace={SHEET: sheet},
                   add=[("xl/media/image1.png", os.urandom(3 << 20))], stored={"xl/media/image1.png"})
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert sum(i.file_size for i in infos) < 40 * path.stat().st_size  # the old check would pass
    return path


def empty_row_flood(tmp_path) -> Path:
    """Two million empty <row/> elements, stored (ratio 1): only counting XML rows refuses it."""
    sheet = SHEET_OPEN + b"<row/>" * 2_000_000 + SHEET_CLOSE
    return rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "baris-kosong.xlsx", replace={SHEET: sheet}, stored={SHEET})


def billion_laughs(tmp_path) -> Path:
    entities = [b'<!ENTITY lol "lol">', b'<!ENTITY lol1 "' + b"&lol;" * 10 + b'">']
    entities += [b'<!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10) for level in range(2, 10)]
    sheet = (b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [' + b"".join(entities) + b']>'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>' + SHEET_CLOSE)
    return rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "tawa.xlsx", replace={SHEET: sheet})


def xxe(tmp_path) -> Path:
    sheet = (b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>' + SHEET_CLOSE)
    return rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "xxe.xlsx", replace={SHEET: sheet})


def malformed_xml(tmp_path) -> Path:
    sheet = SHEET_OPEN + b'<row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></row>' + SHEET_CLOSE
    return rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "rusak.xlsx", replace={SHEET: sheet})


def encrypted(tmp_path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    source = plain(tmp_path / "p.xlsx")
    target = tmp_path / "bersandi.xlsx"
    with open(source, "rb") as handle, open(target, "wb") as out:
        OOXMLFile(handle).encrypt("rahasia", out)
    return target


def macro(tmp_path) -> Path:
    return rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "makro.xlsx", add=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" * 64)])


def renamed_binary(tmp_path) -> Path:
    target = tmp_path / "program.xlsx"
    target.write_bytes(Path(sys.executable).read_bytes()[:64 << 10])
    return target


def declared_size_lie(tmp_path) -> Path:
    """A 40 MB sheet whose zip headers (local and central) declare 2 KB uncompressed."""
    sheet = SHEET_OPEN + b"<row/>" * 7_000_000 + SHEET_CLOSE
    path = rebuild(plain(tmp_path / "p.xlsx"), tmp_path / "bohong.xlsx", replace={SHEET: sheet})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    struct.pack_into("<I", data, info.header_offset + 22, 2048)  # local header: uncompressed size
    central = struct.unpack_from("<I", data, len(data) - 22 + 16)[0]
    while data[central:central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if bytes(data[central + 46:central + 46 + name_length]) == SHEET.encode():
            struct.pack_into("<I", data, central + 24, 2048)  # central directory: uncompressed size
        central += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))
    return path


# (builder, code of the refusal, words of its message)
HOSTILE = [
    (zip_padding, "zip_bomb", "terlalu besar setelah dibuka"),
    (empty_row_flood, "too_many_rows", "baris atau"),
    (billion_laughs, "dtd", "DTD atau entitas XML"),
    (xxe, "dtd", "DTD atau entitas XML"),
    (malformed_xml, "bad_xml", "XML yang rusak"),
    (encrypted, "encrypted", "dilindungi kata sandi"),
    (macro, "macro", "memuat makro"),
    (renamed_binary, "not_xlsx", "bukan berkas Excel .xlsx"),
    (declared_size_lie, "corrupt", "rusak dan tidak dapat dibuka"),
]
