"""The monthly report (laporan bulanan): the dashboard's figures of one month as a signed A4 PDF.

Figures come from the dashboard's own functions (``dashboard.queries.build_dashboard`` on a scope
whose "today" is the last day of the month, or today for the running month), so the report says
what the dashboard says for the same month and filter; the month's own events (coverage ended,
deaths, claims filed by status, contributions billed and paid, the budget forecast) are
computed here in a fixed number of queries (plus funding.services.budget_tracking per program)
and served by ``/dashboard/api/month`` too. Small cells are always applied (counts 1–4 read
"<5"): the report is printed and handed round, like the dashboard of a user without
``enrollment.view_worker``.

Rendered like the certificates (certificates.rendering.render_pdf: shared FontConfiguration,
parsed CSS, static-file url_fetcher) by a Celery task, stored under ``laporan-bulanan/`` in the
private storage. Each request is a ``MonthlyReport`` row (issue 11): accepted while Redis is down
("menunggu antrean"), sent again by the sweeper, made once however often its task runs, and the
dashboard lists these rows; the beat asks for last month's on the 1st.
"""

import calendar
import datetime
import logging
import re

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims.models import Claim
from certificates.rendering import render_pdf
from core import queued_work
from enrollment.areas import is_area_bound
from enrollment.models import Coverage, Worker
from funding.contributions import RateTable
from funding.models import BillLine, ContributionPayment
from funding.services import budget_tracking

from .charts import draw_bars, draw_columns
from .models import FOLDER, MonthlyReport
from .queries import ALL_YEARS, Filters, Scope, build_dashboard, mask_small, resolve_scope

HEAD_TITLE = "Kepala Dinas Tenaga Kerja dan Transmigrasi Kabupaten Lamandau"
log = logging.getLogger(__name__)
NAME_PATTERN = re.compile(r"^laporan-bulanan-(?P<month>\d{4}-\d{2})-[a-z0-9-]+-\d{8}T\d{6}\.pdf$")


class ReportError(ValueError):
    """A month or filter that cannot be reported (an Indonesian message)."""


def parse_month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise ReportError(_("Bulan \"%(value)s\" tidak valid: tulis TTTT-BB, misalnya 2026-12.") % {"value": text}) from None


def report_day(month: datetime.date, today: datetime.date) -> datetime.date:
    """The day the report's figures stand on: the month's last day, or today while it runs."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    if month > today:
        raise ReportError(_("Bulan %(month)s belum dimulai.") % {"month": month.strftime("%m-%Y")})
    return min(last, today)


def report_scope(filters: Filters, month: datetime.date, *, today: datetime.date | None = None) -> Scope:
    today = today or timezone.localdate()
    return resolve_scope(filters, today=report_day(month, today), hide_small=True)


def month_events(scope: Scope, month: datetime.date) -> dict:
    """What happened in ``month`` within the scope (the report's and /dashboard/api/month's)."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    hide = scope.hide_small
    # Registered coverage whose last day fell in the month, up to the report's day.
    ended = scope.coverages().registered().filter(end_date__range=(first, min(last, scope.today))).count()
    deaths = Worker.objects.filter(
        died_on__range=(first, last), pk__in=scope.coverages().values("worker_id")
    ).count()
    by_status = {
        row["status"]: row
        for row in scope.claims()
        .annotate(filed_day=Coalesce("submitted_at", "created_at"))
        .filter(filed_day__date__range=(first, last))
        .values("status")
        .annotate(n=Count("id"), amount=Sum("paid_amount"))
        .order_by()
    }
    claims = []
    for status, label in Claim.Status.choices:
        n = by_status.get(status, {}).get("n", 0)
        shown = mask_small(n, hide_small=hide)
        amount = by_status.get(status, {}).get("amount") or 0
        claims.append({"status": status, "label": str(label), "count": shown,
                       "paid_amount": None if shown != n else int(amount)})
    billed = dict(
        BillLine.objects.filter(bill__funding_source_id__in=scope.source_ids, month=first)
        .values_list("bill__funding_source_id").annotate(total=Sum("amount")).order_by()
    )
    paid = dict(
        ContributionPayment.objects.filter(funding_source_id__in=scope.source_ids, paid_on__range=(first, last))
        .values_list("funding_source_id").annotate(total=Sum("amount")).order_by()
    )
    rates = RateTable.load()
    programs = []
    for source in scope.sources:
        if source.period_start > last or source.period_end < first:
            continue
        tracking = budget_tracking(source, today=scope.today, rates=rates)
        programs.append({
            "code": source.code, "name": source.name,
            "billed_in_month": int(billed.get(source.pk, 0)), "paid_in_month": int(paid.get(source.pk, 0)),
            "billed": int(tracking["billed"]), "paid": int(tracking["paid"]), "budget": int(tracking["budget"]),
            "forecast": int(tracking["forecast"]), "over_budget": tracking["over_budget"],
        })
    return {
        "month": first.strftime("%Y-%m"),
        "as_of": scope.today.isoformat(),
        "ended": mask_small(ended, hide_small=hide),
        "deaths": mask_small(deaths, hide_small=hide),
        "claims": claims,
        "programs": programs,
    }


