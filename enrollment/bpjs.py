"""The exchange with BPJS Ketenagakerjaan: the collective registration file and BPJS's answer.

**Export** (``export_bpjs``): a funding source's draft coverage as one .xlsx for the collective
registration of BPU participants, and those coverages marked "submitted" in the same transaction.
BPJS's own template is not published, so the layout is ours and documented here (EXPORT_COLUMNS):
one row per participant, NIK, KK and phone as text, dates as text DD-MM-YYYY, the income basis as
a number, and our coverage id as "Nomor Referensi".

**Answer** (``import_bpjs_answer``): BPJS's file of NIK -> KPJ number and registration date.
Each row activates the submitted coverage of that NIK (the rules of ``activate_coverage``:
``services.activation_problems``). A row whose "Pembayar Lain" column is filled means BPJS
found the worker registered through another payer (R-ENR-5): that fact is recorded as
ExternalCoverage and our coverage is cancelled. Unknown NIKs and conflicts are reported; like the
workers import, a file with errors changes nothing unless "valid rows only" is chosen, and a
preview (dry run) never writes. BPJS may simply fill the KPJ column into our export file: its
other columns are ignored.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import require_permission
from core.audit import record
from core.models import AuditEvent, ProgramRules
from core.xlsx import DATE, ERROR, NUMBER, TEXT, UNCALCULATED, FileProblem, SafeWorkbook, header_key, iter_rows, open_workbook
from core.xlsx import worksheets
from funding.models import FundingSource

from . import normalize
from .imports import ImportResult, Problem
from .imports.columns import COLUMN_ALIASES as WORKER_ALIASES
from .imports.columns import HEADER_SEARCH_ROWS, KPJ_ALIASES
from .imports.rows import is_footer_text, is_nik_like
from .models import BpjsExport, Coverage, Worker
from .nik import clean_nik
from .services import (
    CoverageError,
    activate_coverages,
    activation_problems,
    chunked,
    record_external_coverage,
    submit_coverages,
)

# --- Export -----------------------------------------------------------------------------------

# (header, width, written as text). The layout of the collective registration file.
EXPORT_COLUMNS = [
    ("No", 6, False),
    ("NIK", 19, True),
    ("Nomor KK", 19, True),
    ("Nama Lengkap", 30, False),
    ("Tempat Lahir", 18, False),
    ("Tanggal Lahir", 13, True),
    ("Jenis Kelamin", 8, False),
    ("Alamat", 30, False),
    ("Desa/Kelurahan", 20, False),
    ("Kecamatan", 16, False),
    ("Kabupaten/Kota", 16, False),
    ("Nomor HP", 15, True),
    ("Pekerjaan", 24, False),
    ("Dasar Penghasilan", 16, False),
    ("Program", 10, False),
    ("Tanggal Mulai", 13, True),
    ("Tanggal Berakhir", 13, True),
    ("Pembayar Iuran", 24, False),
    ("Nomor Referensi", 12, True),
]
REGENCY = "Kabupaten Lamandau"


class ExportError(Exception):
    """Nothing to export, or a selection that cannot go into one file (Indonesian message)."""


def _national_phone(phone: str) -> str:
    """+628123... -> 08123...: the form Indonesian registration forms expect."""
    return "0" + phone[3:] if phone.startswith("+62") else phone


def write_export(coverages, target) -> int:
    """Write the registration file for these coverages (workers, desa and occupations loaded)."""
    book = SafeWorkbook()
    sheet = book.sheet(
        _("Peserta BPU"), [h for h, _w, _t in EXPORT_COLUMNS],
        text_columns=[i for i, (_h, _w, text) in enumerate(EXPORT_COLUMNS) if text],
        widths=[w for _h, w, _t in EXPORT_COLUMNS],
    )
    count = 0
    for count, coverage in enumerate(coverages, start=1):
        worker = coverage.worker
        sheet.append([
            count, worker.nik, worker.kk_number, worker.full_name, worker.birth_place,
            worker.birth_date.strftime("%d-%m-%Y"), worker.sex, worker.address, worker.desa.name,
            worker.desa.kecamatan.name, REGENCY, _national_phone(worker.phone),
            ", ".join(o.name for o in worker.occupations.all()), coverage.income_basis, "+".join(coverage.programs),
            coverage.start_date.strftime("%d-%m-%Y"), coverage.end_date.strftime("%d-%m-%Y"),
            coverage.funding_source.name, str(coverage.pk),
        ])
    book.save(target)
    return count


def export_bpjs(*, funding: FundingSource, by, coverage_ids=None) -> BpjsExport:
    """Export the draft coverage of ``funding`` (or the selected ones) and mark it submitted.

    All in one transaction: if the file cannot be written, no coverage changes status; two
    officials exporting at once cannot both send the same rows (the second finds them submitted).
    """
    require_permission(by, "enrollment.export_bpjs")
    with transaction.atomic():
        drafts = Coverage.objects.filter(funding_source=funding, status=Coverage.Status.DRAFT)
        if coverage_ids is not None:
            drafts = drafts.filter(pk__in=list(coverage_ids))
        pks = list(drafts.values_list("pk", flat=True))
        if not pks:
            raise ExportError(_("Tidak ada kepesertaan berstatus draf untuk %(funding)s.") % {"funding": funding.name})
        try:
            submit_coverages(coverages=[Coverage(pk=pk) for pk in pks], by=by, note=_("Ekspor ke BPJS"))
        except CoverageError as exc:
            raise ExportError(str(exc)) from exc
        rows = (
            Coverage.objects.filter(pk__in=pks)
            .select_related("worker__desa__kecamatan", "funding_source")
            .prefetch_related("worker__occupations")
            .order_by("worker__desa__kecamatan__code", "worker__desa__name", "worker__full_name", "pk")
        )
        buffer = io.BytesIO()
        count = write_export(rows.iterator(chunk_size=2000), buffer)
        export = BpjsExport(funding_source=funding, rows=count, created_by=by if getattr(by, "pk", None) else None)
        export.file.save(f"{funding.code}.xlsx", ContentFile(buffer.getvalue()), save=False)
        try:
            export.save()
            record(actor=by, obj=export, action=AuditEvent.Action.CREATE, changes={
                "funding_source": [None, funding.code], "rows": [None, count]})
        except Exception:
            export.file.delete(save=False)
            raise
    return export


# --- BPJS's answer ----------------------------------------------------------------------------

ANSWER_ALIASES = {
    "nik": WORKER_ALIASES["nik"],
    "name": WORKER_ALIASES["name"],
    "kpj": KPJ_ALIASES,
    "registered_on": [
        "tanggal terdaftar", "tgl terdaftar", "tanggal registrasi", "tgl registrasi", "tanggal daftar", "tgl daftar",
        "tanggal kepesertaan", "tgl kepesertaan", "tmt", "tmt kepesertaan",
    ],
    "payer": ["pembayar lain", "pembayar iuran lain", "terdaftar melalui", "pembayar lainnya"],
    "other_from": ["mulai pembayar lain", "periode mulai", "mulai kepesertaan lain"],
    "other_to": ["berakhir pembayar lain", "periode berakhir", "berakhir kepesertaan lain"],
}
ANSWER_FIELDS = {header_key(alias): name for name, aliases in ANSWER_ALIASES.items() for alias in aliases}


@dataclass
class AnswerResult(ImportResult):
    """What reading BPJS's answer found and did; ``as_dict`` is the JSON of the command."""

    activated: int = 0
    external: int = 0
    already: int = 0
    activations: list = field(default_factory=list)  # Activation of each valid row
    other_payers: list = field(default_factory=list)  # OtherPayer of each valid row

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "activated": self.activated,
            "external": self.external,
            "skipped_sheets": list(self.skipped_sheets),
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
            "committed": self.committed,
        }


