"""python manage.py import_bpjs_answer FILE [--funding CODE] [--dry-run] [--skip-invalid] [--json]

Reads BPJS's answer (NIK -> KPJ number, registration date) and activates the submitted coverage;
rows naming another payer record ExternalCoverage (R-ENR-5). Same exit statuses as import_workers;
--json prints rows, valid, activated, external, skipped_sheets, errors, warnings, committed.
"""

import json as jsonlib

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.bpjs import import_bpjs_answer
from enrollment.xlsx import FileProblem
from funding.models import FundingSource

from .import_workers import FILE_PROBLEM, acting_user, refused


class Command(BaseCommand):
    help = "Impor berkas jawaban BPJS (NIK, nomor KPJ, tanggal terdaftar) dan aktifkan kepesertaan yang diajukan."

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .xlsx dari BPJS")
        parser.add_argument("--funding", help="batasi ke kode sumber dana ini")
        parser.add_argument("--dry-run", action="store_true", help="hanya periksa; tidak menyimpan apa pun")
        parser.add_argument("--skip-invalid", action="store_true", help="terapkan baris yang valid saja")
        parser.add_argument("--json", action="store_true", help="cetak hasil sebagai satu objek JSON")
        parser.add_argument("--user", help="nama pengguna yang tercatat di jejak audit (default: sistem)")

    def handle(self, *args, file, funding, dry_run, skip_invalid, json, user, **options):
        source = None
        if funding:
            source = FundingSource.objects.filter(code=funding).first()
            if source is None:
                raise CommandError(f"Sumber dana {funding} tidak ada.", returncode=FILE_PROBLEM)
        try:
            result = import_bpjs_answer(file, by=acting_user(user), funding=source, dry_run=dry_run,
                                        skip_invalid=skip_invalid)
        except FileProblem as exc:
            raise CommandError(str(exc), returncode=FILE_PROBLEM) from exc
        except PermissionDenied as exc:
            raise refused(user, _("mengimpor jawaban BPJS")) from exc
        if json:
            self.stdout.write(jsonlib.dumps(result.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"{result.rows} baris, {result.valid} valid, {result.activated} diaktifkan, {result.external} terdaftar "
            f"melalui pembayar lain, {len(result.errors)} kesalahan."
        )
        for problem in result.errors:
            self.stdout.write(f"  KESALAHAN {problem.sheet} baris {problem.row}, kolom {problem.column}: {problem.message}")
        self.stdout.write("Disimpan." if result.committed else "Tidak disimpan.")
