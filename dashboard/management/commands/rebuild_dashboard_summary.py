"""manage.py rebuild_dashboard_summary: the dashboard's summary rows again from the tables.

The triggers keep them exact on every write (dashboard/migrations/0001_summary_tables_and_triggers.py);
this is for rows loaded with the triggers disabled (ALTER TABLE ... DISABLE TRIGGER, a restore
with --disable-triggers) and costs one pass over the workers.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from dashboard import summary


class Command(BaseCommand):
    help = "Hitung ulang baris ringkasan dasbor dari tabel (PostgreSQL)."

    def handle(self, *args, **options):
        if not summary.in_use():
            raise CommandError(_("Baris ringkasan dasbor hanya ada di PostgreSQL; SQLite menghitung langsung dari tabel."))
        with transaction.atomic():
            summary.rebuild()
        self.stdout.write(_("Baris ringkasan dasbor dihitung ulang."))
