"""The "Done when" of issue 6 on the demo data: the dashboard shows what seed_demo wrote (seeded
and viewed on 5 December 2026; core/tests/test_seed_demo_today.py moves the day)."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from conftest import PASSWORD
from demo.builders import on_day
from enrollment.models import Worker
from funding.models import ContributionPayment

from demo.builders import claim


TODAY = datetime.date(2026, 12, 5)


@pytest.fixture
def today():
    with on_day(TODAY):
        yield TODAY


@pytest.fixture
def demo(db, today):
    call_command("seed_demo", password=PASSWORD, force=True, stdout=io.StringIO())
    # The news item: BPJS paid JKM to the heirs of the two DBH Sawit 2024 workers who died
    # (R-JKM-1: Rp42.000.000 each). Added here unless seed_demo already records them.
    if not Claim.objects.filter(kind=Claim.Kind.JKM_DEATH, status=Claim.Status.PAID).exists():
        for worker in Worker.objects.filter(died_on__isnull=False):
            filed = timezone.make_aware(datetime.datetime(2025, 1, 6, 10))
            claim(worker.coverages.get(funding_source__code="DBH-SAWIT-2024"), status=Claim.Status.PAID,
                  kind=Claim.Kind.JKM_DEATH, filed=filed, paid_amount=42_000_000)


@pytest.fixture
def pimpinan(client, demo):
    client.force_login(get_user_model().objects.get(username="pimpinan"))
    return client


def test_dbh_sawit_2025_shows_3200_covered_workers_and_the_regulations_cost(pimpinan):
    figures = pimpinan.get("/dashboard/api/summary?funding=DBH-SAWIT-2025").json()
    regions = pimpinan.get("/dashboard/api/regions?funding=DBH-SAWIT-2025").json()

    assert (figures["covered"], figures["quota"], figures["covered_share_of_quota"]) == (3200, 3200, 100.0)
    # R-COST-1: 3,200 workers × Rp16.800 × 12 months.
    assert figures["committed_cost"] == 645_120_000 == figures["budget"]
    paid = sum(p.amount for p in ContributionPayment.objects.filter(funding_source__code="DBH-SAWIT-2025"))
    assert figures["paid_to_bpjs"] == paid
    assert [(row["covered"], row["target"]) for row in regions["kecamatan"]] == [(400, 400)] * 8


def test_dbh_sawit_2024_shows_two_paid_jkm_claims_of_rp84_million(pimpinan):
    figures = pimpinan.get("/dashboard/api/summary?funding=DBH-SAWIT-2024").json()
    html = pimpinan.get("/dashboard/?funding=DBH-SAWIT-2024").content.decode()

    assert figures["covered"] == 1885  # ended coverage of a program whose period is over
    assert figures["committed_cost"] == 158_340_000  # R-COST-1: 1,885 × Rp16.800 × 5
    assert (figures["claims_paid"], figures["benefits_paid"]) == (2, 84_000_000)
    assert figures["claims_filed"] == Claim.objects.filter(coverage__funding_source__code="DBH-SAWIT-2024").count()
    assert '<span id="covered">1.885</span>' in html
    assert '<span id="claims-paid">2</span>' in html
    assert 'id="benefits-paid">Rp84.000.000<' in html


def test_all_years_count_the_workers_renewed_year_after_year_once(pimpinan):
    figures = pimpinan.get("/dashboard/api/summary?year=all").json()

    covered = Worker.objects.filter(coverages__status__in=["active", "ended"]).distinct().count()
    assert figures["covered"] == covered == 3322  # 3,200 of 2025 (renewed into 2026), 120 new in 2026, two who died in 2024
    assert figures["committed_cost"] == sum(row["committed_cost"] for row in figures["per_year"])
    # 2026: 3,320 enrolled, less the worker whose approved death ended the coverage (issue 15).
    assert {row["year"]: row["covered"] for row in figures["per_year"]} == {2027: 0, 2026: 3319, 2025: 3200, 2024: 1885}
    assert figures["covered_share_of_quota"] is None  # quotas of different years are never added into one ratio
    html = pimpinan.get("/dashboard/?year=all").content.decode()
    assert 'id="per-year"' in html and 'id="quota"' not in html


def test_the_dashboard_opens_on_the_program_running_today_with_its_renewal(pimpinan):
    figures = pimpinan.get("/dashboard/api/summary").json()
    html = pimpinan.get("/dashboard/").content.decode()

    assert (figures["year"], [p["code"] for p in figures["programs"]]) == (2026, ["DBH-SAWIT-2026"])
    assert (figures["quota"], figures["covered_share_of_quota"]) == (4000, round(100 * figures["covered"] / 4000, 1))
    assert '<option value="2026" selected>' in html and '<option value="all">' in html
    (renewal,) = figures["renewal"]
    assert (renewal["code"], renewal["next_code"], renewal["days_left"]) == ("DBH-SAWIT-2026", "DBH-SAWIT-2027", 26)
    assert renewal["renewed"] == 0 and renewal["waiting"] == 3320 - 1 - 16 - 3
    # Pimpinan sees the small reasons as "<5" (UU 27/2022): one death, three covered elsewhere.
    assert {row["reason"]: row["count"] for row in renewal["skipped"]} == {"died": "<5", "age": 16, "covered": "<5", "period": 0}
    assert 'id="renewal-DBH-SAWIT-2026"' in html


def test_excel_export_holds_the_figures_of_the_page(pimpinan):
    summary = pimpinan.get("/dashboard/api/summary?funding=DBH-SAWIT-2025&kecamatan=62.09.03").json()
    regions = pimpinan.get("/dashboard/api/regions?funding=DBH-SAWIT-2025&kecamatan=62.09.03").json()

    response = pimpinan.get("/dashboard/export.xlsx?funding=DBH-SAWIT-2025&kecamatan=62.09.03")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="dasbor-cakupan-dbh-sawit-2025-620903-')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ringkasan", "Program", "Kecamatan", "Desa", "Pekerjaan", "Jenis kelamin",
                               "Kelompok umur", "Per bulan"]
    rows = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True) if row and row[0]}
    assert rows["Cakupan"] == "DBH Sawit 2025 · Kecamatan Bulik"
    assert rows["Pekerja tercakup"] == summary["covered"] == 400
    assert rows["Iuran terkomitmen (Rp, R-COST-1)"] == summary["committed_cost"] == 645_120_000
    money = next(row for row in book["Ringkasan"].iter_rows() if row[0].value == "Anggaran (Rp)")
    assert money[1].number_format == "#,##0"
    desa = {row[0]: row[2] for row in book["Desa"].iter_rows(min_row=2, values_only=True)}
    assert desa == {row["code"]: row["covered"] for row in regions["desa"]}
