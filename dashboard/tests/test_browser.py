"""The regent's staff open the dashboard in Chromium, switch the funding source and see the
figures and the chart follow; a screenshot of each view is kept for review."""

import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Claim
from conftest import PASSWORD
from enrollment.models import Coverage, Worker

from demo.builders import claim


@pytest.fixture
def browser_context_args(browser_context_args):
    # Indonesian first, as the regency's browsers are: numbers read 1.885, months Agu, Des.
    return {**browser_context_args, "locale": "id-ID", "viewport": {"width": 1280, "height": 900}}


def bar_values(page, chart):
    return page.locator(f'svg[data-chart="{chart}"] g.bar').evaluate_all(
        "bars => bars.map(bar => bar.dataset.label + '=' + bar.dataset.value)"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pimpinan_switches_the_funding_source_and_sees_figures_and_chart_change(page, live_server, login, artifacts):
    call_command("seed_demo", password=PASSWORD, force=True, stdout=io.StringIO())
    for worker in Worker.objects.filter(died_on__isnull=False):
        if not worker.claims.exists():
            claim(worker.coverages.get(), status=Claim.Status.PAID, kind=Claim.Kind.JKM_DEATH,
                  filed=timezone.make_aware(datetime.datetime(2025, 1, 6, 10)), paid_amount=42_000_000)
    pimpinan = get_user_model().objects.get(username="pimpinan")

    # The demo lives in today's date (not pinned here: the browser's cookies follow the real clock).
    year = timezone.localdate().year
    running = Coverage.objects.filter(funding_source__fiscal_year=year, status="active").values("worker").distinct().count()

    login(page, pimpinan, "/dashboard/")
    expect(page.locator("h1")).to_have_text("Dasbor cakupan")
    # It opens on the program running today, with its year chosen in the filter.
    expect(page.locator("#filter-year")).to_have_value(str(year))
    expect(page.locator("#covered")).to_have_text(f"{running:,}".replace(",", "."))
    expect(page.locator("#quota")).to_have_text("4.000")
    everything = bar_values(page, "kecamatan")
    page.screenshot(path=artifacts / "dashboard-tahun-berjalan.png", full_page=True)

    page.select_option("#filter-funding", label="DBH Sawit 2024")  # the page reloads by itself
    page.wait_for_url(re.compile(r"funding=DBH-SAWIT-2024"))

    expect(page.locator("#scope")).to_contain_text("DBH Sawit 2024")
    expect(page.locator("#covered")).to_have_text("1.885")
    expect(page.locator("#quota")).to_have_text("1.885")
    expect(page.locator("#committed-cost")).to_have_text("Rp158.340.000")
    expect(page.locator("#claims-paid")).to_have_text("2")
    expect(page.locator("#benefits-paid")).to_have_text("Rp84.000.000")
    for_2024 = bar_values(page, "kecamatan")
    assert for_2024 != everything
    assert "Delang=151" in for_2024  # the thinnest kecamatan of 2024 (seed_demo), first and in red
    expect(page.locator('svg[data-chart="kecamatan"] g.bar').first).to_have_attribute("data-label", "Delang")
    expect(page.locator('svg[data-chart="kecamatan"] g.bar.low').first).to_have_attribute("data-label", "Delang")
    expect(page.locator('svg[data-chart="claims"] g.column.hidden')).not_to_have_count(0)  # 2 claims: "<5"
    page.screenshot(path=artifacts / "dashboard-dbh-sawit-2024.png", full_page=True)

    page.locator('svg[data-chart="kecamatan"] g.bar[data-label="Delang"] a').click()  # desa on click
    page.wait_for_url(re.compile(r"kecamatan=62\.09\.02"))
    expect(page.locator("h2#wilayah")).to_have_text("Kecamatan Delang: per desa")
    expect(page.locator('svg[data-chart="desa"] g.bar')).not_to_have_count(0)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=artifacts / "dashboard-delang-ponsel.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
