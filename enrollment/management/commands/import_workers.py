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
from django.utils.translation import gettext_lazy, ngettext

from core.xlsx import FileProblem
from enrollment.imports import ImportConflict, import_workers, write_rejected_rows
from core.models import ProgramRules
from funding.models import FundingSource

FILE_PROBLEM = 2


def parse_day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("--start harus berformat YYYY-MM-DD: %(value)s") % {"value": value}, returncode=FILE_PROBLEM) from exc


def acting_user(username):
    """--user USERNAME: act as that account (permissions checked, audit trail names it); default: the system."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist as exc:
        raise CommandError(_("Pengguna %(username)s tidak ada.") % {"username": username}, returncode=FILE_PROBLEM) from exc


def refused(username, action) -> CommandError:
    """The service refused --user (PermissionDenied): one message and exit status 2, not a traceback."""
    return CommandError(_("Pengguna %(user)s tidak berwenang %(action)s.") % {"user": username, "action": action},
                        returncode=FILE_PROBLEM)


class Command(BaseCommand):
    help = gettext_lazy("Impor daftar pekerja dari berkas Excel (.xlsx) ke sebuah sumber dana sebagai kepesertaan draf.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("berkas .xlsx"))
        parser.add_argument("--funding", required=True, help=_("kode sumber dana, mis. DBH-SAWIT-2026"))
        parser.add_argument("--dry-run", action="store_true", help=_("hanya periksa; tidak menyimpan apa pun"))
        parser.add_argument("--skip-invalid", action="store_true", help=_("simpan baris yang valid saja"))
        parser.add_argument("--json", action="store_true", help=_("cetak hasil sebagai satu objek JSON"))
        parser.add_argument("--errors-xlsx", metavar="PATH", help=_("tulis baris yang ditolak beserta kolom Kesalahan"))
        parser.add_argument("--start", type=parse_day, help=_("tanggal mulai kepesertaan (default: awal periode sumber dana)"))
        parser.add_argument("--user", help=_("nama pengguna yang tercatat di jejak audit (default: sistem)"))

    def handle(self, *args, file, funding, dry_run, skip_invalid, json, errors_xlsx, start, user, **options):
        source = FundingSource.objects.filter(code=funding).first()
        if source is None:
            raise CommandError(_("Sumber dana %(code)s tidak ada.") % {"code": funding}, returncode=FILE_PROBLEM)
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
        self.stdout.write(_(
            "%(rows)d baris data, %(valid)d valid, %(created)d pekerja baru, %(duplicates)d duplikat, "
            "%(errors)d kesalahan, %(warnings)d peringatan."
        ) % {"rows": result.rows, "valid": result.valid, "created": result.created, "duplicates": result.duplicates,
             "errors": len(result.errors), "warnings": len(result.warnings)})
        for label, problems in ((_("KESALAHAN"), result.errors), (_("peringatan"), result.warnings)):
            for problem in problems:
                self.stdout.write(f"  {label} {format_place(problem)}{problem.message}")
        if result.skipped_sheets:
            self.stdout.write(_("Lembar dilewati: %(sheets)s") % {"sheets": ", ".join(result.skipped_sheets)})
        if result.committed:
            self.stdout.write(ngettext(
                "Disimpan: %(count)d kepesertaan draf untuk %(funding)s.",
                "Disimpan: %(count)d kepesertaan draf untuk %(funding)s.",
                result.enrolled,
            ) % {"count": result.enrolled, "funding": source.name})
        else:
            self.stdout.write(_("Tidak disimpan."))


def format_place(problem) -> str:
    """'Sheet baris 12, kolom C: ' before a row's message; nothing for a problem of the whole file."""
    if not problem.row:
        return ""
    return _("%(sheet)s baris %(row)s, kolom %(column)s") % {
        "sheet": problem.sheet, "row": problem.row, "column": problem.column} + ": "


def _json(data) -> str:
    return jsonlib.dumps(data, ensure_ascii=False)
