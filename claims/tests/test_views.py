"""Claim pages: who may open what, what each role sees, the forms, the queue's query count, the export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from claims.models import Claim, ClaimDocument
from claims.services import approve_claim, verify_claim
from demo.builders import file_claim, make_coverage, make_paid_claim, pdf_bytes, upload, upload_required
from core.privacy import mask_nik
from demo.builders import make_heir, make_worker

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)
ROLES = ["official", "bpjs_staff", "leader", "superuser", "outsider"]


@pytest.fixture
def claim(coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    return claim


def as_user(client, request, role):
    client.force_login(request.getfixturevalue(role))
    return client


# --- Access -------------------------------------------------------------------------------------------

VIEWERS = {"official", "bpjs_staff", "leader", "superuser"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, allowed", [
    ("claims:queue", VIEWERS),
    ("claims:export", VIEWERS),
    ("claims:new", {"official", "superuser"}),
])
def test_list_pages_by_role(client, request, claim, role, name, allowed):
    response = as_user(client, request, role).get(reverse(name))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("role", ROLES)
def test_claim_page_by_role(client, request, claim, role):
    response = as_user(client, request, role).get(reverse("claims:detail", args=[claim.pk]))
    assert response.status_code == (200 if role in VIEWERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_documents_are_served_only_to_staff_who_need_them(client, request, claim, role):
    document = claim.documents.first()
    response = as_user(client, request, role).get(reverse("claims:document", args=[claim.pk, document.pk]))
    if role in {"official", "bpjs_staff", "superuser"}:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"].startswith("private")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    else:
        assert response.status_code == 403


def test_a_document_is_only_reachable_through_its_own_claim(client, claim, official, coverage):
    other = make_worker(full_name="ANDI WIJAYA")
    other_claim = file_claim(coverage=make_coverage(other, coverage.funding_source), by=official, event_date=DEATH_DAY,
                             claimant=make_heir(other))
    client.force_login(official)
    document = claim.documents.first()
    assert client.get(reverse("claims:document", args=[other_claim.pk, document.pk])).status_code == 404


def test_anonymous_users_are_sent_to_login(client, claim):
    for url in (reverse("claims:queue"), reverse("claims:detail", args=[claim.pk]), reverse("claims:export")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


POST_VIEWS = {
    "claims:verify": {"bpjs_staff", "superuser"},
    "claims:approve": {"bpjs_staff", "superuser"},
    "claims:reject": {"bpjs_staff", "superuser"},
    "claims:pay": {"bpjs_staff", "superuser"},
    "claims:upload": {"official", "superuser"},
}


@pytest.mark.parametrize("name", list(POST_VIEWS))
def test_actions_refuse_get(client, claim, superuser, name):
    client.force_login(superuser)
    assert client.get(reverse(name, args=[claim.pk])).status_code == 405


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(POST_VIEWS))
def test_actions_by_role(client, request, claim, role, name):
    response = as_user(client, request, role).post(reverse(name, args=[claim.pk]), {"reason": "x"})
    if role in POST_VIEWS[name]:
        assert response.status_code == 302  # done or explained on the claim page
    else:
        assert response.status_code == 403
    claim.refresh_from_db()
    if role not in POST_VIEWS[name]:
        assert claim.status == Claim.Status.SUBMITTED


# --- What each role sees ---------------------------------------------------------------------------------


def test_bpjs_staff_see_the_checklist_breakdown_and_allowed_buttons(client, claim, bpjs_staff):
    client.force_login(bpjs_staff)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "Santunan sekaligus (R-JKM-1)" in page and "Rp20.000.000" in page and "Rp42.000.000" in page
    assert 'data-check="documents" data-ok="1"' in page
    assert 'id="verify"' in page and 'id="reject"' in page
    assert 'id="approve"' not in page and 'id="pay"' not in page and 'id="upload"' not in page
    assert claim.worker.nik in page and "1234567890" in page


def test_the_operator_sees_upload_but_no_decision_buttons(client, claim, official):
    client.force_login(official)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert 'id="upload"' in page
    for button in ('id="verify"', 'id="approve"', 'id="reject"', 'id="pay"'):
        assert button not in page


def test_leadership_reads_without_personal_data_documents_or_buttons(client, claim, leader):
    client.force_login(leader)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert mask_nik(claim.worker.nik) in page
    assert claim.worker.nik not in page
    assert "1234567890" not in page
    assert 'id="actions"' not in page and 'id="upload-form"' not in page
    assert reverse("claims:document", args=[claim.pk, claim.documents.first().pk]) not in page
    assert "Rp42.000.000" in page


def test_leadership_queue_masks_nik_and_cannot_search_by_it(client, claim, leader):
    client.force_login(leader)
    response = client.get(reverse("claims:queue"), {"q": "TIDAK ADA"})
    assert len(response.context["rows"]) == 1  # the search box is for roles that see personal data
    table = response.content.decode().split('id="claims"')[1]
    assert claim.worker.nik not in table
    assert mask_nik(claim.worker.nik) in table


def test_approve_button_is_hidden_from_the_staff_member_who_filed_the_claim(client, coverage, spouse, superuser, bpjs_staff):
    claim = file_claim(coverage=coverage, by=superuser, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=superuser)
    verify_claim(claim=claim, by=bpjs_staff)
    client.force_login(superuser)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert 'id="approve"' not in page and "petugas lain yang menyetujui" in page
    response = client.post(reverse("claims:approve", args=[claim.pk]), follow=True)
    assert "sendiri" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFIED


def test_refusals_are_shown_on_the_claim_page(client, coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    client.force_login(bpjs_staff)
    page = client.post(reverse("claims:verify", args=[claim.pk]), follow=True).content.decode()
    assert "Belum ada: KTP pekerja" in page


def test_paid_claim_page_shows_payment_and_no_buttons(client, coverage, spouse, official, bpjs_staff):
    claim = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=DEATH_DAY, claimant=spouse)
    client.force_login(bpjs_staff)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "TRF-0001" in page and 'id="actions"' not in page
    assert "Dibayar" in page


# --- Forms -----------------------------------------------------------------------------------------------


def _form_data(own_coverage, spouse, **overrides):
    data = {"coverage": own_coverage.pk, "kind": Claim.Kind.JKM_DEATH, "event_date": "2025-06-14", "event_place": "Kudangan",
            "claimant": spouse.pk, "description": ""}
    data.update(overrides)
    return data


def test_operator_files_a_claim_by_nik(client, coverage, spouse, official):
    client.force_login(official)
    url = reverse("claims:new")
    page = client.get(url, {"nik": coverage.worker.nik}).content.decode()
    assert "BUDI SANTOSO" in page and 'id="claim-form"' in page
    response = client.post(f"{url}?nik={coverage.worker.nik}", _form_data(coverage, spouse))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("claims:detail", args=[claim.pk])
    assert (claim.submitted_by, claim.benefit_amount, claim.event_place) == (official, Decimal("42000000"), "Kudangan")


def test_unknown_nik_is_explained(client, official):
    client.force_login(official)
    page = client.get(reverse("claims:new"), {"nik": "6209 0112 0585 0001"}).content.decode()
    assert "Tidak ada pekerja dengan NIK 6209011205850001" in page


def test_claim_form_shows_the_rules_refusal(client, coverage, spouse, parent, official):
    client.force_login(official)
    response = client.post(f"{reverse('claims:new')}?nik={coverage.worker.nik}", _form_data(coverage, spouse, claimant=parent.pk))
    assert response.status_code == 200
    assert "tidak berhak selama ada ahli waris golongan lebih tinggi" in response.content.decode()
    assert not Claim.objects.exists()


def test_claim_form_offers_only_the_workers_coverage_and_heirs(client, coverage, spouse, official):
    other = make_worker(full_name="ANDI WIJAYA")
    foreign_heir = make_heir(other, full_name="ORANG LAIN")
    foreign_coverage = make_coverage(other, coverage.funding_source)
    client.force_login(official)
    url = f"{reverse('claims:new')}?nik={coverage.worker.nik}"
    page = client.post(url, _form_data(coverage, spouse, claimant=foreign_heir.pk, coverage=foreign_coverage.pk)).content.decode()
    assert page.count("Masukkan pilihan yang valid") == 2
    assert not Claim.objects.exists()


def test_upload_view_refuses_a_fake_pdf(client, coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    client.force_login(official)
    response = client.post(reverse("claims:upload", args=[claim.pk]),
                           {"kind": ClaimDocument.Kind.KTP_WORKER, "file": upload("ktp.pdf", b"<html>x</html>")}, follow=True)
    assert "ktp.pdf bukan PDF, JPEG atau PNG" in response.content.decode()
    assert not ClaimDocument.objects.exists()
    response = client.post(reverse("claims:upload", args=[claim.pk]),
                           {"kind": ClaimDocument.Kind.KTP_WORKER, "file": upload("ktp.pdf", pdf_bytes())}, follow=True)
    assert "Dokumen KTP pekerja: ktp.pdf diunggah" in response.content.decode()


def test_pay_view_records_the_payment(client, claim, bpjs_staff, other_staff):
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=other_staff)
    client.force_login(bpjs_staff)
    response = client.post(reverse("claims:pay", args=[claim.pk]), {
        "paid_on": timezone.localdate().isoformat(), "amount": "42000000", "reference": "BKT/2025/77"}, follow=True)
    assert "Pembayaran klaim" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount, claim.payment_reference) == (Claim.Status.PAID, Decimal("42000000"), "BKT/2025/77")


# --- Work queue: constant number of queries --------------------------------------------------------------


def _many_claims(n, funding, official):
    for i in range(n):
        worker = make_worker(full_name=f"PEKERJA {i}")
        file_claim(coverage=make_coverage(worker, funding), by=official, kind=Claim.Kind.JKK_MEDICAL,
                   event_date=datetime.date(2025, 3, 1) + datetime.timedelta(days=i),
                   hospital_bill=Decimal("1000000") + i, bank_name="BRI", bank_account_number="1", bank_account_holder="X")


@pytest.mark.parametrize("status", ["open", "all"])
def test_queue_query_count_does_not_grow_with_claims(client, funding_2025, bpjs_staff, official, django_assert_max_num_queries, status):
    client.force_login(bpjs_staff)
    _many_claims(3, funding_2025, official)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("claims:queue"), {"status": status}).status_code == 200
    _many_claims(30, funding_2025, official)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("claims:queue"), {"status": status})
    assert response.content.decode().count('href="/klaim/') >= 33


def test_queue_shows_oldest_first_with_age(client, funding_2025, bpjs_staff, official):
    _many_claims(3, funding_2025, official)
    Claim.objects.filter(hospital_bill=Decimal("1000001")).update(
        submitted_at=datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC))
    client.force_login(bpjs_staff)
    rows = client.get(reverse("claims:queue")).context["rows"]
    assert rows[0]["claim"].hospital_bill == Decimal("1000001")
    assert rows[0]["age"] > 365
    assert rows[1]["age"] == 0


def test_queue_filters_by_status(client, claim, coverage, bpjs_staff):
    verify_claim(claim=claim, by=bpjs_staff)
    client.force_login(bpjs_staff)
    assert len(client.get(reverse("claims:queue"), {"status": "submitted"}).context["rows"]) == 0
    assert len(client.get(reverse("claims:queue"), {"status": "verified"}).context["rows"]) == 1
    tabs = dict((value, count) for value, _label, count in client.get(reverse("claims:queue")).context["tabs"])
    assert tabs["open"] == 1 and tabs["verified"] == 1 and tabs["all"] == 1


# --- Excel export ----------------------------------------------------------------------------------------


def _sheet(response):
    workbook = load_workbook(io.BytesIO(b"".join([response.content])))
    return workbook.active


def test_export_reads_back_with_nik_as_text_and_money_as_numbers(client, coverage, spouse, official, bpjs_staff):
    make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=DEATH_DAY, claimant=spouse)
    client.force_login(bpjs_staff)
    response = client.get(reverse("claims:export"), {"status": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(_sheet(response).iter_rows())
    header = [cell.value for cell in rows[0]]
    row = dict(zip(header, rows[1], strict=True))
    assert row["NIK pekerja"].value == coverage.worker.nik and row["NIK pekerja"].data_type == "s"
    assert row["NIK pekerja"].number_format == "@"
    assert row["Manfaat (Rp)"].value == 42000000 and row["Manfaat (Rp)"].number_format == "#,##0"
    assert row["Dibayar (Rp)"].value == 42000000
    assert row["Nomor rekening"].value == "1234567890"
    assert row["Status"].value == "Dibayar"
    assert row["Tanggal kejadian"].value.date() == DEATH_DAY


def test_export_neutralises_formulas(client, coverage, spouse, official, bpjs_staff):
    file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse,
               event_place='=HYPERLINK("http://evil.example","klik")')
    client.force_login(bpjs_staff)
    rows = list(_sheet(client.get(reverse("claims:export"))).iter_rows(values_only=False))
    header = [cell.value for cell in rows[0]]
    cell = rows[1][header.index("Tempat kejadian")]
    # core.xlsx.safe_cell: a string cell with Excel's quote prefix, the text itself unchanged.
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value == '=HYPERLINK("http://evil.example","klik")'


def test_leadership_export_masks_nik_and_omits_account_numbers(client, claim, leader):
    client.force_login(leader)
    rows = list(_sheet(client.get(reverse("claims:export"))).iter_rows(values_only=True))
    assert "Nomor rekening" not in rows[0]
    flat = [str(v) for row in rows for v in row if v is not None]
    assert mask_nik(claim.worker.nik) in flat
    assert claim.worker.nik not in flat and "1234567890" not in flat
