"""The dashboard of an Operator Desa / Operator Kecamatan (issue 14): the same figures, small-cell
rules and summary rows as the regent's, for the desa of their area only (core/areas.py); cache
entries never cross areas; monthly reports stay the regency's."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from claims.models import Claim
from core.areas import AreaScope, area_scope
from dashboard import summary as summary_rows
from dashboard.models import FOLDER, MonthlyReport
from dashboard.queries import Filters, cache_key_parts, resolve_scope
from demo.builders import claim, cover, make_funding, pay, worker_in
from enrollment.models import Coverage, Desa, Occupation
from enrollment.nik import FEMALE

from .conftest import DESA_A1

BUNUT, BULIK = "62.09.03.2006", "62.09.03"
# What a place's figures are made of (money, quota and the programs' money are the program's whole).
PLACE_KEYS = ["covered", "active", "active_jkk", "active_jkm", "pending", "ending_30", "ending_60", "ending_90",
              "claims_filed", "claims_approved", "claims_paid", "claims_rejected", "benefits_paid"]
MONEY_KEYS = ["quota", "budget", "committed_cost", "paid_to_bpjs"]


@pytest.fixture
def villages(db):
    """One running program; Bunut: 3 covered (ending in 10, 25 and 65 days), a draft, a cancelled
    one; 6 covered elsewhere in Bulik; 7 in kecamatan Lamandau. Claims in each."""
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    funding = make_funding(code="NOW", fiscal_year=today.year, quota=100, period_start=today - 200 * day,
                           period_end=today + 65 * day)
    other_bulik = Desa.objects.filter(kecamatan__code=BULIK).exclude(code=BUNUT).order_by("code").first().code
    bunut = [worker_in(BUNUT, sex=FEMALE, full_name="SITI BUNUT"), worker_in(BUNUT, full_name="ADI BUNUT"),
             worker_in(BUNUT, full_name="BAYU BUNUT")]
    bunut[0].occupations.set(Occupation.objects.filter(code="petani-sawit"))
    cover(bunut[0], funding, end=today + 10 * day)
    paid = cover(bunut[1], funding, end=today + 25 * day)
    cover(bunut[2], funding)
    cover(worker_in(BUNUT), funding, status=Coverage.Status.DRAFT)
    cover(worker_in(BUNUT), funding, status=Coverage.Status.CANCELLED)
    bulik = [cover(worker_in(other_bulik, full_name=f"ORANG BULIK {i}"), funding, end=today + (5 + i) * day)
             for i in range(6)]
    lamandau = [cover(worker_in(DESA_A1, full_name=f"ORANG LAMANDAU {i}"), funding, end=today + (3 + i) * day)
                for i in range(7)]
    claim(paid, status=Claim.Status.PAID, kind=Claim.Kind.JKM_DEATH, paid_amount=42_000_000)
    claim(bulik[1], status=Claim.Status.SUBMITTED)
    claim(lamandau[1], status=Claim.Status.APPROVED)
    pay(funding, 2_000_000)
    return funding


def get_json(client, user, path, query=""):
    client.force_login(user)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def summary(client, user, query=""):
    return get_json(client, user, "/dashboard/api/summary", query)


@pytest.mark.django_db
def test_an_operator_desa_sees_the_figures_of_bunut_only(client, villages, official, village_officer):
    mine = summary(client, village_officer)
    regency = summary(client, official)

    assert {key: mine[key] for key in PLACE_KEYS} == {
        "covered": 3, "active": 3, "active_jkk": 3, "active_jkm": 3, "pending": 1,
        "ending_30": 2, "ending_60": 2, "ending_90": 3,
        "claims_filed": 1, "claims_approved": 1, "claims_paid": 1, "claims_rejected": 0, "benefits_paid": 42_000_000,
    }
    assert regency["covered"] == 16 and regency["claims_filed"] == 3
    # Money and quota are the program's whole, as with the kecamatan filter; no share of it is claimed.
    assert {key: mine[key] for key in MONEY_KEYS} == {key: regency[key] for key in MONEY_KEYS}
    assert mine["covered_share_of_quota"] is None and mine["target"] is None
    assert "Bunut" in mine["scope"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/dashboard/api/summary", "/dashboard/api/regions", "/dashboard/api/groups",
                                  "/dashboard/api/monthly"])
def test_an_operator_kecamatan_sees_what_the_district_sees_for_bulik(client, villages, official, subdistrict_officer, path):
    district = get_json(client, official, path, f"kecamatan={BULIK}")
    mine = get_json(client, subdistrict_officer, path)

    if path.endswith("summary"):
        keys = PLACE_KEYS + MONEY_KEYS + ["programs"]
        assert {key: mine[key] for key in keys} == {key: district[key] for key in keys}
        assert mine["covered"] == 9
    elif path.endswith("regions"):
        assert mine["desa"] == district["desa"]  # every desa of Bulik, Bunut's 3 and the other's 6
        assert [row["code"] for row in mine["kecamatan"]] == [BULIK]
    else:
        assert {k: v for k, v in mine.items() if k != "filters"} == {k: v for k, v in district.items() if k != "filters"}


@pytest.mark.django_db
def test_bunuts_groups_are_its_own_workers(client, villages, village_officer):
    groups = get_json(client, village_officer, "/dashboard/api/groups")

    assert {row["code"]: row["covered"] for row in groups["sex"]} == {"L": 2, "P": 1}
    assert sum(row["covered"] for row in groups["age_band"]) == 3
    assert {row["code"]: row["covered"] for row in groups["occupation"]}["petani-sawit"] == 1
    regions = get_json(client, village_officer, "/dashboard/api/regions")
    assert [(row["code"], row["covered"]) for row in regions["desa"]] == [(BUNUT, 3)]


@pytest.mark.django_db
def test_the_tables_give_an_area_the_same_figures_as_the_summary_rows(client, villages, village_officer, monkeypatch):
    """make run (SQLite) computes from the tables through the scoped managers: the same numbers,
    the committed cost still the program's whole."""
    from_rows = summary(client, village_officer)
    monkeypatch.setattr(summary_rows, "in_use", lambda: False)
    from_tables = summary(client, village_officer)

    keys = PLACE_KEYS + MONEY_KEYS + ["programs"]
    assert {key: from_tables[key] for key in keys} == {key: from_rows[key] for key in keys}


