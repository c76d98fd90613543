"""The reading gate: a workbook is looked at without parsing any sheet into memory, and refused
(FileRefused: "Berkas ditolak: …") unless it is a plain .xlsx within the limits (core/xlsx/__init__.py)."""

import contextlib
import itertools
import posixpath
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from core.models import ProgramRules

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_CHUNK = 1 << 20
# A member smaller than this may compress as well as it likes (styles, empty sheets).
_RATIO_FLOOR = 1 << 20

NUMBER, TEXT, DATE, BOOL, ERROR, UNCALCULATED = "n", "s", "d", "b", "e", "f"


class FileProblem(Exception):
    """A problem with the whole file: one clear Indonesian message, and nothing else happens."""


class FileRefused(FileProblem):
    """The gate refused the file before any sheet was read: "Berkas ditolak: <reason>"."""

    def __init__(self, reason: str, *, code: str = "refused"):
        super().__init__(_("Berkas ditolak: %(reason)s") % {"reason": reason})
        self.reason, self.code = reason, code


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_cells: int
    max_member_bytes: int = 256 << 20
    max_ratio: int = 100
    max_members: int = 1000

    @classmethod
    def from_rules(cls, rules=None, *, max_megabytes=None):
        """The limits of ProgramRules (data) and the settings, with defaults for both."""
        rules = rules or ProgramRules.current()
        rows = rules.import_max_rows + getattr(settings, "XLSX_EXTRA_ROWS", 1000)
        return cls(
            max_bytes=(max_megabytes or rules.import_max_megabytes) << 20,
            max_rows=rows,
            max_cells=rows * getattr(settings, "XLSX_MAX_CELLS_PER_ROW", 64),
            max_member_bytes=getattr(settings, "XLSX_MAX_MEMBER_MEGABYTES", 256) << 20,
            max_ratio=getattr(settings, "XLSX_MAX_MEMBER_RATIO", 100),
            max_members=getattr(settings, "XLSX_MAX_MEMBERS", 1000),
        )


# --- The gate --------------------------------------------------------------------------------


@dataclass
class SheetFacts:
    rows: int = 0
    cells: int = 0
    # (row, column) -> (UNCALCULATED, None) or (ERROR, "#DIV/0!"): what calamine reads as "".
    special: dict = field(default_factory=dict)


@dataclass
class Inspection:
    """What the gate learned: per sheet name, its row count and its special cells."""

    sheets: dict = field(default_factory=dict)  # sheet name -> SheetFacts
    rows: int = 0
    cells: int = 0


def _column_number(ref: str) -> int:
    number = 0
    for char in ref:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            number = number * 26 + ord(char) - 96
        else:
            break
    return number


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _SheetCounter:
    """Expat handlers for one worksheet already counted (``_Gate.scan_sheet``): where formulas
    without a cached value and error cells are, without character data for ordinary cells."""

    def __init__(self, gate, facts: SheetFacts):
        self.gate, self.facts = gate, facts
        self.row = 0
        self.ref, self.offset = None, 0  # the last cell reference in the row, and cells since it
        self.cell = None  # (row, ref, offset, is_error) of the open cell, until the next one starts
        self.has_formula = False
        self.text = None  # the <v> text of an error or formula cell
        self.parser = None

    def start(self, name, attrs):
        tag = _TAGS.get(name) or _TAGS.get(_local(name))
        if tag is None:
            return
        if tag == "c":
            self.close_cell()
            ref = attrs.get("r")
            if ref:
                self.ref, self.offset = ref, 0
            else:
                self.offset += 1
            self.cell = (self.row, self.ref, self.offset, attrs.get("t") == "e")
        elif tag == "row":
            self.close_cell()
            number = attrs.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            self.ref, self.offset = None, 0
        elif self.cell is not None:
            if tag == "f":
                self.has_formula = True
            elif tag == "v" and (self.cell[3] or self.has_formula):
                # Only error and formula cells need their text (rare): ordinary cells cost no callback.
                self.text = []
                self.parser.CharacterDataHandler = self.text.append

    def close_cell(self):
        cell = self.cell
        if cell is None:
            return
        text = "".join(self.text).strip() if self.text is not None else ""
        if self.text is not None:
            self.parser.CharacterDataHandler = None
        if cell[3] or (self.has_formula and not text):
            row, ref, offset, is_error = cell
            column = (_column_number(ref) if ref else 0) + offset
            self.facts.special[(row, column)] = (ERROR, text or "#N/A") if is_error else (UNCALCULATED, None)
        self.cell, self.has_formula, self.text = None, False, None


