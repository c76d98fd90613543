"""A bill as an Excel workbook for the finance office, and BPJS's own invoice compared with it.

Out: ``Workbook(write_only=True)``; NIK and KPJ are text cells (a number keeps only 15 digits,
R-IMP-4), and text that a spreadsheet would run as a formula is neutralised.
In: BPJS's invoice lines (KPJ and/or NIK, amount) read with ``read_only=True, data_only=True``;
every error is collected with its sheet, row and column, and nothing is compared unless the
whole file is readable (all or nothing).
"""

import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.models import ProgramRules
from core.money import ZERO, rupiah

from .billing import death_credits
from .models import BillLine, ContributionBill

MONEY_FORMAT = "#,##0"
# Text starting with these is run as a formula by spreadsheets (and by CSV re-saves).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- Out: the bill as a workbook -----------------------------------------------------------


def safe_text(value) -> str:
    """Neutralise formula injection: '=HYPERLINK(…)' is written as the text "'=HYPERLINK(…)"."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(sheet, value, *, bold=False):
    cell = WriteOnlyCell(sheet, value=safe_text(value))
    cell.data_type = "s"  # never a formula, never a number (NIK/KPJ keep every digit)
    cell.number_format = "@"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _money(sheet, value, *, bold=False):
    cell = WriteOnlyCell(sheet, value=int(value))
    cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


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


def header_key(text) -> str:
    """Headers match ignoring case, punctuation, spaces and underscores (as R-IMP-2)."""
    return re.sub(r"[\W_]+", "", str(text or "").lower())


HEADER_ALIASES = {
    "kpj": ["kpj", "no kpj", "nomor kpj", "no peserta", "nomor peserta", "no kartu peserta", "nomor kartu peserta"],
    "nik": ["nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp"],
    "name": ["nama", "nama lengkap", "nama pekerja", "nama peserta", "nama tenaga kerja"],
    "amount": ["iuran", "jumlah iuran", "total iuran", "jumlah", "total", "nominal", "tagihan", "jumlah tagihan",
               "total tagihan", "iuran jkk jkm", "jumlah iuran jkk jkm"],
    "jkk": ["jkk", "iuran jkk"],
    "jkm": ["jkm", "iuran jkm"],
}
HEADER_LOOKUP = {header_key(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}
HEADER_ROWS = 20  # as R-IMP-1: the header is one of a sheet's first 20 rows


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


def clean_number_text(value) -> str:
    """NIK/KPJ text as typed: spaces, dots, dashes and a leading apostrophe removed (R-IMP-4)."""
    return re.sub(r"[\s.\-']", "", str(value))


def parse_amount(value) -> Decimal:
    """An amount cell: a number, or text like 'Rp16.800', '16.800', '16,800' or '16.800,00'."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        text = re.sub(r"(?i)^rp\.?", "", str(value).strip()).replace(" ", "")
        if re.fullmatch(r"\d{1,3}(\.\d{3})+(,0+)?|\d+(,0+)?", text):  # Indonesian: 16.800,00
            amount = Decimal(text.split(",")[0].replace(".", ""))
        elif re.fullmatch(r"\d{1,3}(,\d{3})+(\.0+)?|\d+\.0+", text):  # English: 16,800.00
            amount = Decimal(text.split(".")[0].replace(",", ""))
        else:
            raise ValueError(value)
    if amount < 0 or rupiah(amount) != amount:
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


def read_invoice(upload, filename: str) -> Invoice:
    """Read BPJS's invoice lines; ``Invoice.errors`` lists every problem (sheet, row, column)."""
    invoice = Invoice(filename=filename)
    rules = ProgramRules.current()
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        invoice.errors.append(InvoiceError(filename, None, None, _("Berkas bukan Excel (.xlsx) yang dapat dibaca.")))
        return invoice
    try:
        for sheet in workbook.worksheets:
            _read_sheet(invoice, sheet, rules)
    finally:
        workbook.close()
    if not invoice.lines and not invoice.errors:
        invoice.errors.append(InvoiceError(filename, None, None, _(
            "Tidak ada lembar berisi kolom KPJ atau NIK dan kolom jumlah iuran pada 20 baris pertama."
        )))
    return invoice


def _read_sheet(invoice: Invoice, sheet, rules):
    rows = sheet.iter_rows(values_only=True)
    head = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_ROWS:
            break
    index, columns = _find_header(head)
    if index is None:
        invoice.skipped_sheets.append(sheet.title)
        return
    letters = {name: get_column_letter(position + 1) for name, position in columns.items()}

    def cell(row, name):
        position = columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    def data_rows():
        yield from enumerate(head[index + 1:], start=index + 2)
        yield from enumerate(rows, start=len(head) + 1)

    for number, row in data_rows():
        kpj_raw, nik_raw = cell(row, "kpj"), cell(row, "nik")
        if kpj_raw in (None, "") and nik_raw in (None, ""):
            continue  # blank, totals, signatures (as R-IMP-3)
        if len(invoice.lines) >= rules.import_max_rows:
            invoice.errors.append(InvoiceError(sheet.title, number, None, _(
                "Berkas melebihi %(max)d baris; pecah menjadi beberapa berkas.") % {"max": rules.import_max_rows}))
            return
        errors_before = len(invoice.errors)
        kpj = _identifier(invoice, sheet.title, number, letters.get("kpj"), kpj_raw, "KPJ", rules.kpj_length)
        nik = _identifier(invoice, sheet.title, number, letters.get("nik"), nik_raw, "NIK", 16)
        amount = _amount(invoice, sheet.title, number, letters, cell(row, "amount"), cell(row, "jkk"), cell(row, "jkm"),
                         "amount" in columns)
        if len(invoice.errors) == errors_before:
            invoice.lines.append(InvoiceLine(
                sheet=sheet.title, row=number, kpj=kpj or "", nik=nik or "",
                name=" ".join(str(cell(row, "name") or "").split()).upper(), amount=amount,
            ))


def _identifier(invoice, sheet, row, column, raw, label, length):
    if raw in (None, ""):
        return ""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # R-IMP-4: a spreadsheet keeps only 15 significant digits; the value cannot be trusted.
        invoice.errors.append(InvoiceError(sheet, row, column, _(
            "%(label)s %(value)s tersimpan sebagai angka; format kolom sebagai Teks lalu ketik ulang (R-IMP-4)."
        ) % {"label": label, "value": raw}))
        return ""
    value = clean_number_text(raw)
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

