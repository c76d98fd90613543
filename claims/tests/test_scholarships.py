"""R-JKM-4 scholarships claimed yearly for a deceased worker's children (R-JKK-5 for a JKK death):
at most 2 children per worker, per-level years, Rp87.000.000 per child across all years, ending at
age 23, marriage or work; JKM after 36 months of contributions across all periods, JKK without."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from claims.documents import required_documents
from claims.models import Claim, ClaimDocument, ScholarshipChild
from claims.services import (
    ChildRequest,
    ClaimError,
    approve_claim,
    payment_terms,
    reject_claim,
    submit_claim,
    verify_claim,
)
from demo.builders import file_claim, make_coverage, make_paid_claim, pay_in_full, upload_required
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Coverage, Heir

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)
Kind = Claim.Kind
Status = Claim.Status


def make_child(worker, name="RINA SANTOSO", born=datetime.date(2012, 7, 1)):
    return make_heir(worker, relationship=Heir.Relationship.CHILD, full_name=name, birth_date=born,
                     bank_name="", bank_account_number="", bank_account_holder="")


@pytest.fixture
def jkk_death(coverage, spouse, official, bpjs_staff):
    """The worker died of a work accident; BPJS approved and paid the death claim (R-JKK-5)."""
    return make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, kind=Kind.JKK_DEATH,
                           event_date=DEATH_DAY, claimant=spouse, reference="TRF-DEATH")


def file_scholarship(death, child, *, by, level="smp", year=2026, payee=None, **declared):
    claim = Claim(worker=death.worker, kind=Kind.SCHOLARSHIP, death_claim=death,
                  claimant=payee or death.claimant)
    return submit_claim(claim=claim, by=by, children=[ChildRequest(child, level, school_year=year, **declared)])


def approve(claim, *, official, staff):
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=staff)
    return approve_claim(claim=claim, by=staff)


# --- The yearly claim goes through the same verbs ------------------------------------------------


def test_yearly_scholarship_is_submitted_verified_approved_and_paid(jkk_death, official, bpjs_staff):
    child = make_child(jkk_death.worker)
    claim = file_scholarship(jkk_death, child, by=official, level="smp", year=2026)
    assert (claim.kind, claim.death_claim, claim.coverage, claim.event_date) == (
        Kind.SCHOLARSHIP, jkk_death, jkk_death.coverage, DEATH_DAY)
    assert claim.program == "JKK"
    assert claim.benefit_breakdown == [
        {"code": "scholarship_1", "label": "Beasiswa SMP tahun ajaran 2026/2027 (R-JKM-4)", "amount": "2000000"}]
    assert claim.bank_account_holder == "SITI AMINAH"  # paid to the surviving parent for a minor
    with pytest.raises(ClaimError, match="Surat keterangan aktif sekolah/kuliah, Surat pernyataan anak belum menikah"):
        verify_claim(claim=claim, by=bpjs_staff)
    approved = approve(claim, official=official, staff=bpjs_staff)
    assert approved.benefit_amount == Decimal("2000000")
    paid = pay_in_full(approved, by=bpjs_staff, reference="TRF-BEASISWA-1")
    assert paid.status == Status.PAID
    row = ScholarshipChild.objects.get(claim=claim)
    assert (row.child, row.level, row.school_year, row.amount) == (child, "smp", 2026, Decimal("2000000"))


def test_scholarship_documents_are_the_payees_the_schools_and_the_childs_statement(jkk_death, official):
    claim = file_scholarship(jkk_death, make_child(jkk_death.worker), by=official)
    D = ClaimDocument.Kind
    assert required_documents(claim) == [D.KTP_CLAIMANT, D.FAMILY_CARD, D.SCHOOL_CERTIFICATE, D.CHILD_STATEMENT, D.BANK_BOOK]


def test_a_scholarship_follows_an_approved_death_claim(coverage, spouse, official):
    death = file_claim(coverage=coverage, by=official, kind=Kind.JKK_DEATH, event_date=DEATH_DAY, claimant=spouse)
    with pytest.raises(ClaimError, match="berstatus Diajukan; beasiswa tahunan diajukan sesudah klaim kematian disetujui"):
        file_scholarship(death, make_child(coverage.worker), by=official)


def test_a_scholarship_needs_a_death_claim_of_the_same_worker(jkk_death, coverage, official):
    other = make_worker(full_name="ANDI WIJAYA")
    medical = file_claim(coverage=make_coverage(other, coverage.funding_source), by=official, kind=Kind.JKK_MEDICAL,
                         event_date=DEATH_DAY, hospital_bill=Decimal("100000"), bank_name="BRI", bank_account_number="1",
                         bank_account_holder="ANDI WIJAYA")
    with pytest.raises(ClaimError, match="bukan klaim kematian"):
        file_scholarship(medical, make_child(other), by=official, payee=make_heir(other))
    with pytest.raises(ClaimError, match="bukan anak pekerja ini"):
        file_scholarship(jkk_death, make_child(other, name="ANAK LAIN"), by=official)


# --- Who is refused, and why (R-JKM-4) -----------------------------------------------------------


def test_a_child_of_23_is_refused(jkk_death, official):
    child = make_child(jkk_death.worker, born=datetime.date(2003, 6, 1))
    with pytest.raises(ClaimError, match="RINA SANTOSO berusia 23 tahun; beasiswa berakhir pada usia 23 tahun"):
        file_scholarship(jkk_death, child, by=official, level="higher")


def test_a_married_child_is_refused(jkk_death, official):
    with pytest.raises(ClaimError, match="RINA SANTOSO sudah menikah; beasiswa berakhir bila anak menikah"):
        file_scholarship(jkk_death, make_child(jkk_death.worker), by=official, married=True)


def test_a_working_child_is_refused(jkk_death, official):
    with pytest.raises(ClaimError, match="RINA SANTOSO sudah bekerja; beasiswa berakhir bila anak bekerja"):
        file_scholarship(jkk_death, make_child(jkk_death.worker), by=official, working=True)


def test_each_level_is_paid_for_its_maximum_years_only(jkk_death, official, bpjs_staff):
    """TK at most 2 years: the third TK year is refused; the next level starts its own count."""
    child = make_child(jkk_death.worker, born=datetime.date(2020, 3, 1))
    for year in (2024, 2025):
        approve(file_scholarship(jkk_death, child, by=official, level="tk", year=year), official=official, staff=bpjs_staff)
    with pytest.raises(ClaimError, match="sudah menerima beasiswa TK selama 2 tahun"):
        file_scholarship(jkk_death, child, by=official, level="tk", year=2026)
    assert file_scholarship(jkk_death, child, by=official, level="sd", year=2026).benefit_amount == Decimal("1500000")


def test_years_in_rejected_or_unapproved_claims_do_not_count(jkk_death, official, bpjs_staff):
    child = make_child(jkk_death.worker, born=datetime.date(2020, 3, 1))
    rejected = file_scholarship(jkk_death, child, by=official, level="tk", year=2024)
    reject_claim(claim=rejected, by=bpjs_staff, reason="Surat sekolah tidak terbaca.")
    approve(file_scholarship(jkk_death, child, by=official, level="tk", year=2024), official=official, staff=bpjs_staff)
    pending = file_scholarship(jkk_death, child, by=official, level="tk", year=2025)
    assert pending.benefit_amount == Decimal("1500000")  # one TK year approved; the pending one is the second


def test_the_per_child_cap_of_87_million_counts_every_earlier_year(jkk_death, official, bpjs_staff):
    child = make_child(jkk_death.worker, born=datetime.date(2006, 9, 1))
    earlier = approve(file_scholarship(jkk_death, child, by=official, level="higher", year=2024),
                      official=official, staff=bpjs_staff)
    # As if the child had received Rp80.000.000 over the earlier years (amounts of an older table).
    ScholarshipChild.objects.filter(claim=earlier).update(amount=Decimal("80000000"))
    capped = file_scholarship(jkk_death, child, by=official, level="higher", year=2025)
    assert capped.benefit_amount == Decimal("7000000")  # Rp87.000.000 − Rp80.000.000, not Rp12.000.000
    approve(capped, official=official, staff=bpjs_staff)
    with pytest.raises(ClaimError, match="sudah menerima beasiswa maksimal Rp87.000.000"):
        file_scholarship(jkk_death, child, by=official, level="higher", year=2026)


def test_at_most_two_children_per_worker_across_all_claims(coverage, spouse, official, bpjs_staff):
    first, second, third = (make_child(coverage.worker, name=name, born=datetime.date(2012 + n, 1, 1))
                            for n, name in enumerate(["ANAK SATU", "ANAK DUA", "ANAK TIGA"]))
    death = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, kind=Kind.JKK_DEATH,
                            event_date=DEATH_DAY, claimant=spouse, reference="TRF-D2",
                            children=[ChildRequest(first, "smp"), ChildRequest(second, "sd")])
    assert death.benefit_amount == Decimal("70000000") + Decimal("2000000") + Decimal("1500000")
    with pytest.raises(ClaimError, match="paling banyak untuk 2 anak per pekerja .*ANAK DUA, ANAK SATU"):
        file_scholarship(death, third, by=official, level="sd", year=2027)
    assert file_scholarship(death, first, by=official, level="smp", year=2027).benefit_amount == Decimal("2000000")


def test_one_scholarship_per_child_per_school_year(coverage, spouse, official, bpjs_staff):
    """The year of death's scholarship came with the death claim; the same school year cannot be claimed again,
    and it counts as one of the level's years."""
    child = make_child(coverage.worker, born=datetime.date(2012, 1, 1))
    death = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, kind=Kind.JKK_DEATH,
                            event_date=DEATH_DAY, claimant=spouse, reference="TRF-D3",
                            children=[ChildRequest(child, "smp")])
    year = ScholarshipChild.objects.get(claim=death).school_year
    with pytest.raises(ClaimError, match="sudah mendapat beasiswa tahun ajaran .* pada klaim KLM-"):
        file_scholarship(death, child, by=official, level="smp", year=year)
    for later in (year + 1, year + 2):
        approve(file_scholarship(death, child, by=official, level="smp", year=later), official=official, staff=bpjs_staff)
    with pytest.raises(ClaimError, match="sudah menerima beasiswa SMP selama 3 tahun"):
        file_scholarship(death, child, by=official, level="smp", year=year + 3)


