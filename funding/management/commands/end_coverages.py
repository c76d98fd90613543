"""Run the daily ending of coverages now (the beat task's work), e.g. without a beat process."""

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funding.expiry import end_expired_coverages


class Command(BaseCommand):
    help = "End the active coverages whose end date has passed (safe to run repeatedly)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help=_("Tanggal acuan YYYY-MM-DD (bawaan: hari ini)."))

    def handle(self, *args, today=None, **options):
        ended = end_expired_coverages(today=parse_date(today) if today else None)
        self.stdout.write(self.style.SUCCESS(
            ngettext("%(count)d kepesertaan diakhiri.", "%(count)d kepesertaan diakhiri.", ended) % {"count": ended}
        ))
