"""In Chromium: an official whose browser asks for English still gets Bahasa Indonesia, picks EN in
the top bar, works through the claims queue and the dashboard in English, and switches back."""

import datetime

import pytest
from playwright.sync_api import expect

from demo.builders import file_claim, make_coverage
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Heir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args):
    # An English-configured browser: the language is the user's explicit choice, not Accept-Language.
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


def test_official_switches_the_top_bar_to_english_and_back(page, live_server, login, official, artifacts):
    worker = make_worker(full_name="YOHANES BAHEN")
    spouse = make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="MARIA BAHEN")
    coverage = make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 6, 14), claimant=spouse)

    login(page, official, "/klaim/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Antrean klaim JKK/JKM")

    page.select_option("header.topbar select[name=language]", "en")  # submits by itself
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{live_server.url}/klaim/"
    expect(page.locator("h1")).to_have_text("JKK/JKM claims queue")
    expect(page.locator("#status-tabs")).to_contain_text("Needs action (1)")
    expect(page.locator("#claims")).to_contain_text("JKM — death (not a work accident)")
    expect(page.locator("header.topbar")).to_contain_text("Log out (operator)")
    page.screenshot(path=artifacts / "language-claims-queue-en.png", full_page=True)

    page.click("header.topbar a[href='/dashboard/']")  # the choice holds on the next page
    expect(page.locator("h1")).to_have_text("Coverage dashboard")
    expect(page.locator("section.figures")).to_contain_text("Workers covered / quota")
    page.screenshot(path=artifacts / "language-dashboard-en.png", full_page=True)

    page.select_option("header.topbar select[name=language]", "id")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Dasbor cakupan")
