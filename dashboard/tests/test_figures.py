"""The dashboard's figures equal what the records say, for each filter."""

import pytest

from claims.models import Claim
from core.money import format_rupiah
from enrollment.models import Coverage
from funding.models import ContributionPayment
from funding.services import committed_cost

from demo.builders import claim
from .conftest import DESA_A1, DESA_A2, KEC_A


def summary(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/dashboard/api/summary?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def recount(program, *, sources=None, kecamatan=None):
    """The headline figures counted the plain way, record by record, from the definitions."""
    sources = sources or [program.past, program.current]
    in_scope = [
        c for c in Coverage.objects.select_related("funding_source", "worker__desa__kecamatan")
        if c.funding_source in sources and (kecamatan is None or c.worker.desa.kecamatan.code == kecamatan)
    ]
    covered = {
        c.worker_id for c in in_scope
        if c.status == "active" or (c.status == "ended" and c.funding_source.period_end < program.today)
    }
    claims = [
        claim for claim in Claim.objects.select_related("coverage", "worker__desa__kecamatan")
        if claim.coverage.funding_source_id in {s.pk for s in sources}
        and (kecamatan is None or claim.worker.desa.kecamatan.code == kecamatan)
    ]
    return {
        "covered": len(covered),
        "quota": sum(s.quota for s in sources),
        "budget": int(sum(s.budget for s in sources)),
        "committed_cost": int(sum(committed_cost(s) for s in sources)),
        "paid_to_bpjs": int(sum(p.amount for p in ContributionPayment.objects.all() if p.funding_source in sources)),
        "active": sum(c.status == "active" for c in in_scope),
        "claims_filed": len(claims),
        "claims_paid": sum(c.status == "paid" for c in claims),
        "benefits_paid": int(sum(c.paid_amount for c in claims if c.status == "paid")),
    }


@pytest.mark.django_db
def test_all_sources_count_a_worker_covered_twice_once(client, official, program):
    figures = summary(client, official, "year=all")  # every year, chosen on purpose

    assert figures["covered"] == 5  # w1 (both years), w2, w3, w4, w9
    assert figures["quota"] == 30
    assert figures["covered_share_of_quota"] is None  # places of two years are not comparable
    assert figures["budget"] == 2 * 20_160_000
    assert figures["committed_cost"] == int(committed_cost(program.past) + committed_cost(program.current))
    assert figures["paid_to_bpjs"] == 3_500_000
    assert (figures["active"], figures["active_jkk"], figures["active_jkm"], figures["pending"]) == (4, 3, 4, 2)
    assert (figures["ending_30"], figures["ending_60"], figures["ending_90"]) == (1, 2, 4)
    assert (figures["claims_filed"], figures["claims_approved"], figures["claims_paid"], figures["claims_rejected"]) == (5, 3, 2, 1)
    assert figures["benefits_paid"] == 84_000_000


@pytest.mark.django_db
def test_yearly_scholarship_claims_count_with_the_claims_of_their_death_claims_program(client, official, program):
    """R-JKM-4: a yearly scholarship is a claim of its own kind on the death claim's coverage; the
    dashboard counts it by status like any other claim (filed, paid and the amount paid)."""
    coverage = program.coverages["1past"]
    death = Claim.objects.get(coverage=coverage)
    claim(coverage, status=Claim.Status.PAID, kind=Claim.Kind.SCHOLARSHIP, death_claim=death, paid_amount=2_000_000)
    claim(coverage, status=Claim.Status.SUBMITTED, kind=Claim.Kind.SCHOLARSHIP, death_claim=death)

    figures = summary(client, official, "year=all")
    assert (figures["claims_filed"], figures["claims_approved"], figures["claims_paid"], figures["claims_rejected"]) == (7, 4, 3, 1)
    assert figures["benefits_paid"] == 86_000_000
    assert {k: figures[k] for k in ("claims_filed", "claims_paid", "benefits_paid")} == {
        k: v for k, v in recount(program).items() if k in ("claims_filed", "claims_paid", "benefits_paid")}
    past = summary(client, official, "funding=PAST")
    assert (past["claims_filed"], past["claims_paid"], past["benefits_paid"]) == (4, 3, 86_000_000)


@pytest.mark.django_db
def test_running_program_counts_only_active_coverage(client, official, program):
    figures = summary(client, official, "funding=NOW")

    assert figures["funding"] == "NOW"
    assert figures["covered"] == 4  # not the draft, submitted, cancelled or early-ended ones
    assert figures["quota"] == 20
    assert figures["covered_share_of_quota"] == 20.0
    assert figures["paid_to_bpjs"] == 2_000_000
    assert figures["committed_cost"] == int(committed_cost(program.current))
    assert (figures["claims_filed"], figures["claims_approved"], figures["claims_paid"]) == (3, 1, 0)
    assert figures["benefits_paid"] == 0
    assert [p["code"] for p in figures["programs"]] == ["NOW"]
    assert (figures["programs"][0]["registered"], figures["programs"][0]["active"]) == (4, 4)


@pytest.mark.django_db
def test_program_whose_period_is_over_counts_its_ended_coverage(client, official, program):
    figures = summary(client, official, "funding=PAST")

    assert figures["covered"] == 2  # w1 and w9; the cancelled w10 is not covered
    assert figures["active"] == 0
    assert (figures["claims_paid"], figures["benefits_paid"]) == (2, 84_000_000)
    assert figures["paid_to_bpjs"] == 1_500_000


@pytest.mark.django_db
def test_year_selects_the_sources_of_that_fiscal_year(client, official, program):
    by_year = summary(client, official, f"year={program.today.year - 1}")
    by_code = summary(client, official, "funding=PAST")

    assert by_year["year"] == program.today.year - 1
    for key in ("covered", "quota", "budget", "committed_cost", "paid_to_bpjs", "claims_filed", "benefits_paid"):
        assert by_year[key] == by_code[key]


@pytest.mark.django_db
def test_kecamatan_filter_narrows_people_and_claims_but_not_money(client, official, program):
    everywhere = summary(client, official, "funding=NOW")
    figures = summary(client, official, f"funding=NOW&kecamatan={KEC_A}")

    assert figures["kecamatan"] == KEC_A
    assert figures["covered"] == 3  # w1, w2, w3 live in kecamatan Lamandau; w4 does not
    assert figures["claims_filed"] == 2
    for key in ("quota", "budget", "committed_cost", "paid_to_bpjs"):
        assert figures[key] == everywhere[key]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, sources, kecamatan",
    [
        ("", ["current"], None),  # no filter: the year of the program running today
        ("year=all", None, None),
        ("funding=NOW", ["current"], None),
        ("funding=PAST", ["past"], None),
        ("year=all&kecamatan=62.09.01", None, "62.09.01"),
        ("kecamatan=62.09.02", ["current"], "62.09.02"),
        ("funding=PAST&kecamatan=62.09.02", ["past"], "62.09.02"),
    ],
)
def test_headline_figures_equal_a_recount_of_the_records(client, official, program, query, sources, kecamatan):
    expected = recount(program, sources=[getattr(program, s) for s in sources] if sources else None, kecamatan=kecamatan)

    figures = summary(client, official, query)

    assert {key: figures[key] for key in expected} == expected


