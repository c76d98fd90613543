"""python manage.py import_bpjs_answer FILE [--funding CODE] [--dry-run] [--skip-invalid] [--json]

Reads BPJS's answer (NIK -> KPJ number, registration date) and activates the submitted coverage;
rows naming another payer record ExternalCoverage (R-ENR-5). Same exit statuses as import_workers;
--json prints rows, valid, activated, external, skipped_sheets, errors, warnings, committed.
"""

import json as jsonlib

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.xlsx import FileProblem
from enrollment.bpjs import import_bpjs_answer
from funding.models import FundingSource

from .import_workers import FILE_PROBLEM, acting_user, format_place, refused


class Command(BaseCommand):
    help = gettext_lazy(
        "Impor berkas jawaban BPJS (NIK, nomor KPJ, tanggal terdaftar) dan aktifkan kepesertaan yang diajukan."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("berkas .xlsx dari BPJS"))
        parser.add_argument("--funding", help=_("batasi ke kode sumber dana ini"))
        parser.add_argument("--dry-run", action="store_true", help=_("hanya periksa; tidak menyimpan apa pun"))
        parser.add_argument("--skip-invalid", action="store_true", help=_("terapkan baris yang valid saja"))
        parser.add_argument("--json", action="store_true", help=_("cetak hasil sebagai satu objek JSON"))
        parser.add_argument("--user", help=_("nama pengguna yang tercatat di jejak audit (default: sistem)"))

    def handle(self, *args, file, funding, dry_run, skip_invalid, json, user, **options):
        source = None
        if funding:
            source = FundingSource.objects.filter(code=funding).first()
            if source is None:
                raise CommandError(_("Sumber dana %(code)s tidak ada.") % {"code": funding}, returncode=FILE_PROBLEM)
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
        self.stdout.write(_(
            "%(rows)d baris, %(valid)d valid, %(activated)d diaktifkan, %(external)d terdaftar melalui pembayar lain, "
            "%(errors)d kesalahan."
        ) % {"rows": result.rows, "valid": result.valid, "activated": result.activated, "external": result.external,
             "errors": len(result.errors)})
        for problem in result.errors:
            self.stdout.write(f"  {_('KESALAHAN')} {format_place(problem)}{problem.message}")
        self.stdout.write(_("Disimpan.") if result.committed else _("Tidak disimpan."))