@pytest.mark.django_db
def test_the_choices_are_the_users_own_area(client, villages, village_officer):
    client.force_login(village_officer)

    html = client.get("/dashboard/").content.decode()
    other = client.get("/dashboard/?kecamatan=62.09.01")  # another kecamatan names nothing here

    assert f'value="{BULIK}"' in html and 'value="62.09.01"' not in html
    assert "Seluruh wilayah tugas" in html
    assert other.status_code == 400


@pytest.mark.django_db
def test_small_cells_follow_the_same_rule(client, villages, leader, village_officer):
    """Pimpinan (no personal data) sees Bunut's 3 as "<5"; the village officer holds
    enrollment.view_worker (core/privacy.py) and sees it exactly."""
    masked = get_json(client, leader, "/dashboard/api/regions", f"kecamatan={BULIK}")
    exact = get_json(client, village_officer, "/dashboard/api/regions")

    assert {row["code"]: row["covered"] for row in masked["desa"]}[BUNUT] == "<5"
    assert {row["code"]: row["covered"] for row in exact["desa"]}[BUNUT] == 3
    assert summary(client, village_officer)["small_cells_hidden"] is False


# --- The cache: one entry per area ------------------------------------------------------------


@pytest.mark.django_db
def test_figures_cached_for_the_regency_never_serve_a_village(client, villages, official, leader, village_officer,
                                                              subdistrict_officer, settings):
    settings.DASHBOARD_CACHE_SECONDS = 600
    assert summary(client, leader)["covered"] == 16  # the regent first
    assert summary(client, official)["covered"] == 16
    assert summary(client, village_officer)["covered"] == 3
    assert summary(client, subdistrict_officer)["covered"] == 9
    assert get_json(client, village_officer, "/dashboard/api/regions")["desa"][0]["covered"] == 3


@pytest.mark.django_db
def test_figures_cached_for_a_village_never_serve_the_regency(client, villages, official, leader, village_officer,
                                                              subdistrict_officer, settings):
    settings.DASHBOARD_CACHE_SECONDS = 600
    client.force_login(village_officer)
    assert "Bunut" in client.get("/dashboard/").content.decode()  # the village first
    assert summary(client, village_officer)["covered"] == 3
    assert summary(client, subdistrict_officer)["covered"] == 9
    assert summary(client, official)["covered"] == 16
    assert summary(client, leader)["covered"] == 16
    client.force_login(official)
    assert "Bunut" not in client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_the_cache_key_holds_the_area(villages):
    scope = resolve_scope(Filters(), today=timezone.localdate(), hide_small=False)
    bunut = Desa.objects.get(code=BUNUT)

    regency = cache_key_parts(scope)
    with area_scope(AreaScope(user_id=1, desa_ids=frozenset({bunut.pk}), kecamatan_ids=frozenset({bunut.kecamatan_id}))):
        village = cache_key_parts(scope)
    with area_scope(AreaScope(user_id=1)):
        nothing = cache_key_parts(scope)

    assert len({regency, village, nothing}) == 3


# --- Exports and monthly reports --------------------------------------------------------------


@pytest.mark.django_db
def test_the_excel_export_of_an_operator_desa_is_bunuts(client, villages, village_officer):
    client.force_login(village_officer)

    response = client.get("/dashboard/export.xlsx")

    assert response.status_code == 200
    sheets = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [[cell for cell in row] for sheet in sheets for row in sheet.iter_rows(values_only=True)]
    text = " ".join(str(cell) for row in cells for cell in row if cell is not None)
    assert "Bunut" in text
    assert "ORANG" not in text and "62.09.01" not in text  # no other desa, kecamatan or name


