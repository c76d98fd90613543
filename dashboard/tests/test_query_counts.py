"""The page, the API and the export cost the same number of queries at 10× the data: every
figure is aggregated in the database (../shared/style.md, Tests). The cache is off here, so
every request computes (test_cache.py covers the cached path)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.testing import make_funding

from .builders import populate

# Queries per request, whatever the number of funding sources in scope:
#   session + user + the user's permissions (2) ..................................... 4
#   funding sources, kecamatan .......................................................... 2
#   summary: coverage rows (groups and committed cost of every source in one pass), claim
#            groups, kecamatan targets, covered workers (by desa, sex and age), rates +
#            discounts, payments ......................................................... 7
#   page/export add: desa, occupation counts, occupations .................................... 3
LIMITS = {
    "/dashboard/": 16,
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
    all_sources = queries_for(client, "/dashboard/api/summary")

    populate(second, 200)

    assert all_sources == one
    assert queries_for(client, "/dashboard/api/summary") == all_sources
