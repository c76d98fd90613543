"""A bill as an Excel workbook for the finance office, and BPJS's own invoice compared with it.

Out: ``Workbook(write_only=True)``; NIK and KPJ are text cells (a number keeps only 15 digits,
R-IMP-4), and text that a spreadsheet would run as a formula is neutralised (``core.xlsx.safe_cell``).
In: BPJS's invoice lines (KPJ and/or NIK, amount) read through the reading gate of ``core.xlsx``
(python-calamine after the file-level checks); every error is collected with its sheet, row and
column, and nothing is compared unless the whole file is readable (all or nothing). Reading runs
in a Celery task (``funding.tasks.compare_invoice_task``), never in the web request.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.models import ProgramRules
from core.money import ZERO, rupiah
from core.xlsx import FileProblem, FileRefused, Limits, check_upload, header_key, iter_rows, open_workbook, safe_cell
from core.xlsx import worksheets
from enrollment.imports.columns import COLUMN_ALIASES, HEADER_SEARCH_ROWS, KPJ_ALIASES
from enrollment.nik import clean_nik
from enrollment.normalize import rupiah_amount

from .billing import Credit, death_credits
from .models import BillLine, ContributionBill, InvoiceComparison

MONEY_FORMAT = "#,##0"


# --- Out: the bill as a workbook -----------------------------------------------------------


def _text(sheet, value, *, bold=False):
    """A text cell: never a formula, never a number (NIK/KPJ keep every digit)."""
    return safe_cell(sheet, "" if value is None else str(value), as_text=True, bold=bold)


def _money(sheet, value, *, bold=False):
    return safe_cell(sheet, int(value), number_format=MONEY_FORMAT, bold=bold)


def bill_rows(bill: ContributionBill):
    """One row per coverage on the bill, ordered by kecamatan, desa and name (one query, streamed)."""
    return (
        BillLine.objects.filter(bill=bill)
        .values(
            "coverage_id",
            "coverage__kpj_number",
            "coverage__worker__nik",
            "coverage__worker__full_name",
            "coverage__worker__desa__name",
            "coverage__worker__desa__kecamatan__name",
        )
        .annotate(
            months=Count("id"), first=Min("month"), last=Max("month"),
            jkk_total=Sum("jkk"), jkm_total=Sum("jkm"), amount_total=Sum("amount"),
        )
        .order_by("coverage__worker__desa__kecamatan__name", "coverage__worker__desa__name", "coverage__worker__full_name", "coverage_id")
    )


# "No" with a context: alone it is Django's own "No" (Indonesian "Tidak"), not the row number.
BILL_HEADERS = [pgettext_lazy("nomor urut", "No"), "NIK", gettext_lazy("Nomor KPJ"), gettext_lazy("Nama"),
                gettext_lazy("Desa/Kelurahan"), gettext_lazy("Kecamatan"), gettext_lazy("Jumlah bulan"),
                gettext_lazy("Bulan iuran"), gettext_lazy("Iuran JKK"), gettext_lazy("Iuran JKM"), gettext_lazy("Jumlah")]


def write_bill_workbook(bill: ContributionBill, stream) -> int:
    """Write ``bill`` as an .xlsx into ``stream``; returns the number of participant rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Tagihan"))
    for index, width in enumerate([6, 20, 15, 32, 22, 18, 8, 20, 12, 12, 14], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    funding = bill.funding_source
    sheet.append([_text(sheet, _("Tagihan iuran BPJS Ketenagakerjaan (JKK/JKM)"), bold=True)])
    sheet.append([_text(sheet, _("Sumber dana")), _text(sheet, f"{funding.name} ({funding.code})")])
    sheet.append([_text(sheet, _("Bulan iuran")), _text(sheet, bill.period_label)])
    sheet.append([_text(sheet, _("Jumlah tagihan")), _money(sheet, bill.total, bold=True)])
    sheet.append([])
    sheet.append([_text(sheet, header, bold=True) for header in BILL_HEADERS])
    count, jkk, jkm, total = 0, ZERO, ZERO, ZERO
    for row in bill_rows(bill).iterator(chunk_size=2000):
        count += 1
        months = (f"{row['first']:%m-%Y}" if row["first"] == row["last"]
                  else _("%(first)s s.d. %(last)s") % {"first": f"{row['first']:%m-%Y}", "last": f"{row['last']:%m-%Y}"})
        sheet.append([
            count,
            _text(sheet, row["coverage__worker__nik"]),
            _text(sheet, row["coverage__kpj_number"]),
            _text(sheet, row["coverage__worker__full_name"]),
            _text(sheet, row["coverage__worker__desa__name"]),
            _text(sheet, row["coverage__worker__desa__kecamatan__name"]),
            row["months"],
            _text(sheet, months),
            _money(sheet, row["jkk_total"]),
            _money(sheet, row["jkm_total"]),
            _money(sheet, row["amount_total"]),
        ])
        jkk += row["jkk_total"]
        jkm += row["jkm_total"]
        total += row["amount_total"]
    sheet.append([None, None, None, _text(sheet, _("JUMLAH"), bold=True), None, None, None, None,
                  _money(sheet, jkk, bold=True), _money(sheet, jkm, bold=True), _money(sheet, total, bold=True)])

    per_month = workbook.create_sheet(_("Per bulan"))
    per_month.append([_text(per_month, h, bold=True) for h in [_("Bulan"), _("Peserta"), _("Iuran JKK"), _("Iuran JKM"), _("Jumlah")]])
    for row in (
        BillLine.objects.filter(bill=bill).values("month")
        .annotate(n=Count("id"), jkk_total=Sum("jkk"), jkm_total=Sum("jkm"), amount_total=Sum("amount")).order_by("month")
    ):
        per_month.append([
            _text(per_month, f"{row['month']:%m-%Y}"), row["n"], _money(per_month, row["jkk_total"]),
            _money(per_month, row["jkm_total"]), _money(per_month, row["amount_total"]),
        ])
    workbook.save(stream)
    return count


# --- In: BPJS's invoice --------------------------------------------------------------------


HEADER_ALIASES = {
    "kpj": KPJ_ALIASES,
    "nik": COLUMN_ALIASES["nik"],
    "name": ["nama", "nama lengkap", "nama pekerja", "nama peserta", "nama tenaga kerja"],
    "amount": ["iuran", "jumlah iuran", "total iuran", "jumlah", "total", "nominal", "tagihan", "jumlah tagihan",
               "total tagihan", "iuran jkk jkm", "jumlah iuran jkk jkm"],
    "jkk": ["jkk", "iuran jkk"],
    "jkm": ["jkm", "iuran jkm"],
}
HEADER_LOOKUP = {header_key(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}
HEADER_ROWS = HEADER_SEARCH_ROWS  # R-IMP-1: the header is one of a sheet's first 20 rows


@dataclass
class InvoiceError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = [self.sheet]
        if self.row:
            where.append(_("baris %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("kolom %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"


@dataclass
class InvoiceLine:
    sheet: str
    row: int
    kpj: str
    nik: str
    name: str
    amount: Decimal


@dataclass
class Invoice:
    filename: str
    lines: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    skipped_sheets: list = field(default_factory=list)
    refused: str = ""  # "Berkas ditolak: …" when the reading gate refused the whole file




def parse_amount(value) -> Decimal:
    """An amount cell: a number, or text like 'Rp16.800', '16.800', '16,800' or '16.800,00', read as the
    import reads an income (enrollment.normalize.rupiah_amount); ValueError unless whole, positive rupiah."""
    amount = rupiah_amount(value)
    if amount is None or amount < 0 or rupiah(amount) != amount:
        raise ValueError(value)
    return amount


def _find_header(rows):
    """(index in rows, {field: column index}) of the first row naming a KPJ/NIK and an amount."""
    for index, row in enumerate(rows):
        columns = {}
        for position, cell in enumerate(row):
            name = HEADER_LOOKUP.get(header_key(cell))
            if name and name not in columns:
                columns[name] = position
        has_id = "kpj" in columns or "nik" in columns
        has_amount = "amount" in columns or ("jkk" in columns and "jkm" in columns)
        if has_id and has_amount:
            return index, columns
    return None, None


def read_invoice(upload, filename: str, *, progress=None) -> Invoice:
    """Read BPJS's invoice lines; ``Invoice.errors`` lists every problem (sheet, row, column).

    ``upload`` is a path or a file; the reading gate refuses a hostile or broken file first
    (its reason is the one error). ``progress(done, total)`` is called about every 1,000 rows.
    """
    invoice = Invoice(filename=filename)
    rules = ProgramRules.current()
    try:
        workbook = open_workbook(upload, limits=Limits.from_rules(rules), name=filename)
    except FileRefused as exc:
        # Not a zip at all: the invoice's own plain words in the list; any other refusal says why.
        message = _("Berkas bukan Excel (.xlsx) yang dapat dibaca.") if exc.code == "not_xlsx" else str(exc)
        invoice.errors.append(InvoiceError(filename, None, None, message))
        invoice.refused = str(exc)
        return invoice
    except FileProblem as exc:
        invoice.errors.append(InvoiceError(filename, None, None, str(exc)))
        return invoice
    try:
        total, done = workbook.inspection.rows, 0
        for title, sheet in worksheets(workbook):
            if sheet is None:
                continue
            done = _read_sheet(invoice, title, sheet, rules, progress, done, total)
    except FileProblem as exc:
        invoice.lines.clear()
        invoice.errors.append(InvoiceError(filename, None, None, str(exc)))
        invoice.refused = str(exc)
    finally:
        workbook.close()
    if not invoice.lines and not invoice.errors:
        invoice.errors.append(InvoiceError(filename, None, None, _(
            "Tidak ada lembar berisi kolom KPJ atau NIK dan kolom jumlah iuran pada 20 baris pertama."
        )))
    return invoice


def _values(cells) -> tuple:
    """A row as positional values (None where blank), as the header search and columns expect."""
    width = max(cells)
    return tuple(cells[col].value if col in cells else None for col in range(1, width + 1))


def _read_sheet(invoice: Invoice, title, sheet, rules, progress=None, done=0, total=0):
    rows = iter_rows(sheet)
    head = []  # (number, values) of the first rows, up to row HEADER_ROWS
    for number, cells in rows:
        done += 1
        if number > HEADER_ROWS:
            rows = _chain([(number, cells)], rows)
            break
        head.append((number, _values(cells)))
    index, columns = _find_header([values for _number, values in head])
    if index is None:
        invoice.skipped_sheets.append(title)
        return done
    letters = {name: get_column_letter(position + 1) for name, position in columns.items()}
    header_number = head[index][0]

    def cell(row, name):
        position = columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    def data_rows():
        yield from ((number, values) for number, values in head if number > header_number)
        for number, cells in rows:
            yield number, _values(cells)

    for number, row in data_rows():
        done += 1
        if progress and done % 1000 == 0:
            progress(done, total)
        kpj_raw, nik_raw = cell(row, "kpj"), cell(row, "nik")
        if kpj_raw in (None, "") and nik_raw in (None, ""):
            continue  # blank, totals, signatures (as R-IMP-3)
        if len(invoice.lines) >= rules.import_max_rows:
            invoice.errors.append(InvoiceError(title, number, None, _(
                "Berkas melebihi %(max)d baris; pecah menjadi beberapa berkas.") % {"max": rules.import_max_rows}))
            return done
        errors_before = len(invoice.errors)
        kpj = _identifier(invoice, title, number, letters.get("kpj"), kpj_raw, "KPJ", rules.kpj_length)
        nik = _identifier(invoice, title, number, letters.get("nik"), nik_raw, "NIK", 16)
        amount = _amount(invoice, title, number, letters, cell(row, "amount"), cell(row, "jkk"), cell(row, "jkm"),
                         "amount" in columns)
        if len(invoice.errors) == errors_before:
            invoice.lines.append(InvoiceLine(
                sheet=title, row=number, kpj=kpj or "", nik=nik or "",
                name=" ".join(str(cell(row, "name") or "").split()).upper(), amount=amount,
            ))
    return done


def _chain(first, rest):
    yield from first
    yield from rest


def _identifier(invoice, sheet, row, column, raw, label, length):
    if raw in (None, ""):
        return ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # R-IMP-4: a spreadsheet keeps only 15 significant digits; the value cannot be trusted.
        invoice.errors.append(InvoiceError(sheet, row, column, _(
            "%(label)s %(value)s tersimpan sebagai angka; format kolom sebagai Teks lalu ketik ulang (R-IMP-4)."
        ) % {"label": label, "value": raw}))
        return ""
    value = clean_nik(raw)  # R-IMP-4, as the import cleans a NIK
    if not value.isdigit() or len(value) != length:
        invoice.errors.append(InvoiceError(sheet, row, column, _(
            "%(label)s %(value)s harus %(length)d angka."
        ) % {"label": label, "value": raw, "length": length}))
        return ""
    return value


def _amount(invoice, sheet, row, letters, total, jkk, jkm, has_total):
    try:
        if has_total:
            if total in (None, ""):
                raise ValueError(total)
            return parse_amount(total)
        return parse_amount(jkk if jkk not in (None, "") else 0) + parse_amount(jkm if jkm not in (None, "") else 0)
    except (ValueError, InvalidOperation):
        column = letters.get("amount") if has_total else f"{letters['jkk']}/{letters['jkm']}"
        shown = total if has_total else f"{jkk} / {jkm}"
        invoice.errors.append(InvoiceError(sheet, row, column, _(
            "Jumlah iuran %(value)s bukan angka rupiah utuh."
        ) % {"value": _("(kosong)") if shown in (None, "") else shown}))
        return ZERO


# --- The comparison ------------------------------------------------------------------------


@dataclass
class Difference:
    kpj: str
    nik: str
    name: str
    ours: Decimal | None
    theirs: Decimal | None
    where: str = ""

    @property
    def gap(self):
        return (self.theirs or ZERO) - (self.ours or ZERO)


@dataclass
class Comparison:
    missing: list  # on our bill, not on BPJS's invoice
    extra: list  # on BPJS's invoice, not on our bill
    different: list  # on both with another amount
    matched: int
    ours_total: Decimal
    theirs_total: Decimal
    # Months billed after a participant's death (funding.billing.death_credits): not owed, so
    # ``ours`` and ``ours_total`` are net of them.
    credits: list = field(default_factory=list)

    @property
    def credit_total(self):
        return sum((credit.amount for credit in self.credits), ZERO)

    @property
    def agrees(self):
        return not (self.missing or self.extra or self.different)


def compare_invoice(bill: ContributionBill, invoice: Invoice) -> Comparison:
    """Match BPJS's invoice lines to the bill's participants by KPJ, else by NIK, and list the
    differences: missing (we bill, BPJS does not), extra (BPJS bills, we do not), different amount.

    Several invoice lines of one participant (one per month) are added up first.
    """
    ours = {}
    by_kpj, by_nik = {}, {}
    for row in bill_rows(bill):
        key = row["coverage_id"]
        ours[key] = Difference(
            kpj=row["coverage__kpj_number"], nik=row["coverage__worker__nik"],
            name=row["coverage__worker__full_name"], ours=row["amount_total"], theirs=None,
        )
        if row["coverage__kpj_number"]:
            by_kpj[row["coverage__kpj_number"]] = key
        by_nik[row["coverage__worker__nik"]] = key
    credits = death_credits(bill)
    for credit in credits:
        ours[credit.coverage_id].ours -= credit.amount  # what we owe for them: up to the month of death
    theirs = defaultdict(lambda: ZERO)
    extra = {}
    for line in invoice.lines:
        key = by_kpj.get(line.kpj) if line.kpj else None
        if key is None and line.nik:
            key = by_nik.get(line.nik)
        if key is not None:
            theirs[key] += line.amount
            continue
        extra_key = ("kpj", line.kpj) if line.kpj else ("nik", line.nik)
        if extra_key in extra:
            extra[extra_key].theirs += line.amount
        else:
            extra[extra_key] = Difference(kpj=line.kpj, nik=line.nik, name=line.name, ours=None, theirs=line.amount,
                                          where=_("%(sheet)s baris %(row)d") % {"sheet": line.sheet, "row": line.row})
    missing, different, matched = [], [], 0
    for key, mine in ours.items():
        if key not in theirs:
            if mine.ours:
                missing.append(mine)
            else:
                matched += 1  # every month billed is after the death: rightly absent from BPJS's invoice
        elif theirs[key] != mine.ours:
            mine.theirs = theirs[key]
            different.append(mine)
        else:
            matched += 1
    return Comparison(
        missing=missing,
        extra=list(extra.values()),
        different=different,
        matched=matched,
        ours_total=sum((d.ours for d in ours.values()), ZERO),
        theirs_total=sum((line.amount for line in invoice.lines), ZERO),
        credits=credits,
    )



# --- In the background: one InvoiceComparison row per uploaded invoice ----------------------


def store_comparison(*, bill: ContributionBill, upload, by) -> InvoiceComparison:
    """Check an uploaded invoice cheaply (size, zip, encrypted, macros: FileRefused at once) and
    store it for ``run_comparison``; the caller enqueues the task after the commit."""
    check_upload(upload, limits=Limits.from_rules(), name=upload.name)
    comparison = InvoiceComparison(bill=bill, original_name=upload.name[:255], created_by=by)
    comparison.file.save(upload.name, upload, save=False)
    comparison.save()
    return comparison


def run_comparison(comparison_id: int, *, progress=None) -> None:
    """Read the stored invoice through the gate and compare it with the bill (the task's work).

    Claimed with a conditional update, so a task delivered twice does the work once at a time;
    re-running a comparison left in READING (a worker died) starts it again from the file.
    """
    claimed = InvoiceComparison.objects.filter(
        pk=comparison_id, status__in=list(InvoiceComparison.RUNNING)
    ).update(status=InvoiceComparison.Status.READING, progress=0, updated_at=timezone.now())
    if not claimed:
        return
    row = InvoiceComparison.objects.select_related("bill").get(pk=comparison_id)
    invoice = read_invoice(row.file.path, row.original_name, progress=progress)
    if invoice.errors:
        _finish(comparison_id, status=InvoiceComparison.Status.REJECTED, message=invoice.refused,
                result={"errors": [str(error) for error in invoice.errors]})
        return
    _finish(comparison_id, status=InvoiceComparison.Status.DONE,
            result=comparison_as_dict(compare_invoice(row.bill, invoice), invoice))


def mark_comparison_failed(comparison_id: int) -> None:
    """An unexpected error: the page says so; the details are in the log."""
    _finish(comparison_id, status=InvoiceComparison.Status.FAILED,
            message=_("Perbandingan gagal karena kesalahan sistem; coba unggah lagi atau hubungi admin."))


def report_progress(comparison_id: int, done: int, total: int) -> None:
    percent = min(99, done * 100 // total) if total else 0
    # updated_at moves with the progress: a sweeper can tell a long read from a dead one.
    InvoiceComparison.objects.filter(pk=comparison_id, status=InvoiceComparison.Status.READING).update(
        progress=percent, updated_at=timezone.now())


def _finish(comparison_id, *, status, message="", result=None):
    InvoiceComparison.objects.filter(pk=comparison_id).update(
        status=status, message=message, result=result or {}, progress=100, finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


_DIFFERENCE_FIELDS = ("kpj", "nik", "name", "ours", "theirs", "where")


def comparison_as_dict(comparison: Comparison, invoice: Invoice) -> dict:
    """The comparison as JSON for the row (amounts as text, exact)."""
    def rows(differences):
        return [{key: getattr(d, key) for key in _DIFFERENCE_FIELDS} for d in differences]

    return {
        "missing": rows(comparison.missing), "extra": rows(comparison.extra), "different": rows(comparison.different),
        "matched": comparison.matched, "ours_total": str(comparison.ours_total),
        "theirs_total": str(comparison.theirs_total), "skipped_sheets": invoice.skipped_sheets,
        "credits": [_credit_as_dict(credit) for credit in comparison.credits],
    }


def _credit_as_dict(credit: Credit) -> dict:
    return {
        "coverage_id": credit.coverage_id, "kpj": credit.kpj, "nik": credit.nik, "name": credit.name,
        "died_on": credit.died_on.isoformat(), "months": [month.isoformat() for month in credit.months],
        "amount": str(credit.amount), "paid": str(credit.paid),
    }


def _credit_from_dict(item: dict) -> Credit:
    return Credit(
        coverage_id=item["coverage_id"], kpj=item["kpj"], nik=item["nik"], name=item["name"],
        died_on=datetime.date.fromisoformat(item["died_on"]),
        months=[datetime.date.fromisoformat(month) for month in item["months"]],
        amount=Decimal(item["amount"]), paid=Decimal(item["paid"]),
    )


def comparison_from_dict(data: dict) -> Comparison:
    """The stored comparison back as a Comparison (Decimal amounts), for the page."""
    def rows(items):
        return [Difference(**{
            **item,
            "ours": None if item["ours"] is None else Decimal(item["ours"]),
            "theirs": None if item["theirs"] is None else Decimal(item["theirs"]),
        }) for item in items]

    return Comparison(
        missing=rows(data["missing"]), extra=rows(data["extra"]), different=rows(data["different"]),
        matched=data["matched"], ours_total=Decimal(data["ours_total"]), theirs_total=Decimal(data["theirs_total"]),
        credits=[_credit_from_dict(item) for item in data.get("credits", [])],
    )