@dataclass
class Activation:
    coverage: Coverage
    kpj: str
    registered_on: datetime.date | None


@dataclass
class OtherPayer:
    """R-ENR-5: BPJS found the worker registered through another payer."""

    coverage: Coverage
    payer: str
    start: datetime.date
    end: datetime.date


@dataclass
class _AnswerRow:
    sheet: str
    row: int
    nik_header: str
    nik: str
    kpj: str
    kpj_header: str | None
    registered_on: datetime.date | None
    payer: str
    other_from: datetime.date | None
    other_to: datetime.date | None


def read_answer(path, *, rules, today=None, display_name=None) -> tuple[AnswerResult, list]:
    """Read the answer file's rows; FileProblem for a problem with the whole file."""
    today = today or timezone.localdate()
    name = display_name or str(path)
    result = AnswerResult()
    rows = []
    seen = {}
    workbook = open_workbook(path, max_megabytes=rules.import_max_megabytes, name=display_name)
    found_header = False
    try:
        for title, sheet in worksheets(workbook):
            columns = None
            if sheet is not None:
                for number, cells in iter_rows(sheet):
                    if columns is None:
                        if number > HEADER_SEARCH_ROWS:
                            break
                        mapped = {}
                        for col, cell in sorted(cells.items()):
                            field_name = ANSWER_FIELDS.get(header_key(cell.value)) if cell.kind == TEXT else None
                            if field_name and field_name not in mapped:
                                mapped[field_name] = (col, cell.value)
                        if "nik" in mapped and ("kpj" in mapped or "payer" in mapped):
                            if "kpj" in mapped and "registered_on" not in mapped:
                                raise FileProblem(_(
                                    "Berkas %(name)s, lembar \"%(sheet)s\": kolom Tanggal Terdaftar tidak ditemukan di "
                                    "baris judul (baris %(row)d)."
                                ) % {"name": name, "sheet": title, "row": number})
                            columns = mapped
                            found_header = True
                        continue
                    row = _answer_row(result, title, number, cells, columns, seen, today)
                    if row is not None:
                        rows.append(row)
                    if result.rows > rules.import_max_rows:
                        raise FileProblem(_("Berkas %(name)s memuat lebih dari %(max)d baris data.") % {
                            "name": name, "max": rules.import_max_rows})
            if columns is None:
                result.skipped_sheets.append(title)
    finally:
        workbook.close()
    if not found_header:
        raise FileProblem(_(
            "Berkas %(name)s tidak memuat baris judul dengan kolom NIK dan Nomor KPJ di 20 baris pertama lembar mana pun."
        ) % {"name": name})
    return result, rows


