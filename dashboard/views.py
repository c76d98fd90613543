"""The dashboard's page, JSON API and Excel export: check access, read the filters, call
dashboard.queries, render. The three show the same figures (one set of functions)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .charts import draw_dashboard_charts
from .exports import build_dashboard_workbook, name_workbook
from .queries import FilterError, Filters, build_dashboard, get_figures, resolve_scope

# Who may see personal data sees exact small counts; everyone else gets "<5" (UU 27/2022).
PERSONAL_DATA_PERMISSION = "enrollment.view_worker"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_access(view):
    """GET only, signed in, with core.view_dashboard (Pimpinan, Petugas BPJS, Operator, superusers)."""
    return require_GET(login_required(permission_required("core.view_dashboard", raise_exception=True)(never_cache(view))))


def _scope(request):
    return resolve_scope(
        Filters.from_params(request.GET),
        today=timezone.localdate(),
        hide_small=not request.user.has_perm(PERSONAL_DATA_PERMISSION),
    )


def _figures_json(request, part, key=None):
    """One JSON endpoint: the filters echoed, then one part of the figures (under ``key``)."""
    try:
        scope = _scope(request)
    except FilterError as error:
        return JsonResponse({"error": str(error)}, status=400)
    data = get_figures(scope, part)
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
        },
    )


@dashboard_access
def export(request):
    try:
        scope = _scope(request)
    except FilterError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(build_dashboard_workbook(scope, build_dashboard(scope)), content_type=XLSX)
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