@pytest.mark.django_db
def test_monthly_reports_are_refused_to_area_accounts(client, villages, official, village_officer, subdistrict_officer):
    name = "laporan-bulanan-2026-01-semua-20260201T010000.pdf"
    stored = default_storage.save(f"{FOLDER}/{name}", ContentFile(b"%PDF-1.4 uji"))
    MonthlyReport.objects.create(month=datetime.date(2026, 1, 1), status=MonthlyReport.Status.DONE, file=stored,
                                 requested_by=official)
    month = timezone.localdate().strftime("%Y-%m")

    for user in (village_officer, subdistrict_officer):
        client.force_login(user)
        assert client.post("/dashboard/laporan/buat", {"month": month}).status_code == 403
        assert client.get(f"/dashboard/laporan/{name}").status_code == 404
        html = client.get("/dashboard/").content.decode()
        assert 'id="report-form"' not in html and name not in html
    assert MonthlyReport.objects.count() == 1

    client.force_login(official)
    assert client.get(f"/dashboard/laporan/{name}").status_code == 200
    assert name in client.get("/dashboard/").content.decode()


# --- Query counts -----------------------------------------------------------------------------

# The district's queries (test_query_counts.LIMITS), plus the area scope (enrollment.areas.scope_for:
# the user's areas, their desa: 2) and the area's desa names (resolve_scope: 1), less the kecamatan
# targets (not compared for an area) and, on the page, the monthly reports (not listed for an area).
AREA_LIMITS = {
    "/dashboard/": 18,
    "/dashboard/export.xlsx": 18,
    "/dashboard/api/summary": 15,
    "/dashboard/api/regions": 12,
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(AREA_LIMITS))
def test_an_area_dashboard_costs_the_same_queries_at_ten_times_the_data(client, village_officer, settings, path,
                                                                       django_assert_max_num_queries):
    settings.DASHBOARD_CACHE_SECONDS = 0
    funding = make_funding(code="RAMAI", quota=1_000)
    client.force_login(village_officer)

    def add(count):
        for _ in range(count):
            cover(worker_in(BUNUT), funding)
            cover(worker_in(DESA_A1), funding)

    counts = []
    for count in (3, 27):
        add(count)
        with django_assert_max_num_queries(AREA_LIMITS[path]) as captured:
            assert client.get(f"{path}?funding=RAMAI").status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]
    assert summary(client, village_officer, "funding=RAMAI")["covered"] == 30


# --- The villagers whose coverage ends within 30 days (funding:ending_soon, /program/berakhir/) ---


def ending_rows(client, user):
    client.force_login(user)
    response = client.get("/program/berakhir/")
    assert response.status_code == 200
    table = response.content.decode().split('id="ending"')[1].split("</table>")[0]
    rows = []
    for row in table.split("<tr>")[2:]:
        cells = [cell.split("</td>")[0] for cell in row.split("<td")[1:]]
        rows.append((cells[2].lstrip(">"), int(cells[1].split(">")[1])))
    return rows


@pytest.mark.django_db
def test_the_30_day_list_of_an_operator_desa_is_bunuts_soonest_first(client, villages, village_officer):
    assert ending_rows(client, village_officer) == [("SITI BUNUT", 10), ("ADI BUNUT", 25)]


@pytest.mark.django_db
def test_the_30_day_list_of_an_operator_kecamatan_is_bulik(client, villages, subdistrict_officer, official):
    rows = ending_rows(client, subdistrict_officer)

    assert rows == [(f"ORANG BULIK {i}", 5 + i) for i in range(5)] + [
        ("ORANG BULIK 5", 10), ("SITI BUNUT", 10), ("ADI BUNUT", 25)]
    everyone = ending_rows(client, official)  # the district sees every kecamatan
    assert len(everyone) == 8 + 7 and everyone[0] == ("ORANG LAMANDAU 0", 3)
    assert [days for _name, days in everyone] == sorted(days for _name, days in everyone)


@pytest.mark.django_db
def test_the_dashboard_links_the_30_day_list_for_those_who_read_it(client, villages, village_officer, leader):
    client.force_login(village_officer)
    assert 'id="ending-list"' in client.get("/dashboard/").content.decode()
    client.force_login(leader)
    assert 'id="ending-list"' not in client.get("/dashboard/").content.decode()
    assert client.get("/program/berakhir/").status_code == 403


@pytest.mark.django_db
def test_the_30_day_list_of_an_area_costs_the_same_queries_at_ten_times_the_rows(client, village_officer,
                                                                                django_assert_max_num_queries):
    today = timezone.localdate()
    funding = make_funding(code="RAMAI", fiscal_year=today.year, period_start=today - datetime.timedelta(days=300),
                           period_end=today + datetime.timedelta(days=20))
    client.force_login(village_officer)
    counts = []
    for count, shown in ((3, 3), (27, 30)):
        for _ in range(count):
            cover(worker_in(BUNUT), funding)
            cover(worker_in(DESA_A1), funding)
        # session, user, permissions (2), the area (2), count, page of coverages, their heirs
        with django_assert_max_num_queries(9) as captured:
            response = client.get("/program/berakhir/")
        counts.append(len(captured))
        assert response.content.decode().count('class="num days-left"') == shown  # Bunut's only

    assert counts[0] == counts[1]