def _is_answer_row(nik, kpj, payer) -> bool:
    """R-IMP-3 as for the workers' lists (enrollment.imports.rows): a NIK-like value, or any other NIK
    cell beside a KPJ number or another payer (a row BPJS filled in whose NIK is wrong). Not the
    branch's place and date, NIP or totals under the list."""
    if is_nik_like(nik):
        return True
    if nik.kind == TEXT and is_footer_text(nik.value):
        return False
    return kpj is not None or payer is not None


def _answer_row(result, title, number, cells, columns, seen, today):
    """One row of the answer: NIK, KPJ (text, R-IMP-4), registration date, or another payer."""

    def cell(name):
        return cells.get(columns[name][0]) if name in columns else None

    def header(name):
        return columns[name][1] if name in columns else None

    nik_cell = cell("nik")
    if nik_cell is None or not _is_answer_row(nik_cell, cell("kpj"), cell("payer")):
        return None  # R-IMP-3: not a data row (blank, signature, totals)
    result.rows += 1
    errors = []

    def error(name, message, value=None):
        shown = value if value is not None else (cell(name).display() if cell(name) else "")
        errors.append(message)
        result.errors.append(Problem(title, number, header(name), shown, message))

    def text(name, label):
        value = cell(name)
        if value is None:
            return ""
        if value.kind == NUMBER:
            error(name, _(
                "%(label)s tersimpan sebagai angka (%(value)s), bukan teks; angka 0 di depan atau angka ke-16 dapat "
                "hilang. Ubah format kolom %(label)s menjadi Teks, lalu ketik ulang."
            ) % {"label": label, "value": value.display()})
            return None
        if value.kind in (UNCALCULATED, ERROR):
            error(name, _("Sel berisi rumus tanpa nilai atau galat Excel."))
            return None
        return value.display()

    def date(name):
        value = cell(name)
        if value is None:
            return None
        if value.kind == DATE:
            return value.value.date() if isinstance(value.value, datetime.datetime) else value.value
        parsed = normalize.date_text(value.display(), today=today) if value.kind == TEXT else None
        if parsed is None:
            error(name, _("Tanggal \"%(value)s\" tidak dapat dibaca; tulis seperti 12-05-2025.") % {"value": value.display()})
        return parsed

    raw_nik = text("nik", "NIK")
    raw_kpj = text("kpj", "Nomor KPJ")
    registered_on = date("registered_on")
    payer = (cell("payer").display() if cell("payer") else "").strip()
    other_from, other_to = date("other_from"), date("other_to")
    nik = clean_nik(raw_nik) if raw_nik else ""
    if nik:
        first = seen.get(nik)
        if first:
            error("nik", _("NIK %(nik)s sudah ada di baris %(row)d lembar \"%(sheet)s\".") % {
                "nik": nik, "row": first[1], "sheet": first[0]})
        else:
            seen[nik] = (title, number)
    if not payer:
        if raw_kpj == "" and "kpj" in columns and cell("kpj") is None:
            error("kpj", _("Nomor KPJ wajib diisi (atau isi kolom Pembayar Lain bila peserta terdaftar melalui pembayar lain)."))
        if registered_on is None and "registered_on" in columns and cell("registered_on") is None:
            error("registered_on", _("Tanggal terdaftar wajib diisi."), value="")
    if errors:
        result.rejected[(title, number)] = errors
        return None
    return _AnswerRow(title, number, header("nik"), nik, raw_kpj or "", header("kpj"), registered_on, payer,
                      other_from, other_to)


