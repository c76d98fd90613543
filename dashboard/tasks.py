"""The monthly report's Celery tasks: thin, primitive values in, the report stored by name
(the rule of core/tasks.py: BackgroundTask, sent with delay_on_commit from the page)."""

import logging

from celery import shared_task
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from core.tasks import BackgroundTask

from .queries import Filters
from .report import parse_month, save_monthly_report

log = logging.getLogger(__name__)


@shared_task(base=BackgroundTask, bind=True)
def render_monthly_report(self, month: str, funding: str = "", year: str = "", kecamatan: str = "") -> str:
    """Render and store the report of ``month`` (YYYY-MM) for the dashboard filters given.

    Safe to run twice: each run stores a new file with its own time in the name."""
    filters = Filters.from_params({"funding": funding, "year": year, "kecamatan": kecamatan})
    name = save_monthly_report(filters, parse_month(month))
    log.info("render_monthly_report: %s", name)
    return name


@shared_task(base=BackgroundTask, ignore_result=False)  # the report's name is read (tests)
def render_last_months_report() -> str:
    """The beat, on the 1st of each month: last month's report with the dashboard's default view."""
    last_month = timezone.localdate().replace(day=1) - relativedelta(months=1)
    return render_monthly_report(last_month.strftime("%Y-%m"))
