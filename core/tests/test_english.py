"""A user who picks English in the top bar (the selector posts to /i18n/setlang/, which sets the
language cookie that core.middleware.LanguageMiddleware reads) gets the pages in English; without
that choice everything stays in Bahasa Indonesia, whatever the browser asks for."""

import datetime
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from demo.builders import file_claim, make_coverage
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Heir
from enrollment.tests.test_admin_worker import ADD_URL, form_data

from .test_translations import read_po

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def indonesian_phrases():
    """Catalog msgids of three words or more whose English differs: none may be left on an English page."""
    return [
        entry["msgid"] for entry in read_po()
        if entry.get("msgid") and "%" not in entry["msgid"] and len(entry["msgid"].split()) >= 3
        and entry["msgstr"][0] != entry["msgid"]
    ]


def switch_to_english(client, next_url="/"):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def english_page(client, url, indonesian_phrases):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = unescape(response.content.decode())
    assert '<html lang="en"' in html
    left = [phrase for phrase in indonesian_phrases if phrase in html]
    assert not left, f"still in Indonesian on {url}: {left}"
    return html


@pytest.fixture
def claim(official):
    worker = make_worker(full_name="BUDI SANTOSO")
    spouse = make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="SITI AMINAH")
    coverage = make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    return file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 6, 14), claimant=spouse)


def test_indonesian_is_the_default_without_a_language_cookie(client, official):
    client.force_login(official)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response["Content-Language"] == "id" and '<html lang="id">' in html
    assert "Selamat datang" in html and "Keluar" in html and "Welcome" not in html


def test_the_top_bar_language_selector_switches_to_english_and_back(client, official):
    client.force_login(official)
    switch_to_english(client)
    html = client.get(reverse("home")).content.decode()
    assert "Welcome, operator" in html and "Log out" in html and "Programs and budget" in html
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert "Selamat datang" in client.get(reverse("home")).content.decode()


def test_the_admin_worker_form_speaks_english(client, official, indonesian_phrases):
    client.force_login(official)
    switch_to_english(client)
    html = english_page(client, ADD_URL, indonesian_phrases)
    assert "Identity (as on the KTP)" in html and "Residence and contact" in html
    assert "Full name" in html and "16 digits as on the KTP/KK." in html

    response = client.post(ADD_URL, form_data(nik="6209011205800"))
    assert response.status_code == 200
    assert "NIK must be exactly 16 digits; 13 characters were entered: 6209011205800." in response.content.decode()

    response = client.post(ADD_URL, form_data(sex="P"))
    assert response.context["adminform"].form.errors["sex"] == [
        "Sex Female does not match NIK 6209011205800001, which indicates Male."
    ]


def test_the_dashboard_speaks_english(client, leader, claim, indonesian_phrases):
    client.force_login(leader)
    switch_to_english(client)
    html = english_page(client, reverse("dashboard:index"), indonesian_phrases)
    assert "Coverage dashboard" in html and "Key figures" in html and "Workers covered per kecamatan" in html
    assert "How the figures are calculated" in html and "All funding sources" in html


def test_the_dashboard_figures_are_cached_per_language(client, leader, claim, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(leader)
    assert "Laki-laki" in client.get(reverse("dashboard:api-groups")).content.decode()
    switch_to_english(client)
    groups = client.get(reverse("dashboard:api-groups")).content.decode()
    assert "Male" in groups and "Laki-laki" not in groups


def test_the_claims_queue_speaks_english(client, bpjs_staff, claim, indonesian_phrases):
    client.force_login(bpjs_staff)
    switch_to_english(client)
    html = english_page(client, reverse("claims:queue"), indonesian_phrases)
    assert "JKK/JKM claims queue" in html and "Needs action" in html
    assert "JKM — death (not a work accident)" in html and "Submitted" in html and "Age (days)" in html


def test_the_program_pages_speak_english(client, leader, claim, indonesian_phrases):
    client.force_login(leader)
    switch_to_english(client)
    html = english_page(client, reverse("funding:list"), indonesian_phrases)
    assert "Programs and funding sources" in html and "Registered" in html and "Budget" in html
    html = english_page(client, reverse("funding:detail", args=["DBH-SAWIT-2025"]), indonesian_phrases)
    assert "Workers registered / quota" in html and "Budget left" in html and "Budget over the year" in html
    assert "DBH Sawit (through the APBD)" in html
