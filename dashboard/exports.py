"""The dashboard's current view as an Excel workbook, for officials' reports.

The same figures as the page (``queries.build_dashboard``), small cells included: a hidden
count is the text "<5", never the number. Money cells are numbers formatted ``#,##0``. Every cell
goes through ``core.xlsx.safe_cell``: a program, desa or occupation name starting with = + - @
stays text and is never run as a formula.
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.xlsx import safe_cell

RUPIAH_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"


def _row(sheet, values, *, bold=False, money=()):
    sheet.append([
        safe_cell(sheet, value, bold=bold, number_format=RUPIAH_FORMAT if index in money and isinstance(value, int) else None)
        for index, value in enumerate(values)
    ])


def _table(workbook, title, headers, rows, *, money=()):
    sheet = workbook.create_sheet(title)
    _row(sheet, headers, bold=True)
    for row in rows:
        _row(sheet, row, money=money)
    return sheet


def name_workbook(scope) -> str:
    """'dasbor-cakupan-dbh-sawit-2025-620903-2026-11-26.xlsx': the view and the day in the name."""
    parts = ["dasbor-cakupan", scope.filters.funding.lower() or "semua", str(scope.filters.year or ""),
             scope.filters.kecamatan.replace(".", ""), scope.today.isoformat()]
    return "-".join(part for part in parts if part) + ".xlsx"


def build_dashboard_workbook(scope, data: dict) -> bytes:
    """One sheet per part of the page: summary, programs, kecamatan (and desa), groups, months."""
    workbook = Workbook(write_only=True)
    summary = data["summary"]
    sheet = workbook.create_sheet(_("Ringkasan"))
    _row(sheet, [_("Dasbor cakupan BPJS Ketenagakerjaan pekerja rentan Kabupaten Lamandau")], bold=True)
    _row(sheet, [_("Cakupan"), scope.describe()])
    _row(sheet, [_("Data per tanggal"), scope.today.strftime("%d-%m-%Y")])
    if scope.hide_small:
        _row(sheet, [_("Angka 1–4 ditampilkan sebagai \"<5\" untuk melindungi data pribadi (UU 27/2022).")])
    _row(sheet, [])
    figures = [
        (_("Pekerja tercakup"), summary["covered"]),
        # Quotas of different fiscal years are never added up: the "Per tahun" sheet has each.
        (_("Kuota pekerja"), _("per tahun: lihat lembar Per tahun") if data.get("per_year") else summary["quota"]),
        (_("Target kecamatan (panduan)"), summary["target"]),
        (_("Kepesertaan aktif"), summary["active"]),
        (_("Kepesertaan aktif JKK"), summary["active_jkk"]),
        (_("Kepesertaan aktif JKM"), summary["active_jkm"]),
        (_("Menunggu registrasi BPJS"), summary["pending"]),
        (_("Berakhir dalam 30 hari"), summary["ending_30"]),
        (_("Berakhir dalam 60 hari"), summary["ending_60"]),
        (_("Berakhir dalam 90 hari"), summary["ending_90"]),
        (_("Anggaran (Rp)"), summary["budget"]),
        (_("Iuran terkomitmen (Rp, R-COST-1)"), summary["committed_cost"]),
        (_("Dibayar ke BPJS (Rp)"), summary["paid_to_bpjs"]),
        (_("Klaim diajukan"), summary["claims_filed"]),
        (_("Klaim disetujui"), summary["claims_approved"]),
        (_("Klaim dibayar"), summary["claims_paid"]),
        (_("Klaim ditolak"), summary["claims_rejected"]),
        (_("Manfaat dibayar (Rp)"),
         _("disembunyikan (<5 klaim)") if summary["benefits_paid"] is None else summary["benefits_paid"]),
    ]
    for label, value in figures:
        _row(sheet, [label, value], money=(1,) if "(Rp" in label else ())

    _table(
        workbook,
        _("Program"),
        [_("Kode"), _("Sumber dana"), _("Tahun anggaran"), _("Kuota"), _("Kepesertaan tercatat"), _("Aktif"),
         _("Anggaran (Rp)"), _("Iuran terkomitmen (Rp)"), _("Dibayar ke BPJS (Rp)")],
        [[p["code"], p["name"], p["fiscal_year"], p["quota"], p["registered"], p["active"], p["budget"],
          p["committed_cost"], p["paid_to_bpjs"]] for p in summary["programs"]],
        money=(6, 7, 8),
    )
    if data.get("per_year"):
        _table(
            workbook,
            _("Per tahun"),
            [_("Tahun anggaran"), _("Pekerja tercakup"), _("Kuota"), _("% kuota"), _("Anggaran (Rp)"),
             _("Iuran terkomitmen (Rp)"), _("Dibayar ke BPJS (Rp)")],
            [[y["year"], y["covered"], y["quota"], y["covered_share_of_quota"], y["budget"], y["committed_cost"],
              y["paid_to_bpjs"]] for y in data["per_year"]],
            money=(4, 5, 6),
        )
    region_headers = [_("Kode"), _("Nama"), _("Pekerja tercakup"), _("Target"), _("% target"), _("Klaim diajukan"),
                      _("Klaim dibayar"), _("Rendah")]

    def region_rows(rows):
        return [[r["code"], r["name"], r["covered"], r["target"], r["target_share"], r["claims_filed"],
                 r["claims_paid"], _("ya") if r["low"] else ""] for r in rows]

    _table(workbook, _("Kecamatan"), region_headers, region_rows(data["regions"]["kecamatan"]))
    if data["regions"]["desa"]:
        _table(workbook, _("Desa"), region_headers, region_rows(data["regions"]["desa"]))
    groups = data["groups"]
    _table(workbook, _("Pekerjaan"), [_("Pekerjaan"), _("Pekerja tercakup")],
           [[r["name"], r["covered"]] for r in groups["occupation"]])
    _table(workbook, _("Jenis kelamin"), [_("Jenis kelamin"), _("Pekerja tercakup")],
           [[r["name"], r["covered"]] for r in groups["sex"]])
    _table(workbook, _("Kelompok umur"), [_("Umur hari ini"), _("Pekerja tercakup")],
           [[r["name"], r["covered"]] for r in groups["age_band"]])
    _table(workbook, _("Per bulan"), [_("Bulan"), _("Kepesertaan mulai"), _("Klaim diajukan"), _("Klaim dibayar")],
           [[r["month"], r["enrolments"], r["claims_filed"], r["claims_paid"]] for r in data["monthly"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
