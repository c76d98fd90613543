"""python manage.py export_bpjs --funding CODE --output PATH

Writes the collective registration file of the funding source's draft coverage (layout in
enrollment.bpjs) and marks those coverages "submitted". Exit status 2 when there is nothing to export
or when --user may not export.
"""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from enrollment.bpjs import ExportError, export_bpjs
from funding.models import FundingSource

from .import_workers import FILE_PROBLEM, acting_user, refused


class Command(BaseCommand):
    help = gettext_lazy(
        "Ekspor kepesertaan draf sebuah sumber dana ke berkas Excel pendaftaran kolektif BPJS (status menjadi diajukan)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--funding", required=True, help=_("kode sumber dana"))
        parser.add_argument("--output", required=True, help=_("berkas .xlsx yang ditulis"))
        parser.add_argument("--user", help=_("nama pengguna yang tercatat di jejak audit (default: sistem)"))

    def handle(self, *args, funding, output, user, **options):
        source = FundingSource.objects.filter(code=funding).first()
        if source is None:
            raise CommandError(_("Sumber dana %(code)s tidak ada.") % {"code": funding}, returncode=FILE_PROBLEM)
        try:
            export = export_bpjs(funding=source, by=acting_user(user))
        except ExportError as exc:
            raise CommandError(str(exc), returncode=FILE_PROBLEM) from exc
        except PermissionDenied as exc:
            raise refused(user, _("mengekspor kepesertaan ke BPJS")) from exc
        with export.file.open("rb") as handle, open(output, "wb") as target:
            for chunk in handle.chunks():
                target.write(chunk)
        self.stdout.write(ngettext(
            "%(rows)d peserta diekspor ke %(path)s; status kepesertaan menjadi diajukan.",
            "%(rows)d peserta diekspor ke %(path)s; status kepesertaan menjadi diajukan.",
            export.rows,
        ) % {"rows": export.rows, "path": output})
