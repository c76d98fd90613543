"""Issue 15: the claim page explains every rupiah: the facts each benefit depends on, with source
and rule id, every claimed amount next to its cap and what is granted, the R-JKM-3 membership
chain, the R-SLA-1 working days; a history people can read, on the page and in the Excel export;
titles and labels matching the claim's content."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from claims.models import Claim
from claims.services import approve_claim, verify_claim
from demo.builders import file_claim, make_coverage, make_paid_claim, upload_required
from core.privacy import mask_name
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Heir

pytestmark = pytest.mark.django_db

BANK = dict(bank_name="BRI", bank_account_number="123", bank_account_holder="BUDI SANTOSO")
ACCIDENT = datetime.date(2025, 6, 14)


def page_of(client, user, claim, **headers):
    client.force_login(user)
    response = client.get(reverse("claims:detail", args=[claim.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def row(page, attribute, code) -> str:
    """The text of the table row ``<tr data-…="code">``, tags stripped."""
    match = re.search(rf'<tr {attribute}="{code}">(.*?)</tr>', page, re.S)
    assert match, f"no row {attribute}={code}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def jkk(coverage, official, kind=Claim.Kind.JKK_MEDICAL, **fields):
    return file_claim(coverage=coverage, by=official, kind=kind, event_date=ACCIDENT, **BANK, **fields)


# --- Facts before verdicts ----------------------------------------------------------------------------


def test_sea_transport_shows_the_claimed_amount_the_cap_and_the_amount_granted(client, coverage, official, bpjs_staff):
    claim = jkk(coverage, official, transport_mode="sea", transport_cost=Decimal("3500000"))
    assert claim.benefit_amount == Decimal("2000000")
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-claimed", "transport") == (
        "Biaya angkutan laut Rp3.500.000 Rp2.000.000 batas angkutan laut Rp2.000.000 (dibatasi) R-JKK-2")
    # A transport-only claim is titled by its content, not "perawatan dan pengobatan".
    assert '<small id="claim-title">JKK — biaya angkutan</small>' in page
    assert "perawatan dan pengobatan" not in page


def test_jkk_claims_cite_the_jkk_rule_for_the_coverage_check_never_r_jkm_2(client, coverage, official, bpjs_staff):
    page = page_of(client, bpjs_staff, jkk(coverage, official, hospital_bill=Decimal("7850000")))
    assert "Kejadian dalam masa kepesertaan JKK yang terdaftar (R-PAY-2)" in page
    assert "R-JKM-2" not in page


def test_jkm_claims_cite_r_jkm_2_for_the_coverage_check(client, coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=ACCIDENT, claimant=spouse)
    assert "Kejadian dalam masa kepesertaan JKM yang terdaftar (R-JKM-2)" in page_of(client, bpjs_staff, claim)


def test_hospital_bill_has_no_ceiling_and_home_care_is_capped(client, coverage, official, bpjs_staff):
    claim = jkk(coverage, official, hospital_bill=Decimal("7850000"), home_care_cost=Decimal("25000000"),
                transport_mode="land", transport_cost=Decimal("650000"))
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-claimed", "hospital") == (
        "Tagihan rumah sakit Rp7.850.000 tanpa batas tanpa batas, sesuai kebutuhan medis Rp7.850.000 R-JKK-1")
    assert row(page, "data-claimed", "home_care").startswith("Homecare Rp25.000.000 Rp20.000.000")
    assert row(page, "data-claimed", "home_care").endswith("Rp20.000.000 (dibatasi) R-JKK-1")
    assert row(page, "data-claimed", "transport").endswith("Rp650.000 R-JKK-2")
    assert '<small id="claim-title">JKK — perawatan, pengobatan dan biaya angkutan</small>' in page


def test_stmb_months_are_split_between_100_and_50_percent(client, coverage, official, bpjs_staff):
    page = page_of(client, bpjs_staff, jkk(coverage, official, kind=Claim.Kind.JKK_TEMPORARY, incapacity_months=15))
    assert row(page, "data-fact", "basis") == "Dasar penghasilan per bulan Rp1.000.000 Kepesertaan yang diklaim R-JKK-3"
    assert row(page, "data-fact", "stmb_months") == (
        "Lama tidak mampu bekerja (STMB) 15 bulan: 12 bulan 100%, 3 bulan 50% Formulir klaim R-JKK-3")


def test_disability_type_and_percentages_are_facts(client, coverage, official, bpjs_staff):
    claim = jkk(coverage, official, kind=Claim.Kind.JKK_DISABILITY, disability_type="functional",
                disability_percent=Decimal("10"), function_loss_percent=Decimal("50"))
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-fact", "disability_type") == "Jenis cacat Cacat sebagian fungsi Formulir klaim R-JKK-4"
    assert row(page, "data-fact", "disability_percent") == "Persentase tabel cacat 10% Formulir klaim R-JKK-4"
    assert row(page, "data-fact", "function_loss_percent") == "Persentase kehilangan fungsi 50% Formulir klaim R-JKK-4"
    assert row(page, "data-fact", "basis").endswith("R-JKK-4")


def test_a_death_one_month_into_a_renewal_shows_the_membership_that_began_the_year_before(
        client, official, bpjs_staff):
    worker = make_worker(full_name="ANDREAS LUDIN")
    make_coverage(worker, make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025"))
    renewal = make_coverage(worker, make_funding(
        code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026,
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)))
    heir = make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="LUSIA LUDIN")
    claim = file_claim(coverage=renewal, by=official, event_date=datetime.date(2026, 2, 10), claimant=heir)
    assert claim.benefit_amount == Decimal("42000000")
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-fact", "membership_start") == (
        "Mulai kepesertaan tanpa putus 01-01-2025 Riwayat kepesertaan NIK R-JKM-3")
    assert row(page, "data-fact", "membership_months") == (
        "Lama kepesertaan pada tanggal meninggal 13 bulan penuh (meninggal 10-02-2026) Riwayat kepesertaan NIK R-JKM-3")
    assert row(page, "data-fact", "early_death") == (
        "Masa awal kepesertaan (3 bulan) Tidak: masa awal berakhir 01-04-2025 Aturan program R-JKM-3")
    chain = re.search(r'<table class="data" id="membership">(.*?)</table>', page, re.S).group(1)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r"<tr data-in-chain.*?</tr>", chain, re.S)]
    assert cells == ["DBH Sawit 2025 01-01-2025 31-12-2025 awal keanggotaan",
                     "DBH Sawit 2026 01-01-2026 31-12-2026 lanjutan tanpa jeda"]


def test_an_early_death_names_the_membership_start_and_is_the_funeral_payment(client, official, bpjs_staff):
    worker = make_worker(full_name="PAULUS ITAH")
    coverage = make_coverage(worker, make_funding(
        code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026,
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31)))
    heir = make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="MARTA ITAH")
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2026, 2, 10), claimant=heir)
    assert claim.benefit_breakdown == [{
        "code": "early_death", "label": "Biaya pemakaman: meninggal dalam 3 bulan pertama kepesertaan (R-JKM-3)",
        "amount": "10000000"}]
    page = page_of(client, bpjs_staff, claim)
    assert "Santunan meninggal" not in page
    assert row(page, "data-fact", "membership_start").startswith("Mulai kepesertaan tanpa putus 01-01-2026")
    assert row(page, "data-fact", "early_death") == (
        "Masa awal kepesertaan (3 bulan) Ya: meninggal sebelum 01-04-2026, dibayar Rp10.000.000 Aturan program R-JKM-3")


def test_scholarship_shows_the_contribution_months_counted(client, coverage, spouse, child, official, bpjs_staff):
    from claims.services import ChildRequest

    claim = file_claim(coverage=coverage, by=official, event_date=ACCIDENT, claimant=spouse,
                       children=[ChildRequest(child, "smp")])
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-fact", "contribution_months").startswith("Bulan iuran terbayar (semua periode) 6 bulan (paling sedikit 36)")
    assert row(page, "data-fact", "contribution_months").endswith("R-JKM-4")
    assert "tercatat 6 bulan (R-JKM-4)" in page  # why no scholarship is granted


def test_the_due_date_shows_its_working_days(client, coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=ACCIDENT, claimant=spouse)
    page = page_of(client, bpjs_staff, claim)
    assert row(page, "data-fact", "due") == (
        "Jatuh tempo pembayaran 3 hari kerja sesudah dokumen lengkap; dokumen belum lengkap Dokumen klaim, hari libur R-SLA-1")
    upload_required(claim, by=official)
    text = row(page_of(client, bpjs_staff, claim), "data-fact", "due")
    assert re.fullmatch(r"Jatuh tempo pembayaran \d\d-\d\d-\d{4}: 3 hari kerja sesudah dokumen lengkap \d\d-\d\d-\d{4} "
                        r"\(Sabtu, Minggu dan hari libur tidak dihitung\) Dokumen klaim, hari libur R-SLA-1", text)
    jkk_claim = jkk(coverage, official, transport_mode="air", transport_cost=Decimal("1200000"))
    assert "7 hari kerja" in row(page_of(client, bpjs_staff, jkk_claim), "data-fact", "due")


def test_leadership_reads_the_facts_without_names(client, coverage, spouse, official, leader):
    claim = file_claim(coverage=coverage, by=official, event_date=ACCIDENT, claimant=spouse)
    page = page_of(client, leader, claim)
    assert 'data-fact="membership_start"' in page
    assert "BUDI SANTOSO" not in page and "SITI AMINAH" not in page
    assert mask_name("BUDI SANTOSO") in page


# --- A history people can read ------------------------------------------------------------------------


@pytest.fixture
def paid_transport(coverage, official, bpjs_staff, other_staff):
    claim = jkk(coverage, official, transport_mode="sea", transport_cost=Decimal("3500000"))
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=bpjs_staff)
    from demo.builders import pay_in_full

    return pay_in_full(claim, by=other_staff, reference="TRF-LAUT-1")


def history_lines(page):
    section = re.search(r'<section class="panel" id="history">(.*?)</section>', page, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", line).split()) for line in re.findall(r"<div data-change.*?</div>", section, re.S)]


def test_the_history_reads_as_the_page_shows_it(client, paid_transport, bpjs_staff):
    lines = history_lines(page_of(client, bpjs_staff, paid_transport))
    assert "Status : Disetujui → Dibayar" in lines
    assert "Status : Diverifikasi → Disetujui" in lines
    assert "Jenis : — → JKK — biaya angkutan" in lines  # the kind as the claim's title
    assert "Jumlah manfaat : — → Rp2.000.000" in lines
    assert "Jumlah dibayar : — → Rp2.000.000" in lines
    assert "Tanggal kejadian : — → 14-06-2025" in lines
    joined = " ".join(lines)
    for internal in ("jkk_medical", "approved", "paid_amount", "benefit_amount", "2000000 ", "2025-06-14"):
        assert internal not in joined


def test_the_history_speaks_the_readers_language(client, paid_transport, bpjs_staff):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    lines = history_lines(page_of(client, bpjs_staff, paid_transport))
    assert "Status : Approved → Paid" in lines


def test_a_death_approval_names_the_coverage_it_ended_in_the_history(client, coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=ACCIDENT, claimant=spouse)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=bpjs_staff)
    lines = history_lines(page_of(client, bpjs_staff, claim))
    assert "Kepesertaan diakhiri (peserta meninggal) : — → DBH Sawit 2025 (Berakhir, 14-06-2025)" in lines


def test_the_excel_export_has_the_readable_history(client, paid_transport, bpjs_staff):
    client.force_login(bpjs_staff)
    workbook = load_workbook(io.BytesIO(client.get(reverse("claims:export"), {"status": "all"}).content))
    claims_sheet, history_sheet = workbook.worksheets
    header = [cell.value for cell in next(claims_sheet.iter_rows(max_row=1))]
    first = [cell.value for cell in list(claims_sheet.iter_rows(min_row=2, max_row=2))[0]]
    assert dict(zip(header, first))["Jenis klaim"] == "JKK — biaya angkutan"
    assert history_sheet.title == "Riwayat"
    rows = list(history_sheet.iter_rows(values_only=True))
    assert rows[0] == ("Nomor klaim", "Waktu", "Oleh", "Tindakan", "Perubahan", "Sebelum", "Sesudah", "Catatan")
    changes = {(r[4], r[5], r[6]) for r in rows[1:]}
    assert ("Status", "Disetujui", "Dibayar") in changes
    assert ("Jenis", "—", "JKK — biaya angkutan") in changes
    assert ("Jumlah manfaat", "—", "Rp2.000.000") in changes
    assert all(r[0] == paid_transport.number for r in rows[1:])
    flat = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "jkk_medical" not in flat and "approved" not in flat


def test_leadership_export_history_hides_names_and_bank_references(client, coverage, spouse, official, bpjs_staff, leader):
    claim = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=ACCIDENT, claimant=spouse)
    client.force_login(leader)
    workbook = load_workbook(io.BytesIO(client.get(reverse("claims:export"), {"status": "all"}).content))
    rows = list(workbook["Riwayat"].iter_rows(values_only=True))
    flat = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "Status" in flat and claim.number in flat
    assert "SITI AMINAH" not in flat and "TRF-0001" not in flat and "Penerima" not in flat


# --- The same pure functions return the facts -------------------------------------------------------


def test_a_scholarship_is_claimed_next_to_what_is_left_of_the_childs_cap():
    from claims import benefits

    child = benefits.ScholarshipRequest(name="RINA", age=13, level="smp", received_total=Decimal("86000000"),
                                        years_received_at_level=1, school_year=2025)
    benefit = benefits.jkm_death_benefit(membership_start=datetime.date(2020, 1, 1), death_date=ACCIDENT,
                                         contribution_months=40, children=[child])
    (claimed,) = benefit.claimed
    assert (claimed.claimed, claimed.cap, claimed.granted, claimed.rule) == (
        Decimal("2000000"), Decimal("1000000"), Decimal("1000000"), "R-JKM-4")
    assert claimed.capped and "sudah diterima Rp86.000.000, 1 dari 3 tahun jenjang SMP" in claimed.cap_note
    assert benefit.total == Decimal("43000000")


def test_membership_lists_each_coverage_and_where_the_unbroken_chain_starts():
    from claims import benefits

    D = datetime.date
    membership = benefits.membership([
        (D(2024, 8, 1), D(2024, 12, 31), "DBH Sawit 2024"),
        (D(2025, 3, 1), D(2025, 12, 31), "DBH Sawit 2025"),  # a gap: a new membership
        (D(2026, 1, 1), D(2026, 12, 31), "DBH Sawit 2026"),
    ], D(2026, 5, 20))
    assert membership.start == D(2025, 3, 1) and membership.months == 14
    assert [(p.label, p.in_chain) for p in membership.periods] == [
        ("DBH Sawit 2024", False), ("DBH Sawit 2025", True), ("DBH Sawit 2026", True)]
