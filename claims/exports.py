"""Claims to Excel: a row generator written into a write-only openpyxl workbook.

Text cells that a spreadsheet would run as a formula (=, +, -, @ ...) are neutralised by
``core.xlsx.safe_cell``, the one safe writer; NIK, KPJ
and account numbers are written as text (a 16-digit number loses its last digit in Excel, and
openpyxl corrupts integers above 2^53, ../shared/stack.md).
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.privacy import mask_name, mask_nik
from core.xlsx import safe_cell

from .history import history_rows

RUPIAH_FORMAT = "#,##0"
DATE_FORMAT = "DD-MM-YYYY"


def _relationship(claim) -> str:
    """Who is paid, without a name: the heir's relationship, the funeral arranger or the worker."""
    if claim.claimant_id:
        return claim.claimant.get_relationship_display()
    if claim.arranger_name:
        return _("Yang mengurus pemakaman")
    return _("Pekerja sendiri")


def _columns(personal: bool):
    """(header, kind, getter) for each column; kind is text, id (text digits), money, date, int.

    Without ``personal`` (Pimpinan, UU 27/2022): NIK and the worker's name masked, and no KPJ, desa,
    place of the event, payee's name or bank data; the kecamatan, the payee's relationship and the
    amounts are what a decision needs.
    """
    columns = [
        (_("Nomor klaim"), "text", lambda c, today: c.number),
        (_("Jenis klaim"), "text", lambda c, today: c.title),
        (_("Status"), "text", lambda c, today: c.get_status_display()),
        (_("NIK pekerja"), "id", (lambda c, today: c.worker.nik) if personal else (lambda c, today: mask_nik(c.worker.nik))),
        (_("Nama pekerja"), "text",
         (lambda c, today: c.worker.full_name) if personal else (lambda c, today: mask_name(c.worker.full_name))),
    ]
    if personal:
        columns += [
            (_("Nomor KPJ"), "id", lambda c, today: c.coverage.kpj_number),
            (_("Desa"), "text", lambda c, today: c.worker.desa.name),
        ]
    columns += [
        (_("Kecamatan"), "text", lambda c, today: c.worker.desa.kecamatan.name),
        (_("Sumber dana"), "text", lambda c, today: c.coverage.funding_source.name),
        (_("Tanggal kejadian"), "date", lambda c, today: c.event_date),
    ]
    if personal:
        columns += [
            (_("Tempat kejadian"), "text", lambda c, today: c.event_place),
            (_("Penerima"), "text", lambda c, today: c.payee_name),
        ]
    columns.append((_("Hubungan"), "text", lambda c, today: _relationship(c)))
    if personal:
        columns += [
            (_("Bank"), "text", lambda c, today: c.bank_name),
            (_("Nomor rekening"), "id", lambda c, today: c.bank_account_number),
        ]
    columns += [
        (_("Manfaat (Rp)"), "money", lambda c, today: c.benefit_amount),
        (_("Diajukan"), "date", lambda c, today: timezone.localdate(c.submitted_at) if c.submitted_at else None),
        (_("Umur (hari)"), "int", lambda c, today: (today - timezone.localdate(c.submitted_at)).days if c.submitted_at else None),
        (_("Diverifikasi"), "date", lambda c, today: timezone.localdate(c.verified_at) if c.verified_at else None),
        (_("Disetujui"), "date", lambda c, today: timezone.localdate(c.approved_at) if c.approved_at else None),
        (_("Ditolak"), "date", lambda c, today: timezone.localdate(c.rejected_at) if c.rejected_at else None),
        (_("Alasan penolakan"), "text", lambda c, today: c.reject_reason),
        (_("Tanggal transfer"), "date", lambda c, today: c.paid_on),
        (_("Dibayar (Rp)"), "money", lambda c, today: c.paid_amount),
    ]
    if personal:
        columns.append((_("Referensi bank"), "id", lambda c, today: c.payment_reference))
    return columns


def claim_rows(claims, *, personal: bool):
    """Yield the header, then one list of (kind, value) per claim."""
    columns = _columns(personal)
    today = timezone.localdate()
    yield [header for header, _kind, _get in columns]
    for claim in claims.iterator(chunk_size=1000) if hasattr(claims, "iterator") else claims:
        yield [(kind, get(claim, today)) for _header, kind, get in columns]


def _cell(sheet, kind, value):
    cell = WriteOnlyCell(sheet)
    if value is None or value == "":
        cell.value = None
        return cell
    if kind in ("text", "id"):
        return safe_cell(sheet, str(value), as_text=kind == "id")  # never a formula; ids as text
    if kind == "money":
        cell.value = int(value)
        cell.number_format = RUPIAH_FORMAT
    elif kind == "date":
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def history_sheet_rows(claims, *, personal: bool):
    """Yield the header, then one row of (kind, value) per change of each claim's history, as the
    claim page shows it (claims/history.py): labels and values readable, personal fields hidden."""
    yield [_("Nomor klaim"), _("Waktu"), _("Oleh"), _("Tindakan"), _("Perubahan"), _("Sebelum"), _("Sesudah"), _("Catatan")]
    fields = ["pk", "kind", "hospital_bill", "home_care_cost", "transport_cost"]  # what Claim.number and title read
    rows = claims.select_related(None).only(*fields) if hasattr(claims, "only") else claims
    for claim, event, changes in history_rows(rows, personal=personal):
        at = timezone.localtime(event.at).strftime("%d-%m-%Y %H:%M")
        actor = event.actor.get_username() if event.actor else _("sistem")
        common = [("text", claim.number), ("text", at), ("text", actor), ("text", event.get_action_display())]
        if not changes:
            yield [*common, ("text", ""), ("text", ""), ("text", ""), ("text", event.note)]
        for index, change in enumerate(changes):
            yield [*common, ("text", change.label), ("text", change.old), ("text", change.new),
                   ("text", event.note if index == 0 else "")]


def _write_sheet(sheet, rows) -> None:
    sheet.append([safe_cell(sheet, str(title), bold=True) for title in next(rows)])
    for row in rows:
        sheet.append([_cell(sheet, kind, value) for kind, value in row])


def build_claims_workbook(claims, *, personal: bool) -> bytes:
    workbook = Workbook(write_only=True)
    _write_sheet(workbook.create_sheet(_("Klaim")), claim_rows(claims, personal=personal))
    _write_sheet(workbook.create_sheet(_("Riwayat")), history_sheet_rows(claims, personal=personal))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
