"""The page, the API and the export cost the same number of queries at 10× the data: every
figure is aggregated in the database (../shared/style.md, Tests). The cache is off here, so
every request computes (test_cache.py covers the cached path)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.builders import make_funding

from demo.builders import populate

# Queries per request, whatever the number of funding sources in scope:
#   session + user + the user's permissions (2) ..................................... 4
#   funding sources, kecamatan .......................................................... 2
#   summary: coverage rows (groups and committed cost of every source in one pass), claim
#            groups, kecamatan targets, covered workers (by desa, sex and age), rates +
#            discounts, payments ......................................................... 7
#   page/export add: desa, occupation counts, occupations .................................... 3
#   page adds: the monthly reports asked for (dashboard.MonthlyReport, issue 11) .............. 1
LIMITS = {
    "/dashboard/": 17,
    "/dashboard/export.xlsx": 16,
    "/dashboard/api/summary": 13,
    "/dashboard/api/regions": 10,
    "/dashboard/api/groups": 9,
    "/dashboard/api/monthly": 8,
}


@pytest.fixture(autouse=True)
def _compute_every_request(settings):
    settings.DASHBOARD_CACHE_SECONDS = 0


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["funding=RAMAI", "funding=RAMAI&kecamatan=62.09.03"])
@pytest.mark.parametrize("path", list(LIMITS))
def test_query_count_stays_the_same_at_ten_times_the_data(client, leader, django_assert_max_num_queries, path, query):
    funding = make_funding(code="RAMAI", quota=10_000, budget=10_000 * 201_600)
    client.force_login(leader)
    url = f"{path}?{query}"

    populate(funding, 30, claims=5)
    with django_assert_max_num_queries(LIMITS[path]):
        small = queries_for(client, url)

    populate(funding, 270, claims=45)
    with django_assert_max_num_queries(LIMITS[path]):
        large = queries_for(client, url)

    assert small == large


@pytest.mark.django_db
def test_all_sources_cost_the_same_queries_as_one_source(client, leader):
    """The committed cost of every source in scope is priced from the one coverage pass
    (funding.services.cost_of_priced_groups, R-COST-1), not one query per source."""
    first, second = make_funding(code="SATU"), make_funding(code="DUA")
    client.force_login(leader)
    populate(first, 20)
    one = queries_for(client, "/dashboard/api/summary?funding=SATU")
    all_sources = queries_for(client, "/dashboard/api/summary?year=all")

    populate(second, 200)

    assert all_sources == one  # the per-year table (issue 16) comes from the same coverage pass
    assert queries_for(client, "/dashboard/api/summary?year=all") == all_sources


# Issue 16's additions keep the count flat too:
#   /dashboard/api/month: session, user, permissions (4), sources and kecamatan (2), ended,
#   deaths, claims of the month, billed, paid, rates (2), then funding.services.budget_tracking
#   per program of the month (holidays, commitment, sums, bill months, lapse: 6) ........... 19
#   in the renewal season (from October) the page and the summary add, per running program,
#   funding.renewal.renewal_progress: next program, renewed workers, candidates, program rules,
#   the overlap checks of plan_renewal (coverages, external coverage by NIK, …) ............ 9
MONTH_LIMIT = 19
RENEWAL_EXTRA = 9


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["funding=RAMAI", "funding=RAMAI&kecamatan=62.09.03"])
def test_the_months_figures_cost_the_same_queries_at_ten_times_the_data(client, leader, django_assert_max_num_queries, query):
    funding = make_funding(code="RAMAI", quota=10_000, budget=10_000 * 201_600)
    client.force_login(leader)
    url = f"/dashboard/api/month?{query}&month=2025-06"

    populate(funding, 30, claims=5)
    with django_assert_max_num_queries(MONTH_LIMIT):
        small = queries_for(client, url)
    populate(funding, 270, claims=45)
    with django_assert_max_num_queries(MONTH_LIMIT):
        large = queries_for(client, url)

    assert small == large


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/api/summary"])
def test_the_renewal_in_december_costs_the_same_queries_at_ten_times_the_data(client, leader, django_assert_max_num_queries, path):
    import datetime

    from demo.builders import on_day

    running = make_funding(code="RAMAI", quota=10_000, budget=10_000 * 201_600)  # 2025
    make_funding(code="RAMAI-2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
                 period_end=datetime.date(2026, 12, 31), quota=10_000, budget=10_000 * 201_600)
    limit = LIMITS[path] + RENEWAL_EXTRA
    with on_day(datetime.date(2025, 12, 10)):
        client.force_login(leader)
        populate(running, 30, claims=5)
        queries_for(client, f"{path}?funding=RAMAI")  # the first request also fills per-process caches
        with django_assert_max_num_queries(limit):
            small = queries_for(client, f"{path}?funding=RAMAI")
        populate(running, 270, claims=45)
        with django_assert_max_num_queries(limit):
            large = queries_for(client, f"{path}?funding=RAMAI")
        figures = client.get("/dashboard/api/summary?funding=RAMAI").json()

    assert small == large
    (renewal,) = figures["renewal"]
    assert (renewal["next_code"], renewal["renewed"], renewal["waiting"]) == ("RAMAI-2026", 0, 300)