@pytest.mark.django_db
def test_regions_add_up_to_the_headline_and_a_kecamatan_opens_its_desa(client, official, program):
    client.force_login(official)
    everywhere = client.get("/dashboard/api/regions?funding=NOW").json()
    kecamatan = client.get(f"/dashboard/api/regions?funding=NOW&kecamatan={KEC_A}").json()

    assert len(everywhere["kecamatan"]) == 8
    assert sum(row["covered"] for row in everywhere["kecamatan"]) == 4
    assert sum(row["claims_filed"] for row in everywhere["kecamatan"]) == 3
    assert everywhere["desa"] == []
    assert [row["code"] for row in kecamatan["kecamatan"]] == [KEC_A]
    desa = {row["code"]: row["covered"] for row in kecamatan["desa"]}
    assert desa[DESA_A1] == 2 and desa[DESA_A2] == 1
    assert sum(desa.values()) == 3


@pytest.mark.django_db
def test_kecamatan_below_80_percent_of_its_target_stands_out(client, official, program):
    from enrollment.models import Kecamatan
    from funding.models import KecamatanTarget

    KecamatanTarget.objects.create(funding_source=program.current, kecamatan=Kecamatan.objects.get(code=KEC_A), target=3)
    KecamatanTarget.objects.create(funding_source=program.current, kecamatan=Kecamatan.objects.get(code="62.09.02"), target=2)
    client.force_login(official)

    rows = {row["code"]: row for row in client.get("/dashboard/api/regions?funding=NOW").json()["kecamatan"]}

    assert (rows[KEC_A]["covered"], rows[KEC_A]["target"], rows[KEC_A]["target_share"], rows[KEC_A]["low"]) == (3, 3, 100.0, False)
    assert (rows["62.09.02"]["covered"], rows["62.09.02"]["target_share"], rows["62.09.02"]["low"]) == (1, 50.0, True)


