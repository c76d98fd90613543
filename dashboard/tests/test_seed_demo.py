"""The "Done when" of issue 6 on the demo data: the dashboard shows what seed_demo wrote."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from conftest import PASSWORD
from enrollment.models import Worker
from funding.models import ContributionPayment

from .builders import claim


@pytest.fixture
def demo(db):
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


def test_all_sources_count_the_workers_renewed_into_2025_once(pimpinan):
    figures = pimpinan.get("/dashboard/api/summary").json()

    covered = Worker.objects.filter(coverages__status__in=["active", "ended"]).distinct().count()
    assert figures["covered"] == covered == 3202  # 3,200 of 2025 and the two who died in 2024
    assert figures["committed_cost"] == 645_120_000 + 158_340_000


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
