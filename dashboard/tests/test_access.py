"""Who may open the dashboard: the three roles and superusers; nobody else (login required)."""

import pytest

from demo.builders import make_funding

URLS = [
    "/dashboard/",
    "/dashboard/api/summary",
    "/dashboard/api/regions",
    "/dashboard/api/groups",
    "/dashboard/api/monthly",
    "/dashboard/api/month",
    "/dashboard/export.xlsx",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_user_without_a_role_is_refused(client, outsider, url):
    client.force_login(outsider)

    assert client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "official", "bpjs_staff", "superuser"])
@pytest.mark.parametrize("url", URLS)
def test_every_role_with_the_dashboard_permission_may_open_it(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_dashboard_answers_only_get(client, leader, url):
    client.force_login(leader)

    assert client.post(url).status_code == 405


@pytest.mark.django_db
def test_dashboard_is_linked_from_the_start_page_for_the_leader(client, leader):
    client.force_login(leader)

    html = client.get("/").content.decode()

    assert 'href="/dashboard/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, message",
    [
        ("funding=TIDAK-ADA", "Sumber dana dengan kode \"TIDAK-ADA\" tidak ada (parameter funding)."),
        ("year=20x5", "Tahun \"20x5\" tidak valid (parameter year)"),
        ("year=1999", "Tidak ada sumber dana dengan tahun anggaran 1999 (parameter year)."),
        ("kecamatan=99.99.99", "Kecamatan dengan kode \"99.99.99\" tidak ada di Kabupaten Lamandau (parameter kecamatan)."),
    ],
)
def test_a_filter_naming_nothing_is_explained_in_indonesian(client, leader, funding, query, message):
    client.force_login(leader)

    api = client.get(f"/dashboard/api/summary?{query}")
    page = client.get(f"/dashboard/?{query}")

    assert api.status_code == 400
    assert message in api.json()["error"]
    assert page.status_code == 400
    assert message in page.content.decode().replace("&quot;", '"')


@pytest.mark.django_db
def test_funding_source_and_year_that_disagree_are_refused(client, leader, funding):
    make_funding(fiscal_year=2024)
    client.force_login(leader)

    response = client.get(f"/dashboard/api/summary?funding={funding.code}&year=2024")

    assert response.status_code == 400
    assert response.json()["error"] == (
        f"Sumber dana {funding.code} bertahun anggaran 2025, bukan 2024: pilih salah satu."
    )


@pytest.mark.django_db
def test_program_page_links_to_its_dashboard_view(client, leader, funding):
    client.force_login(leader)

    html = client.get(f"/program/{funding.code}/").content.decode()

    assert f'href="/dashboard/?funding={funding.code}"' in html


@pytest.mark.django_db
def test_officials_find_the_follow_up_list_of_ending_coverage_but_the_leader_does_not(client, official, leader):
    client.force_login(official)
    official_html = client.get("/dashboard/").content.decode()
    client.force_login(leader)
    leader_html = client.get("/dashboard/").content.decode()

    assert 'id="ending-list"' in official_html  # names and phones live there: not for Pimpinan
    assert 'id="ending-list"' not in leader_html
