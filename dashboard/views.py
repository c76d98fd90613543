"""The dashboard's page, JSON API and Excel export: check access, read the filters, call
dashboard.queries, render. The three show the same figures (one set of functions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import queued_work
from core.privacy import sees_personal_data

from .charts import draw_dashboard_charts
from .exports import build_dashboard_workbook, name_workbook
from .now import renewal_figures, year_figures
from .queries import FilterError, Filters, build_dashboard, get_figures, resolve_scope
from .report import (
    ReportError, list_reports, month_events, open_report, parse_month, refuse_area_accounts, report_day,
    request_monthly_report,
)
from . import tasks  # noqa: F401  registers MonthlyReport with the sweeper (core/queued_work.py)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_access(view):
    """GET only, signed in, with dashboard.view_dashboard (Pimpinan, Petugas BPJS, Operator, superusers)."""
    return require_GET(login_required(permission_required("dashboard.view_dashboard", raise_exception=True)(never_cache(view))))


def _scope(request):
    return resolve_scope(
        Filters.from_params(request.GET),
        today=timezone.localdate(),
        hide_small=not sees_personal_data(request.user),
    )


def _figures_json(request, part, key=None):
    """One JSON endpoint: the filters echoed, then one part of the figures (under ``key``)."""
    try:
        scope = _scope(request)
    except FilterError as error:
        return JsonResponse({"error": str(error)}, status=400)
    data = get_figures(scope, part)
    if part == "summary":  # added keys: the years side by side, next year's renewal (dashboard.now)
        data = {**data, "per_year": year_figures(scope, data), "renewal": renewal_figures(scope)}
    return JsonResponse({"filters": scope.filters.as_dict(), "small_cells_hidden": scope.hide_small,
                         **({key: data} if key else data)})


@dashboard_access
def dashboard(request):
    try:
        scope = _scope(request)
    except FilterError as error:
        # The message says which parameter is wrong; the form (no filters) lets the user start again.
        scope = resolve_scope(Filters(), today=timezone.localdate(), hide_small=True)
        return render(request, "dashboard/dashboard.html", {"error": error, "scope": scope, "filters": scope.filters}, status=400)
    data = build_dashboard(scope)
    data["per_year"] = year_figures(scope, data["summary"])
    data["renewal"] = renewal_figures(scope)
    for row in data["regions"]["kecamatan"]:
        row["href"] = "?" + scope.filters.query(kecamatan=row["code"])  # "desa on click"
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "scope": scope,
            "filters": scope.filters,
            "data": data,
            "charts": draw_dashboard_charts(data),
            "all_kecamatan": "?" + scope.filters.query(kecamatan=""),
            "reports": list_reports(),
            "waiting_message": queued_work.WAITING_MESSAGE,
            "this_month": scope.today.strftime("%Y-%m"),
        },
    )


@dashboard_access
def export(request):
    try:
        scope = _scope(request)
    except FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    data = build_dashboard(scope)
    data["per_year"] = year_figures(scope, data["summary"])
    response = HttpResponse(build_dashboard_workbook(scope, data), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name_workbook(scope)}"'
    return response


@dashboard_access
def api_summary(request):
    """GET /dashboard/api/summary?funding=CODE: the headline figures (Rupiah as integers)."""
    return _figures_json(request, "summary")


@dashboard_access
def api_regions(request):
    """Per kecamatan, and per desa when a kecamatan is chosen."""
    return _figures_json(request, "regions")


@dashboard_access
def api_groups(request):
    """By occupation, sex and age band."""
    return _figures_json(request, "groups")


@dashboard_access
def api_monthly(request):
    """Enrolments and claims per month."""
    return _figures_json(request, "monthly", key="months")


@dashboard_access
def api_month(request):
    """What happened in one month (?month=YYYY-MM, default this month): the monthly report's figures."""
    try:
        filters = Filters.from_params(request.GET)
        month = parse_month(request.GET.get("month") or timezone.localdate().strftime("%Y-%m"))
        scope = resolve_scope(filters, today=report_day(month, timezone.localdate()),
                              hide_small=not sees_personal_data(request.user))
    except (FilterError, ReportError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"filters": scope.filters.as_dict(), "small_cells_hidden": scope.hide_small,
                         **month_events(scope, month)})


@require_POST
@login_required
@permission_required("dashboard.view_dashboard", raise_exception=True)
def report_create(request):
    """Ask for the monthly report of the chosen month for the dashboard's current filters: a row,
    accepted even while Redis is down (then shown waiting and sent by the sweeper)."""
    refuse_area_accounts(request.user)  # before the form is read: the answer is 403 whatever it holds
    filters = Filters()
    try:
        filters = Filters.from_params(request.POST)
        month = parse_month(request.POST.get("month", ""))
        report = request_monthly_report(filters, month, by=request.user)
    except (FilterError, ReportError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Laporan bulanan %(month)s sedang dibuat; muat ulang halaman sebentar lagi.")
                         % {"month": month.strftime("%m-%Y")})
        if report.waiting_for_queue:
            messages.warning(request, queued_work.WAITING_MESSAGE)
    query = filters.query()
    return redirect(reverse("dashboard:index") + (f"?{query}" if query else "") + "#laporan")


@dashboard_access
def report_download(request, name):
    """A stored monthly report (small cells already applied: every dashboard role may read it)."""
    stream = open_report(name)
    if stream is None:
        raise Http404(_("Laporan tidak ditemukan."))
    return FileResponse(stream, as_attachment=True, filename=name, content_type="application/pdf")