# --- Contribution period: JKM 36 months across all periods, JKK none ---------------------------------


def _jkm_death_after(worker, years, official, staff, died=datetime.date(2025, 11, 30)):
    for year in years:
        funding = make_funding(period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31), fiscal_year=year)
        make_coverage(worker, funding, status=Coverage.Status.ENDED if year < 2025 else Coverage.Status.ACTIVE)
    coverage = Coverage.objects.filter(worker=worker).order_by("-start_date").first()
    return make_paid_claim(coverage=coverage, submitter=official, staff=staff, event_date=died,
                           claimant=make_heir(worker), reference=f"TRF-JKM-{worker.pk}")


def test_jkm_scholarship_needs_36_months_of_contributions_across_periods(official, bpjs_staff):
    short = make_worker(full_name="PEKERJA SINGKAT")
    death = _jkm_death_after(short, [2023, 2024, 2025], official, bpjs_staff)  # Jan 2023 - Nov 2025: 35 months
    with pytest.raises(ClaimError, match="paling sedikit 36 bulan iuran; tercatat 35 bulan"):
        file_scholarship(death, make_child(short), by=official)
    long = make_worker(full_name="PEKERJA LAMA")
    death = _jkm_death_after(long, [2022, 2023, 2024, 2025], official, bpjs_staff)
    claim = file_scholarship(death, make_child(long), by=official)
    assert (claim.program, claim.benefit_amount) == ("JKM", Decimal("2000000"))
    upload_required(claim, by=official)
    assert payment_terms(claim).due_on is not None