def monthly_report_data(filters: Filters, month: datetime.date, *, today: datetime.date | None = None) -> dict:
    """Everything the report prints, from the dashboard's functions for the same month and filter."""
    scope = report_scope(filters, month, today=today)
    data = build_dashboard(scope)
    row = next((r for r in data["monthly"] if r["month"] == month.strftime("%Y-%m")), None)
    new = row or {"enrolments": 0, "claims_filed": 0, "claims_paid": 0}
    kecamatan = sorted(data["regions"]["kecamatan"], key=lambda r: (r["reach"] or 0, r["name"]))
    months = [r for r in data["monthly"] if r["month"] <= month.strftime("%Y-%m")][-12:]
    return {
        "scope": scope,
        "filters": scope.filters,
        "month": month,
        "summary": data["summary"],
        "regions": data["regions"]["kecamatan"],
        "new": new,
        "events": month_events(scope, month),
        "charts": {"kecamatan": draw_bars(kecamatan, target="target"),
                   "enrolments": draw_columns(months, value="enrolments")},
    }


def report_name(filters: Filters, month: datetime.date, now: datetime.datetime) -> str:
    parts = [filters.funding.lower() or "semua", str(filters.year or ("semua-tahun" if filters.all_years else "")),
             filters.kecamatan.replace(".", "")]
    slug = "-".join(p for p in parts if p) or "semua"
    return f"laporan-bulanan-{month:%Y-%m}-{slug}-{timezone.localtime(now):%Y%m%dT%H%M%S}.pdf"


MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]


def build_monthly_report_pdf(filters: Filters, month: datetime.date, *, today: datetime.date | None = None) -> tuple[bytes, int]:
    """The report as PDF bytes and its page count (official documents stay in Indonesian)."""
    with translation.override("id"):
        data = monthly_report_data(filters, month, today=today)
        html = render_to_string("dashboard/monthly_report.html", {
            **data, "month_label": f"{MONTHS[month.month - 1]} {month.year}", "head_title": HEAD_TITLE,
            "printed": timezone.localdate(),
        })
    return render_pdf(html)


def filter_params(filters: Filters) -> dict:
    """The filters as the dashboard's query parameters (what a MonthlyReport row keeps)."""
    return {"funding": filters.funding, "year": str(filters.year or (ALL_YEARS if filters.all_years else "")),
            "kecamatan": filters.kecamatan}


def refuse_area_accounts(by) -> None:
    """Monthly reports are the regency's (issue 14): PermissionDenied for an area-bound account."""
    if by is not None and is_area_bound(by):
        raise PermissionDenied(_("Laporan bulanan dibuat untuk kabupaten; akun desa/kecamatan memakai dasbor wilayahnya."))


def request_monthly_report(filters: Filters, month: datetime.date, *, by) -> MonthlyReport:
    """Ask for the report of ``month`` with ``filters`` (by ``by``; None: the beat): a row, sent to
    the worker after commit. Refuses (ReportError, FilterError) a month not begun or filters naming
    nothing. Redis down: the row is kept and marked waiting; the sweeper sends it later.

    Refused (PermissionDenied) to area-bound accounts (Operator Desa/Kecamatan, issue 14): the task
    builds the report for the whole regency, and the rows are not theirs to list (MonthlyReport's
    manager); their area's figures are the dashboard's and its Excel export's."""
    refuse_area_accounts(by)
    resolve_scope(filters, today=report_day(month, timezone.localdate()), hide_small=True)  # names exist
    with transaction.atomic():
        report = MonthlyReport.objects.create(month=month.replace(day=1), filters=filter_params(filters), requested_by=by)
        queued_work.send_on_commit(report)
    report.refresh_from_db()
    return report


def make_monthly_report(report_id: int) -> MonthlyReport | None:
    """Render and store the report of row ``report_id`` once: safe to run twice or twice at once
    (the row turns done only while still queued; a run that finds it done already discards its file)."""
    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report is None or report.status != MonthlyReport.Status.QUEUED:
        return report
    filters = Filters.from_params(report.filters)
    try:
        pdf, _pages = build_monthly_report_pdf(filters, report.month)
    except (OperationalError, InterfaceError):
        raise  # the database hiccupped: the task retries, then the sweeper
    except Exception as error:  # recorded on the row, never sent again and again
        log.exception("monthly report %s failed", report.pk)
        MonthlyReport.objects.filter(pk=report.pk, status=MonthlyReport.Status.QUEUED).update(
            status=MonthlyReport.Status.FAILED, message=str(error), finished_at=timezone.now(), updated_at=timezone.now())
        report.refresh_from_db()
        return report
    now = timezone.now()
    stored = default_storage.save(f"{FOLDER}/{report_name(filters, report.month, now)}", ContentFile(pdf))
    made = MonthlyReport.objects.filter(pk=report.pk, status=MonthlyReport.Status.QUEUED).update(
        status=MonthlyReport.Status.DONE, file=stored, finished_at=now, updated_at=now)
    if not made:
        default_storage.delete(stored)  # another run made it first
    report.refresh_from_db()
    return report


def list_reports(limit: int = 50) -> list[dict]:
    """The reports asked for, newest first: name (once made), month, when asked and made, status,
    and whether the request waits for the queue (Redis was down when it was sent)."""
    return [
        {"id": r.pk, "name": r.name, "month": f"{r.month:%Y-%m}", "filters": r.filters,
         "requested": timezone.localtime(r.created_at),
         "made": timezone.localtime(r.finished_at) if r.finished_at else None,
         "status": r.status, "status_label": r.get_status_display(),
         "waiting": r.status == MonthlyReport.Status.QUEUED and r.waiting_for_queue}
        for r in MonthlyReport.objects.order_by("-created_at", "-pk")[:limit]
    ]


def open_report(name: str):
    """The made report stored as ``name`` (only names this module makes), or None."""
    if not NAME_PATTERN.match(name or ""):
        return None
    report = MonthlyReport.objects.filter(status=MonthlyReport.Status.DONE, file=f"{FOLDER}/{name}").first()
    if report is None or not default_storage.exists(report.file.name):
        return None
    return default_storage.open(report.file.name, "rb")
