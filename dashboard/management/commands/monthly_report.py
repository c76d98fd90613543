"""python manage.py monthly_report --month YYYY-MM [--funding CODE] [--year YYYY|all] [--kecamatan CODE] --output FILE.pdf"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dashboard.queries import FilterError, Filters
from dashboard.report import ReportError, build_monthly_report_pdf, parse_month


class Command(BaseCommand):
    help = "Tulis laporan bulanan (PDF A4) dengan angka yang sama dengan dasbor untuk bulan dan filter itu."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="Bulan laporan, TTTT-BB (mis. 2026-12).")
        parser.add_argument("--funding", default="", help="Kode sumber dana (mis. DBH-SAWIT-2026).")
        parser.add_argument("--year", default="", help="Tahun anggaran, atau 'all' untuk semua tahun.")
        parser.add_argument("--kecamatan", default="", help="Kode kecamatan (mis. 62.09.03).")
        parser.add_argument("--output", required=True, help="Berkas PDF yang ditulis.")

    def handle(self, *args, month, funding, year, kecamatan, output, **options):
        try:
            filters = Filters.from_params({"funding": funding, "year": year, "kecamatan": kecamatan})
            pdf, pages = build_monthly_report_pdf(filters, parse_month(month))
        except (FilterError, ReportError) as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(pdf)
        self.stdout.write(f"{output}: {pages} halaman.")