def test_jkk_death_scholarship_needs_no_minimum_contribution_period(jkk_death, official):
    """R-JKK-5: the worker was covered for 6 months only."""
    assert file_scholarship(jkk_death, make_child(jkk_death.worker), by=official).benefit_amount == Decimal("2000000")


def test_no_scholarship_after_a_death_in_the_first_months(worker, funding_2025, spouse, official, bpjs_staff):
    """R-JKM-3: the early-death benefit is the funeral amount only; no scholarship follows."""
    coverage = make_coverage(worker, funding_2025)
    death = make_paid_claim(coverage=coverage, submitter=official, staff=bpjs_staff, event_date=datetime.date(2025, 2, 10),
                            claimant=spouse, reference="TRF-EARLY")
    assert death.benefit_amount == Decimal("10000000")
    with pytest.raises(ClaimError, match="meninggal dalam masa awal kepesertaan"):
        file_scholarship(death, make_child(worker), by=official)


# --- A paid scholarship is immutable -----------------------------------------------------------------


def test_the_database_refuses_to_change_a_paid_scholarship(jkk_death, official, bpjs_staff):
    claim = approve(file_scholarship(jkk_death, make_child(jkk_death.worker), by=official), official=official, staff=bpjs_staff)
    pay_in_full(claim, by=bpjs_staff, reference="TRF-B-IMM")
    for change in (lambda rows: rows.update(amount=Decimal("9000000")), lambda rows: rows.delete()):
        with pytest.raises(DatabaseError, match="Beasiswa pada klaim yang sudah dibayar"), transaction.atomic():
            change(ScholarshipChild.objects.filter(claim=claim))
    with pytest.raises(DatabaseError, match="sudah dibayar"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(death_claim=None)


# --- Pages -------------------------------------------------------------------------------------------


def test_operator_files_a_yearly_scholarship_from_the_form(client, jkk_death, official):
    child = make_child(jkk_death.worker)
    client.force_login(official)
    death_page = client.get(reverse("claims:detail", args=[jkk_death.pk])).content.decode()
    assert 'id="file-scholarship"' in death_page
    url = f"{reverse('claims:new_scholarship')}?nik={jkk_death.worker.nik}"
    page = client.get(url).content.decode()
    assert 'id="scholarship-form"' in page and jkk_death.number in page
    response = client.post(url, {"death_claim": jkk_death.pk, "claimant": jkk_death.claimant_id, "child": child.pk,
                                 "level": "sma", "school_year": "2026"})
    claim = Claim.objects.get(kind=Kind.SCHOLARSHIP)
    assert response.status_code == 302 and response["Location"] == reverse("claims:detail", args=[claim.pk])
    assert claim.benefit_amount == Decimal("3000000")
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "RINA SANTOSO" in page and jkk_death.number in page and "2026/2027" in page


def test_the_form_shows_the_refusal(client, jkk_death, official):
    child = make_child(jkk_death.worker)
    client.force_login(official)
    url = f"{reverse('claims:new_scholarship')}?nik={jkk_death.worker.nik}"
    page = client.post(url, {"death_claim": jkk_death.pk, "claimant": jkk_death.claimant_id, "child": child.pk,
                             "level": "sma", "school_year": "2026", "working": "on"}).content.decode()
    assert "RINA SANTOSO sudah bekerja" in page
    assert not Claim.objects.filter(kind=Kind.SCHOLARSHIP).exists()


@pytest.mark.parametrize("role, status", [("official", 200), ("superuser", 200), ("bpjs_staff", 403),
                                          ("leader", 403), ("outsider", 403)])
def test_only_claim_filers_open_the_scholarship_form(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("claims:new_scholarship")).status_code == status


def test_the_claim_form_does_not_offer_the_scholarship_kind(client, coverage, official):
    client.force_login(official)
    page = client.get(reverse("claims:new"), {"nik": coverage.worker.nik}).content.decode()
    assert 'value="scholarship"' not in page