@pytest.mark.django_db
def test_groups_by_sex_age_band_and_occupation(client, official, program):
    client.force_login(official)

    groups = client.get("/dashboard/api/groups?year=all").json()

    assert {row["code"]: row["covered"] for row in groups["sex"]} == {"L": 3, "P": 2}
    assert {row["name"]: row["covered"] for row in groups["age_band"]} == {
        "< 25": 1, "25–34": 2, "35–44": 0, "45–54": 1, "55–64": 1, "≥ 65": 0,
    }
    occupations = {row["code"]: row["covered"] for row in groups["occupation"]}
    assert occupations["petani-sawit"] == 2 and occupations["ojek"] == 1 and occupations["nelayan"] == 0


@pytest.mark.django_db
def test_months_count_enrolments_by_start_and_claims_by_filing(client, official, program):
    client.force_login(official)

    months = client.get("/dashboard/api/monthly?year=all").json()["months"]

    assert months[0]["month"] == f"{program.today.year - 1}-01"
    assert months[-1]["month"] == max(
        program.current.period_start.strftime("%Y-%m"), program.today.strftime("%Y-%m")
    )
    assert sum(row["enrolments"] for row in months) == 6  # covered coverages: 4 running + 2 of the past program
    assert sum(row["claims_filed"] for row in months) == 5
    assert sum(row["claims_paid"] for row in months) == 2
    june = next(row for row in months if row["month"] == f"{program.today.year - 1}-06")
    assert (june["claims_filed"], june["claims_paid"]) == (2, 2)
    assert len({row["month"] for row in months}) == len(months)  # consecutive, no repeats


@pytest.mark.django_db
def test_page_shows_the_same_headline_as_the_api(client, official, program):
    client.force_login(official)
    figures = client.get("/dashboard/api/summary?funding=PAST").json()

    html = client.get("/dashboard/?funding=PAST").content.decode()

    assert '<span id="covered">2</span>' in html
    assert '<span id="quota">10</span>' in html
    assert f'id="committed-cost">{format_rupiah(figures["committed_cost"])}<' in html
    assert 'id="benefits-paid">Rp84.000.000<' in html
    assert 'data-chart="kecamatan"' in html and 'data-chart="enrolments"' in html


@pytest.mark.django_db
def test_all_years_put_each_years_quota_side_by_side_and_never_add_them(client, official, program):
    import io

    import openpyxl

    figures = summary(client, official, "year=all")
    client.force_login(official)
    html = client.get("/dashboard/?year=all").content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?year=all").content))

    years = {row["year"]: row for row in figures["per_year"]}
    assert set(years) == {program.today.year, program.today.year - 1}
    assert (years[program.today.year]["quota"], years[program.today.year - 1]["quota"]) == (20, 10)
    assert years[program.today.year]["covered"] == 4  # w1, w2, w3, w4
    assert years[program.today.year - 1]["covered"] == 2  # w1, w9
    assert years[program.today.year]["covered_share_of_quota"] == 20.0
    assert figures["covered_share_of_quota"] is None
    assert 'id="per-year"' in html and 'id="quota"' not in html
    assert '<option value="all" selected>' in html
    per_year = [row for row in book["Per tahun"].iter_rows(min_row=2, values_only=True)]
    assert [(row[0], row[2]) for row in per_year] == [(program.today.year, 20), (program.today.year - 1, 10)]
    ringkasan = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert ringkasan["Kuota pekerja"] == "per tahun: lihat lembar Per tahun"


@pytest.mark.django_db
def test_no_filter_opens_on_the_year_of_the_program_running_today(client, official, program):
    figures = summary(client, official)
    client.force_login(official)
    html = client.get("/dashboard/").content.decode()

    assert figures["filters"] == {"funding": None, "year": program.today.year, "kecamatan": None, "all_years": False}
    assert [p["code"] for p in figures["programs"]] == ["NOW"] and figures["per_year"] == []
    assert f'<option value="{program.today.year}" selected>' in html
    assert figures["covered_share_of_quota"] == 20.0  # 4 of 20