def plan_answer(result: AnswerResult, rows, *, funding=None, kpj_length: int, lock=False):
    """Match each row to the submitted coverage of its NIK and check the activation rules."""
    workers = {}
    for chunk in chunked([r.nik for r in rows]):
        for worker in Worker.objects.filter(nik__any=chunk):
            workers[worker.nik] = worker
    coverages = {}
    query = Coverage.objects.filter(worker__pk__any=[w.pk for w in workers.values()]).exclude(
        status=Coverage.Status.CANCELLED)
    if funding is not None:
        query = query.filter(funding_source=funding)
    query = query.select_related("worker", "funding_source").order_by("pk")
    if lock:
        query = query.select_for_update(of=("self",))
    for coverage in query:
        coverages.setdefault(coverage.worker_id, []).append(coverage)

    def reject(row, message, column=None, value=None):
        result.errors.append(Problem(row.sheet, row.row, column or row.nik_header, value or row.nik, message))
        result.rejected.setdefault((row.sheet, row.row), []).append(message)

    activations = []
    for row in rows:
        worker = workers.get(row.nik)
        if worker is None:
            reject(row, _("NIK %(nik)s tidak terdaftar sebagai pekerja di aplikasi ini.") % {"nik": row.nik})
            continue
        own = coverages.get(worker.pk, [])
        submitted = [c for c in own if c.status == Coverage.Status.SUBMITTED]
        if len(submitted) > 1 and row.registered_on:
            submitted = [c for c in submitted if c.covers(row.registered_on)] or submitted
        if row.payer:
            if len(submitted) != 1:
                reject(row, _("Tidak ada satu kepesertaan berstatus diajukan untuk NIK %(nik)s.") % {"nik": row.nik})
                continue
            coverage = submitted[0]
            result.other_payers.append(OtherPayer(coverage, row.payer, row.other_from or coverage.start_date,
                                                  row.other_to or coverage.end_date))
            result.warnings.append(Problem(row.sheet, row.row, row.nik_header, row.nik, _(
                "Terdaftar melalui %(payer)s: dicatat (R-ENR-5) dan kepesertaan %(funding)s dibatalkan."
            ) % {"payer": row.payer, "funding": coverage.funding_source.name}))
            continue
        kpj = "".join(ch for ch in row.kpj if ch.isdigit())
        if not submitted:
            active = [c for c in own if c.is_registered and c.kpj_number]
            if active and any(c.kpj_number == kpj for c in active):
                result.already += 1
                result.warnings.append(Problem(row.sheet, row.row, row.kpj_header, row.kpj, _(
                    "Kepesertaan sudah aktif dengan nomor KPJ ini; tidak ada yang diubah.")))
            elif active:
                reject(row, _("NIK %(nik)s sudah aktif dengan nomor KPJ %(kpj)s, berbeda dengan berkas (%(given)s).") % {
                    "nik": row.nik, "kpj": active[-1].kpj_number, "given": row.kpj}, row.kpj_header, row.kpj)
            else:
                reject(row, _("NIK %(nik)s tidak memiliki kepesertaan yang diajukan ke BPJS.") % {"nik": row.nik})
            continue
        if len(submitted) > 1:
            reject(row, _("NIK %(nik)s memiliki lebih dari satu kepesertaan yang diajukan; pilih sumber dana.") % {"nik": row.nik})
            continue
        activations.append((row, submitted[0], kpj))
    problems = activation_problems([(coverage, kpj) for _row, coverage, kpj in activations], kpj_length=kpj_length)
    for index, (row, coverage, kpj) in enumerate(activations):
        if index in problems:
            reject(row, problems[index], row.kpj_header, row.kpj)
        else:
            result.activations.append(Activation(coverage, kpj, row.registered_on))
    result.valid = len(result.activations) + len(result.other_payers) + result.already


def import_bpjs_answer(path, *, by, funding=None, dry_run=False, skip_invalid=False, display_name=None,
                       on_commit=None) -> AnswerResult:
    """Read BPJS's answer file and (unless ``dry_run``) apply it: all valid rows or nothing.

    Raises FileProblem for a problem with the whole file.
    """
    require_permission(by, "enrollment.import_bpjs_answer")
    rules = ProgramRules.current()
    name = display_name or str(path)
    source = _("Jawaban BPJS %(file)s") % {"file": name}
    result, rows = read_answer(path, rules=rules, display_name=name)
    if dry_run:
        plan_answer(result, rows, funding=funding, kpj_length=rules.kpj_length)
        return result
    with transaction.atomic():
        plan_answer(result, rows, funding=funding, kpj_length=rules.kpj_length, lock=True)
        changes = result.activations or result.other_payers
        if changes and (skip_invalid or not result.errors):
            if result.activations:
                activate_coverages(answers=[(a.coverage, a.kpj, a.registered_on) for a in result.activations], by=by,
                                   note=source)
            for other in result.other_payers:
                record_external_coverage(coverage=other.coverage, payer=other.payer, start=other.start, end=other.end,
                                         source=source, by=by)
            result.activated, result.external = len(result.activations), len(result.other_payers)
            result.committed = True
        if on_commit is not None:
            on_commit(result)
    return result
