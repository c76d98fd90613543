"""UU 27/2022: Pimpinan (no claims.view_claim_personal_data) see no personal data beyond what a
decision needs: masked NIK and names, no KPJ, no desa, no heir's name (the relationship only), no
bank data. The kecamatan and the amounts stay. Staff who handle claims see everything."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from claims.services import ChildRequest
from demo.builders import file_claim, make_paid_claim
from core.privacy import mask_name, mask_nik
from demo.builders import make_heir
from enrollment.models import Heir

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)


@pytest.fixture
def paid(coverage, spouse, official, bpjs_staff):
    child = make_heir(coverage.worker, relationship=Heir.Relationship.CHILD, full_name="RINA SANTOSO",
                      birth_date=datetime.date(2012, 7, 1), bank_name="", bank_account_number="", bank_account_holder="")
    return make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=DEATH_DAY,
                           claimant=spouse, kind="jkk_death", event_place="Kebun sawit Desa Tapin Bini",
                           description="Tertimpa pohon sawit.", children=[ChildRequest(child, "smp")],
                           reference="TRF-PRIV-1")


def personal_data(claim):
    """What only staff may see, as it would appear on a page or in a cell."""
    worker = claim.worker
    return {
        "worker name": worker.full_name,
        "NIK": worker.nik,
        "KPJ": claim.coverage.kpj_number,
        "desa": worker.desa.name,
        "heir name": "SITI AMINAH",
        "child name": "RINA SANTOSO",
        "bank name": "Bank Kalteng",
        "account": "1234567890",
        "payment reference": "TRF-PRIV-1",
        "event place": "Kebun sawit",
        "description": "Tertimpa pohon",
    }


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def workbook_values(client, user):
    client.force_login(user)
    response = client.get(reverse("claims:export"), {"status": "all"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], [str(value) for row in rows for value in row if value is not None]


def test_leadership_claim_page_shows_no_personal_data(client, paid, leader):
    html = page(client, leader, reverse("claims:detail", args=[paid.pk]))
    for what, value in personal_data(paid).items():
        assert value not in html, what
    assert mask_name("BUDI SANTOSO") in html and mask_nik(paid.worker.nik) in html
    assert paid.worker.desa.kecamatan.name in html
    assert "Istri/suami" in html  # the heir's relationship, not the name
    assert "Rp72.000.000" in html  # JKK death Rp70.000.000 + SMP scholarship Rp2.000.000: amounts stay
    assert 'id="kpj"' not in html and 'id="bank-name"' not in html and 'id="payment-reference"' not in html


def test_staff_claim_page_shows_what_they_handle(client, paid, bpjs_staff):
    html = page(client, bpjs_staff, reverse("claims:detail", args=[paid.pk]))
    for what, value in personal_data(paid).items():
        assert value in html, what


def test_leadership_queue_masks_the_worker_name(client, paid, leader, bpjs_staff):
    table = page(client, leader, reverse("claims:queue"), status="all").split('id="claims"')[1]
    assert "BUDI SANTOSO" not in table and mask_name("BUDI SANTOSO") in table
    assert paid.worker.nik not in table
    staff_table = page(client, bpjs_staff, reverse("claims:queue"), status="all").split('id="claims"')[1]
    assert "BUDI SANTOSO" in staff_table


def test_leadership_excel_has_no_personal_data(client, paid, leader):
    header, values = workbook_values(client, leader)
    for column in ("Nomor KPJ", "Desa", "Tempat kejadian", "Penerima", "Bank", "Nomor rekening", "Referensi bank"):
        assert column not in header
    flat = " | ".join(values)
    for what, value in personal_data(paid).items():
        assert value not in flat, what
    assert mask_name("BUDI SANTOSO") in values and mask_nik(paid.worker.nik) in values
    assert paid.worker.desa.kecamatan.name in values
    assert "Istri/suami" in values
    assert "72000000" in values


def test_staff_excel_has_the_personal_data(client, paid, bpjs_staff):
    header, values = workbook_values(client, bpjs_staff)
    for column in ("Nomor KPJ", "Desa", "Kecamatan", "Penerima", "Bank", "Nomor rekening", "Referensi bank"):
        assert column in header
    flat = " | ".join(values)
    for what, value in personal_data(paid).items():
        if what not in ("child name", "description"):  # the export has neither column
            assert value in flat, what


def test_the_stored_breakdown_names_no_child(paid):
    """Breakdown labels are shown to every reader: the child is named on the scholarship table only."""
    labels = " ".join(item["label"] for item in paid.benefit_breakdown)
    assert "RINA" not in labels
    assert "Beasiswa SMP tahun ajaran" in labels


def test_leadership_sees_scholarship_notes_with_masked_names(client, coverage, spouse, official, leader, bpjs_staff):
    """A refusal note names the child for staff and masks the name for Pimpinan."""
    old = make_heir(coverage.worker, relationship=Heir.Relationship.CHILD, full_name="ANDI SANTOSO",
                    birth_date=datetime.date(2000, 1, 5))
    claim = file_claim(coverage=coverage, by=official, kind="jkk_death", event_date=DEATH_DAY, claimant=spouse,
                       children=[ChildRequest(old, "higher")])
    assert "A*** S******" in page(client, leader, reverse("claims:detail", args=[claim.pk]))
    assert "ANDI SANTOSO berusia 26 tahun" in page(client, bpjs_staff, reverse("claims:detail", args=[claim.pk]))
