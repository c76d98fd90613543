"""The regent's view of now: figures per fiscal year side by side, and next year's renewal.

Added to the dashboard's parts (dashboard.queries) without changing them:

* **Per year.** When the scope spans several fiscal years ("all years"), quotas and budgets of
  different years are never added into one ratio: each year gets its own covered workers (a
  worker counts once within a year), quota, share, budget, committed cost and payments. The
  money comes from the summary's per-program rows, so it is the same number; covered workers
  per year cost one grouped query.
* **Renewal** (from October, funding.renewal.RENEWAL_SEASON_MONTH): for each program in scope
  running today, how many of its workers are renewed into next year's program, how many wait,
  and why the others are skipped, by the renewal's own rules (funding.renewal.renewal_progress).
  Program-wide (the kecamatan filter does not apply); small cells as everywhere else.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from funding.renewal import in_renewal_season, next_program, renewal_progress

from .queries import Scope, cache_key_parts, mask_small, percent_of


def cached(scope: Scope, name: str, compute):
    """``compute()`` cached like dashboard.queries.get_figures (same key parts, own name)."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return compute()
    key = f"dashboard-now:{cache_key_parts(scope)}:{name}"
    return cache.get_or_set(key, compute, seconds)


def year_figures(scope: Scope, summary: dict) -> list[dict]:
    """Per fiscal year, newest first; empty when the scope holds one year (the headline is it)."""
    if scope.single_year:
        return []

    def compute():
        hide = scope.in_part and scope.hide_small
        covered = dict(
            scope.covered_coverages()
            .values_list("funding_source__fiscal_year")
            .annotate(n=Count("worker_id", distinct=True))
            .order_by()
        )
        years = {}
        for program in summary["programs"]:
            row = years.setdefault(program["fiscal_year"], {
                "year": program["fiscal_year"], "quota": 0, "budget": 0, "committed_cost": 0, "paid_to_bpjs": 0,
                "programs": [],
            })
            for key in ("quota", "budget", "committed_cost", "paid_to_bpjs"):
                row[key] += program[key]
            row["programs"].append(program["code"])
        rows = []
        for year in sorted(years, reverse=True):
            row = years[year]
            row["covered"] = mask_small(covered.get(year, 0), hide_small=hide)
            row["covered_share_of_quota"] = None if scope.in_part else percent_of(row["covered"], row["quota"])
            rows.append(row)
        return rows

    return cached(scope, "years", compute)


def running_programs(scope: Scope) -> list:
    return [s for s in scope.sources if s.period_start <= scope.today <= s.period_end]


def renewal_figures(scope: Scope) -> list[dict]:
    """The renewal of each running program in scope, from October on; [] before."""
    if not in_renewal_season(scope.today):
        return []

    def compute():
        rows = []
        hide = scope.hide_small
        for source in running_programs(scope):
            target = next_program(source)
            row = {"code": source.code, "name": source.name, "period_end": source.period_end.isoformat(),
                   "days_left": (source.period_end - scope.today).days, "next_code": None, "next_name": None,
                   "renewed": None, "waiting": None, "skipped": []}
            if target is not None:
                progress = renewal_progress(source=source, target=target)
                row.update({
                    "next_code": target.code, "next_name": target.name,
                    "renewed": mask_small(progress.renewed, hide_small=hide),
                    "waiting": mask_small(progress.waiting, hide_small=hide),
                    "skipped": [{"reason": code, "label": label, "count": mask_small(count, hide_small=hide)}
                                for code, label, count in progress.skipped_rows()],
                })
            rows.append(row)
        return rows

    return cached(scope, "renewal", compute)
