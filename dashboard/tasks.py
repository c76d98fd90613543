"""The monthly report's Celery tasks: thin, a MonthlyReport row's id in, the report made once
(the rule of core/tasks.py: BackgroundTask; a request row is sent with queued_work.send_on_commit)."""

import logging

from celery import shared_task
from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from core import queued_work
from core.tasks import BackgroundTask

from .models import MonthlyReport
from .queries import Filters
from .report import filter_params, make_monthly_report

log = logging.getLogger(__name__)


@shared_task(base=BackgroundTask, bind=True)
def render_monthly_report(self, report_id: int) -> None:
    """Make the report asked for in row ``report_id``. Safe to run twice (make_monthly_report)."""
    report = make_monthly_report(report_id)
    log.info("render_monthly_report %s: %s", report_id, report and (report.status, report.name))


@shared_task(base=BackgroundTask, ignore_result=False)  # the report's name is read (tests)
def render_last_months_report() -> str:
    """The beat, on the 1st of each month: last month's report with the dashboard's default view.

    Safe to run twice: today's beat row for that month is made once; returns its stored name."""
    last_month = timezone.localdate().replace(day=1) - relativedelta(months=1)
    report, _created = MonthlyReport.objects.get_or_create(
        month=last_month, filters=filter_params(Filters()), requested_by=None,
        created_at__date=timezone.localdate(),
    )
    report = make_monthly_report(report.pk)
    return report.name


# A report whose message was lost or could not be sent is sent again (issue 11).
queued_work.register(MonthlyReport, waiting=Q(status=MonthlyReport.Status.QUEUED), task=render_monthly_report)