_TAGS = {"c": "c", "row": "row", "f": "f", "v": "v"}
# An element <row>, <c> or <si> (with any namespace prefix).
_ELEMENTS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|si)[\s/>]")
_ROOT = re.compile(rb"<[A-Za-z_][\w.-]*(:)?[\w.-]*[\s/>]")  # the first element; group 1: it has a prefix
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_METADATA = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[content_types].xml"}


def _count(data: bytes, prefixed) -> tuple[int, int, int]:
    """(rows, cells, shared strings) elements in ``data``."""
    if prefixed or prefixed is None:
        tags = _ELEMENTS.findall(data)
        return tags.count(b"row"), tags.count(b"c"), tags.count(b"si")
    return (
        _elements(data, b"<row", b" ", b">", b"/"),
        _elements(data, b"<c", b" ", b">", b"/"),
        _elements(data, b"<si", b">", b" ", b"/"),
    )


def _elements(data: bytes, tag: bytes, usual: bytes, *others: bytes) -> int:
    """Occurrences of ``tag`` followed by ``usual`` or one of ``others`` (``<row ``, ``<row>``,
    ``<row/``). Each is an occurrence of ``tag``: when ``tag`` alone counts as many as ``tag + usual``,
    the others are absent, so a part usually takes two scans (one when the tag is absent), not three."""
    total = data.count(tag)
    if not total:
        return 0
    found = data.count(tag + usual)
    if found == total:
        return found
    return found + sum(data.count(tag + other) for other in others)


# A formula (<f>, <f ...>, prefixed or not) or an error cell (t="e"): then the slow pass runs.
_SPECIAL_MARKERS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")


def _has_special(data: bytes) -> bool:
    """Whether one of _SPECIAL_MARKERS is in ``data``. A sheet without formulas has no "<f" or ":f"
    at all: two scans of the part instead of six for the formula markers (75 MB at 100,000 rows)."""
    return (
        (b"<f" in data and (b"<f>" in data or b"<f " in data or b"<f/" in data))
        or (b":f" in data and (b":f>" in data or b":f " in data or b":f/" in data))
        or b't="e"' in data or b"t='e'" in data
    )


