"""python manage.py import_workers FILE --funding CODE [--dry-run] [--skip-invalid] [--json] [--errors-xlsx PATH]

The same service as the admin's upload page (enrollment.imports.import_workers). Exit status 0
when the file was read, even with row errors; 2 for a problem with the whole file or a --user
without the permission (message on stderr). With --json one JSON object is printed: rows, valid,
created, duplicates, skipped_sheets, errors, warnings, committed (meanings in
enrollment.imports.ImportResult).
"""

import datetime
import json as jsonlib

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enrollment.imports import ImportConflict, import_workers, write_rejected_rows
from enrollment.xlsx import FileProblem
from core.models import ProgramRules
from funding.models import FundingSource

FILE_PROBLEM = 2


def parse_day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start harus berformat YYYY-MM-DD: {value}", returncode=FILE_PROBLEM) from exc


def acting_user(username):
    """--user USERNAME: act as that account (permissions checked, audit trail names it); default: the system."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(f"Pengguna {username} tidak ada.", returncode=FILE_PROBLEM) from exc


def refused(username, action) -> CommandError:
    """The service refused --user (PermissionDenied): one message and exit status 2, not a traceback."""
    return CommandError(_("Pengguna %(user)s tidak berwenang %(action)s.") % {"user": username, "action": action},
                        returncode=FILE_PROBLEM)


class Command(BaseCommand):
    help = "Impor daftar pekerja dari berkas Excel (.xlsx) ke sebuah sumber dana sebagai kepesertaan draf."

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .xlsx")
        parser.add_argument("--funding", required=True, help="kode sumber dana, mis. DBH-SAWIT-2026")
        parser.add_argument("--dry-run", action="store_true", help="hanya periksa; tidak menyimpan apa pun")
        parser.add_argument("--skip-invalid", action="store_true", help="simpan baris yang valid saja")
        parser.add_argument("--json", action="store_true", help="cetak hasil sebagai satu objek JSON")
        parser.add_argument("--errors-xlsx", metavar="PATH", help="tulis baris yang ditolak beserta kolom Kesalahan")
        parser.add_argument("--start", type=parse_day, help="tanggal mulai kepesertaan (default: awal periode sumber dana)")
        parser.add_argument("--user", help="nama pengguna yang tercatat di jejak audit (default: sistem)")

    def handle(self, *args, file, funding, dry_run, skip_invalid, json, errors_xlsx, start, user, **options):
        source = FundingSource.objects.filter(code=funding).first()
        if source is None:
            raise CommandError(f"Sumber dana {funding} tidak ada.", returncode=FILE_PROBLEM)
        try:
            result = import_workers(file, funding=source, by=acting_user(user), start=start, dry_run=dry_run,
                                    skip_invalid=skip_invalid)
        except (FileProblem, ImportConflict) as exc:
            raise CommandError(str(exc), returncode=FILE_PROBLEM) from exc
        except PermissionDenied as exc:
            raise refused(user, _("mengimpor daftar pekerja")) from exc
        if errors_xlsx and result.rejected:
            write_rejected_rows(file, result, errors_xlsx, max_megabytes=ProgramRules.current().import_max_megabytes)
        if json:
            self.stdout.write(_json(result.as_dict()))
            return
        self.stdout.write(
            f"{result.rows} baris data, {result.valid} valid, {result.created} pekerja baru, "
            f"{result.duplicates} duplikat, {len(result.errors)} kesalahan, {len(result.warnings)} peringatan."
        )
        for problem in result.errors:
            place = f"{problem.sheet} baris {problem.row}, kolom {problem.column}: " if problem.row else ""
            self.stdout.write(f"  KESALAHAN {place}{problem.message}")
        for problem in result.warnings:
            place = f"{problem.sheet} baris {problem.row}, kolom {problem.column}: " if problem.row else ""
            self.stdout.write(f"  peringatan {place}{problem.message}")
        if result.skipped_sheets:
            self.stdout.write("Lembar dilewati: " + ", ".join(result.skipped_sheets))
        self.stdout.write(("Disimpan: " if result.committed else "Tidak disimpan.") +
                          (f"{result.enrolled} kepesertaan draf untuk {source.name}." if result.committed else ""))


def _json(data) -> str:
    return jsonlib.dumps(data, ensure_ascii=False)