class _Gate:
    def __init__(self, path: Path, limits: Limits, name: str):
        self.path, self.limits, self.name = path, limits, name
        self.rows = self.cells = 0
        self.strings = 0
        self.sheet_facts = {}  # member name -> SheetFacts, for every part holding rows or cells
        self.sheet_targets = {}  # relationship id -> member name
        self.sheet_ids = []  # (sheet name, relationship id) in workbook order

    def refuse(self, reason, code="refused"):
        raise FileRefused(reason, code=code)

    def too_many(self):
        self.refuse(_(
            "berkas %(name)s memuat lebih dari %(rows)s baris atau %(cells)s sel lembar kerja (dihitung pada setiap "
            "baris XML, termasuk baris kosong)."
        ) % {"name": self.name, "rows": f"{self.limits.max_rows:,}".replace(",", "."),
             "cells": f"{self.limits.max_cells:,}".replace(",", ".")}, "too_many_rows")

    def run(self) -> Inspection:
        self.check_container()
        try:
            with zipfile.ZipFile(self.path) as archive:
                infos = archive.infolist()
                self.check_members(infos)
                for info in infos:
                    self.read_member(archive, info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            # RuntimeError: a member encrypted with a zip password; NotImplementedError: an unknown compression.
            raise FileRefused(_("berkas %(name)s rusak dan tidak dapat dibuka (%(reason)s).") % {
                "name": self.name, "reason": exc.__class__.__name__}, code="corrupt") from exc
        return self.inspection()

    def check_container(self):
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise FileProblem(_("Berkas %(name)s tidak dapat dibaca.") % {"name": self.name}) from exc
        if size > self.limits.max_bytes:
            self.refuse(_("berkas %(name)s berukuran %(size).1f MB, melebihi batas %(max)d MB.") % {
                "name": self.name, "size": size / 1024 / 1024, "max": self.limits.max_bytes >> 20}, "too_big")
        with self.path.open("rb") as handle:
            head = handle.read(8)
            if head == _OLE_MAGIC:
                handle.seek(0)
                if _ENCRYPTION_STREAM in handle.read():  # bounded by the size limit just checked
                    self.refuse(_(
                        "berkas %(name)s dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca. Buka di Excel, "
                        "hapus kata sandinya (File › Info › Lindungi Buku Kerja), simpan, lalu unggah lagi."
                    ) % {"name": self.name}, "encrypted")
                self.refuse(_(
                    "berkas %(name)s berformat .xls lama (Excel 97-2003). Buka di Excel, simpan sebagai "
                    "\"Buku Kerja Excel (.xlsx)\", lalu unggah lagi."
                ) % {"name": self.name}, "old_xls")
        if not zipfile.is_zipfile(self.path):
            self.refuse(_("berkas %(name)s bukan berkas Excel .xlsx.") % {"name": self.name}, "not_xlsx")

    def check_members(self, infos):
        limits = self.limits
        if len(infos) > limits.max_members:
            self.refuse(_("berkas %(name)s memuat terlalu banyak bagian (%(count)d).") % {
                "name": self.name, "count": len(infos)}, "too_big")
        for info in infos:
            if posixpath.basename(info.filename).lower() == "vbaproject.bin":
                self.refuse(self.macro_message(), "macro")
            self.check_size(info, info.file_size, info.compress_size)

    def macro_message(self):
        return _("berkas %(name)s memuat makro (VBA). Simpan sebagai \"Buku Kerja Excel (.xlsx)\" tanpa makro, lalu "
                 "unggah lagi.") % {"name": self.name}

    def check_size(self, info, unpacked, packed):
        limits = self.limits
        if unpacked > limits.max_member_bytes or (
            unpacked > _RATIO_FLOOR and unpacked > max(packed, 1) * limits.max_ratio
        ):
            self.refuse(_("isi berkas %(name)s terlalu besar setelah dibuka (bagian %(member)s).") % {
                "name": self.name, "member": info.filename[:80]}, "zip_bomb")

    def read_member(self, archive, info):
        """Stream one member: its size always; XML (by name or by content: a renamed sheet is
        still XML) through expat with DTDs refused, its <row>, <c> and <si> counted whatever its
        name, since the workbook's relationships, not the names, say which parts are sheets."""
        name = info.filename
        lower = name.lower()
        chunks = self.stream(archive, info)
        first = next(chunks, b"")
        if lower in _METADATA:  # small parts read with a callback per element
            parser = self.xml_parser(name, lower)
            for chunk in itertools.chain([first], chunks):
                self.feed(parser, chunk, False)
            self.feed(parser, b"", True)
            return
        if not (lower.endswith(_XML_SUFFIXES) or first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")):
            for _chunk in chunks:  # an image or other binary part: only its size matters
                pass
            return
        facts = SheetFacts()
        if self.scan_xml(info, itertools.chain([first], chunks), facts):
            self.scan_cells(archive, info, facts)
        if facts.rows or facts.cells:
            self.sheet_facts[name] = facts

    def stream(self, archive, info):
        """The member's bytes in chunks. zipfile stops at the declared size and checks the CRC;
        the count here also measures what was really inflated, so neither a lying header nor
        padding passes unnoticed."""
        done = 0
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                done += len(chunk)
                self.check_size(info, done, info.compress_size)
                yield chunk

    def scan_xml(self, info, chunks, facts) -> bool:
        """The fast pass over an XML part: expat checks it (no DTD, well formed) with no Python
        callback per element, and bytes.count (a regex when elements carry a namespace prefix)
        counts every <row>, <c> and shared string <si> against the limits as the part streams.
        True when it holds formulas or error cells (then ``scan_cells`` finds where)."""
        parser = self.xml_parser(info.filename, "")
        carry, special, prefixed = b"", False, None
        limits = self.limits
        for chunk in chunks:
            self.feed(parser, chunk, False)
            data = carry + chunk if carry else chunk
            cut = data.rfind(b"<")
            if cut < 0 or len(data) - cut > 4096:
                cut = len(data)
            data, carry = data[:cut], data[cut:]
            if prefixed is None:  # <x:worksheet ...>: every element carries a prefix (rare)
                root = _ROOT.search(data)
                prefixed = None if root is None else root.group(1) is not None
            rows, cells, strings = _count(data, prefixed)
            facts.rows += rows
            facts.cells += cells
            self.rows += rows
            self.cells += cells
            self.strings += strings
            if self.rows > limits.max_rows or self.cells > limits.max_cells or self.strings > limits.max_cells:
                self.too_many()
            # Only in a part holding cells: a chart's <c:f> (a range) is not a formula cell.
            special = special or (facts.cells > 0 and _has_special(data))
        self.feed(parser, b"", True)
        rows, cells, _strings = _count(carry + b" ", True)
        facts.rows += rows
        return special

    def scan_cells(self, archive, info, facts):
        """The slow pass, only for a sheet with formulas or error cells: where they are."""
        parser = self.xml_parser(info.filename, "")
        counter = _SheetCounter(self, facts)
        counter.parser = parser
        parser.StartElementHandler = counter.start
        for chunk in self.stream(archive, info):
            self.feed(parser, chunk, False)
        self.feed(parser, b"", True)
        counter.close_cell()

    def feed(self, parser, data, final):
        try:
            parser.Parse(data, final)
        except expat.ExpatError as exc:
            self.refuse(_("berkas %(name)s memuat XML yang rusak (%(reason)s).") % {
                "name": self.name, "reason": expat.ErrorString(exc.code)}, "bad_xml")

    def xml_parser(self, name, lower):
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

        def no_dtd(*_args):
            self.refuse(_("berkas %(name)s memuat DTD atau entitas XML (bagian %(member)s); berkas Excel yang "
                          "wajar tidak pernah memuatnya.") % {"name": self.name, "member": name[:80]}, "dtd")

        parser.StartDoctypeDeclHandler = no_dtd
        parser.EntityDeclHandler = no_dtd
        parser.UnparsedEntityDeclHandler = no_dtd
        parser.ExternalEntityRefHandler = no_dtd
        parser.SkippedEntityHandler = no_dtd
        if lower == "xl/workbook.xml":
            def sheet(tag, attrs):
                if _local(tag) == "sheet":
                    rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                    self.sheet_ids.append((attrs.get("name", ""), rid))
            parser.StartElementHandler = sheet
        elif lower == "xl/_rels/workbook.xml.rels":
            def relation(tag, attrs):
                if _local(tag) == "Relationship" and attrs.get("Target"):
                    target = attrs["Target"]
                    target = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                    self.sheet_targets[attrs.get("Id")] = target
            parser.StartElementHandler = relation
        elif lower == "[content_types].xml":
            def content(tag, attrs):
                if "macroenabled" in attrs.get("ContentType", "").lower():
                    self.refuse(self.macro_message(), "macro")
            parser.StartElementHandler = content
        return parser

    def inspection(self) -> Inspection:
        result = Inspection(rows=self.rows, cells=self.cells)
        by_lower = {member.lower(): facts for member, facts in self.sheet_facts.items()}
        for sheet_name, rid in self.sheet_ids:
            target = self.sheet_targets.get(rid, "")
            result.sheets[sheet_name] = by_lower.get(target.lower(), SheetFacts())
        return result


def inspect(path, *, limits: Limits, name=None) -> Inspection:
    """The gate: FileRefused (a FileProblem) unless the file is a plain .xlsx within the limits."""
    path = Path(path)
    return _Gate(path, limits, name or path.name).run()


def check_upload(upload, *, limits: Limits, name=None) -> None:
    """Cheap structural checks of an upload, fit for a web request: size, encrypted or .xls,
    not a zip, macros, too many members, declared sizes. The streaming count runs in the task."""
    with _as_path(upload) as path:
        gate = _Gate(Path(path), limits, name or getattr(upload, "name", None) or Path(path).name)
        gate.check_container()
        try:
            with zipfile.ZipFile(path) as archive:
                gate.check_members(archive.infolist())
        except zipfile.BadZipFile as exc:
            raise FileRefused(_("berkas %(name)s rusak dan tidak dapat dibuka (%(reason)s).") % {
                "name": gate.name, "reason": exc.__class__.__name__}, code="corrupt") from exc


@contextlib.contextmanager
def _as_path(source):
    """A path for ``source``: itself, or a temporary copy of an uploaded/in-memory file."""
    if isinstance(source, (str, Path)):
        yield source
        return
    temporary = getattr(source, "temporary_file_path", None)
    if temporary:
        yield temporary()
        return
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy:
        source.seek(0)
        shutil.copyfileobj(source, copy)
        copy.flush()
        source.seek(0)
        yield copy.name
