"""Eligibility rules, enforced when a claim is filed and again when it is verified and approved."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from claims.models import Claim
from claims.services import ChildRequest, ClaimError, approve_claim, claim_review, reject_claim, verify_claim
from demo.builders import file_claim, make_coverage, upload_required
from core.models import ProgramRules
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Coverage, Heir

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)
ACCIDENT_DAY = datetime.date(2025, 3, 14)


def refused(match, **kwargs):
    with pytest.raises(ClaimError, match=match):
        file_claim(**kwargs)


# --- Event date inside a registered coverage of the program (R-JKM-2) -----------------------------


def test_death_on_the_first_and_last_day_of_coverage_is_covered(coverage, spouse, official):
    first = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 1, 1), claimant=spouse)
    # the first claim is not approved, so the worker has no died_on: check the last day on a second worker
    assert first.benefit_amount == Decimal("10000000")  # R-JKM-3: death in the first 3 months
    other = make_worker(full_name="ANDI WIJAYA")
    heir = make_heir(other)
    last = file_claim(coverage=make_coverage(other, coverage.funding_source), by=official,
                      event_date=datetime.date(2025, 12, 31), claimant=heir)
    assert last.benefit_amount == Decimal("42000000")


def test_death_one_day_before_the_coverage_starts_is_refused(coverage, spouse, official):
    refused("sebelum kepesertaan mulai 01-01-2025", coverage=coverage, by=official,
            event_date=datetime.date(2024, 12, 31), claimant=spouse)


def test_death_one_day_after_the_coverage_ends_is_refused(coverage, spouse, official):
    refused("sesudah kepesertaan berakhir 31-12-2025", coverage=coverage, by=official,
            event_date=datetime.date(2026, 1, 1), claimant=spouse)


def test_accident_one_day_before_start_and_after_end_is_refused(coverage, official):
    for day, text in ((datetime.date(2024, 12, 31), "sebelum"), (datetime.date(2026, 1, 1), "sesudah")):
        refused(text, coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL, event_date=day,
                hospital_bill=Decimal("1000000"), bank_name="BRI", bank_account_number="1", bank_account_holder="BUDI")


@pytest.mark.parametrize("status", [Coverage.Status.DRAFT, Coverage.Status.SUBMITTED, Coverage.Status.CANCELLED])
def test_coverage_not_registered_at_bpjs_does_not_cover(worker, funding_2025, spouse, official, status):
    coverage = make_coverage(worker, funding_2025, status=status)
    refused("belum atau tidak terdaftar", coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)


def test_ended_coverage_still_covers_deaths_during_its_period(worker, funding_2025, spouse, official):
    coverage = make_coverage(worker, funding_2025, status=Coverage.Status.ENDED)
    assert file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse).benefit_amount == 42_000_000


def test_claim_needs_the_program_in_the_coverage(worker, funding_2025, spouse, official):
    jkk_only = make_coverage(worker, funding_2025, jkm=False)
    refused("tidak mencakup program JKM", coverage=jkk_only, by=official, event_date=DEATH_DAY, claimant=spouse)


def test_event_in_the_future_is_refused(coverage, spouse, official):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    coverage.end_date = tomorrow + datetime.timedelta(days=30)
    coverage.save()
    refused("belum terjadi", coverage=coverage, by=official, event_date=tomorrow, claimant=spouse)


def test_death_date_must_match_the_recorded_death(coverage, spouse, official):
    coverage.worker.died_on = datetime.date(2025, 6, 10)
    coverage.worker.save()
    refused("tercatat meninggal pada 10-06-2025", coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)


# --- Deadlines (R-JKK-6, R-JKM-5) -------------------------------------------------------------------


def _old_coverage(worker, accident_day):
    funding = make_funding(period_start=accident_day - datetime.timedelta(days=30),
                           period_end=accident_day + datetime.timedelta(days=30), fiscal_year=accident_day.year)
    return make_coverage(worker, funding)


def _medical(coverage, official, day):
    return file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL, event_date=day,
                      hospital_bill=Decimal("2500000"), bank_name="BRI", bank_account_number="123", bank_account_holder="BUDI")


def test_jkk_claim_filed_five_years_after_the_accident_is_accepted(worker, official):
    day = timezone.localdate() - relativedelta(years=5)
    assert _medical(_old_coverage(worker, day), official, day).benefit_amount == Decimal("2500000")


def test_jkk_claim_filed_five_years_and_a_day_after_the_accident_has_expired(worker, official):
    day = timezone.localdate() - relativedelta(years=5) - datetime.timedelta(days=1)
    with pytest.raises(ClaimError, match="kedaluwarsa"):
        _medical(_old_coverage(worker, day), official, day)


def test_jkm_claim_never_expires(worker, spouse, official):
    """R-JKM-5: a death ten years ago inside coverage is still paid."""
    day = timezone.localdate() - relativedelta(years=10)
    claim = file_claim(coverage=_old_coverage(worker, day), by=official, event_date=day, claimant=spouse)
    assert claim.benefit_amount == Decimal("10000000")  # day 30 of membership: R-JKM-3


# --- One death claim per worker --------------------------------------------------------------------


def test_second_death_claim_for_a_worker_is_refused(coverage, spouse, official):
    first = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    refused(f"sudah mempunyai klaim kematian {first.number}", coverage=coverage, by=official,
            event_date=DEATH_DAY, claimant=spouse)
    refused("sudah mempunyai klaim kematian", coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH,
            event_date=DEATH_DAY, claimant=spouse)


def test_a_rejected_death_claim_can_be_filed_again(coverage, spouse, official, bpjs_staff):
    first = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    reject_claim(claim=first, by=bpjs_staff, reason="Akta kematian tidak terbaca.")
    assert file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse).pk != first.pk


def test_the_database_holds_one_open_death_claim_per_worker(coverage, spouse, official):
    from django.db import IntegrityError, transaction

    first = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(worker=first.worker, coverage=coverage, kind=Claim.Kind.JKK_DEATH, event_date=DEATH_DAY,
                             claimant=spouse)


def test_jkk_accidents_are_not_limited_to_one(coverage, official):
    for day in (ACCIDENT_DAY, ACCIDENT_DAY + datetime.timedelta(days=40)):
        _medical(coverage, official, day)
    assert Claim.objects.count() == 2


# --- Heirs (R-HEIR-1) -------------------------------------------------------------------------------


def test_parent_is_refused_while_a_spouse_exists(coverage, spouse, parent, official):
    refused(r"SLAMET SANTOSO \(Orang tua\) tidak berhak .* SITI AMINAH \(Istri/suami\)", coverage=coverage, by=official,
            event_date=DEATH_DAY, claimant=parent)


def test_child_is_entitled_with_the_spouse(coverage, spouse, official):
    child = make_heir(coverage.worker, relationship=Heir.Relationship.CHILD, full_name="DEWI SANTOSO",
                      bank_account_holder="DEWI SANTOSO")
    assert file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=child).claimant == child


def test_parent_is_entitled_without_spouse_or_children(coverage, parent, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=parent)
    assert claim.benefit_amount == Decimal("42000000")
    assert claim.bank_account_number == "99887766"


def test_sibling_is_refused_while_a_parent_exists(coverage, parent, official):
    sibling = make_heir(coverage.worker, relationship=Heir.Relationship.SIBLING, full_name="EKO SANTOSO")
    refused("tidak berhak selama ada ahli waris golongan lebih tinggi", coverage=coverage, by=official,
            event_date=DEATH_DAY, claimant=sibling)


def test_heir_of_another_worker_is_refused(coverage, official):
    make_heir(coverage.worker)
    stranger = make_heir(make_worker(full_name="ORANG LAIN"), full_name="BUKAN KELUARGA")
    refused("bukan ahli waris pekerja ini", coverage=coverage, by=official, event_date=DEATH_DAY, claimant=stranger)


def test_death_claim_needs_a_claimant_when_heirs_exist(coverage, spouse, official):
    refused("Pilih ahli waris penerima", coverage=coverage, by=official, event_date=DEATH_DAY,
            arranger_name="KEPALA DESA", bank_name="BRI", bank_account_number="1", bank_account_holder="KEPALA DESA")


def test_without_heirs_only_the_funeral_cost_goes_to_whoever_arranged_it(coverage, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, arranger_name="YOHANES BAHEN",
                       bank_name="BRI", bank_account_number="5544", bank_account_holder="YOHANES BAHEN")
    assert claim.benefit_amount == Decimal("10000000")
    assert claim.payee_name == "YOHANES BAHEN"


def test_without_heirs_the_arranger_must_be_named(coverage, official):
    refused("yang mengurus pemakaman", coverage=coverage, by=official, event_date=DEATH_DAY)


def test_heir_without_a_bank_account_cannot_receive(coverage, official):
    heir = make_heir(coverage.worker, bank_name="", bank_account_number="", bank_account_holder="")
    refused("Belum diisi: nama bank penerima", coverage=coverage, by=official, event_date=DEATH_DAY, claimant=heir)


def test_jkk_benefit_of_a_living_worker_goes_to_the_worker(coverage, spouse, official):
    refused("dibayarkan kepada pekerja", coverage=coverage, by=official, kind=Claim.Kind.JKK_MEDICAL,
            event_date=ACCIDENT_DAY, hospital_bill=Decimal("100"), claimant=spouse)


# --- Documents (R-DOC-1 / R-DOC-2) ------------------------------------------------------------------


def test_claim_is_not_verified_before_every_required_document_is_present(coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    with pytest.raises(ClaimError, match="Belum ada: KTP pekerja, KTP ahli waris/penerima, Kartu Keluarga"):
        verify_claim(claim=claim, by=bpjs_staff)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)


def test_checklist_shows_every_rule_and_its_finding(coverage, spouse, official):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    checks, benefit = claim_review(claim)
    by_code = {check.code: check for check in checks}
    assert list(by_code) == ["coverage", "protected", "event_date", "deadline", "one_death", "claimant", "bank", "benefit", "documents"]
    assert all(check.ok for code, check in by_code.items() if code != "documents")
    assert not by_code["documents"].ok
    assert "Buku nikah" in by_code["documents"].detail
    assert benefit.total == Decimal("42000000")


# --- Membership and contribution months across renewals (R-JKM-3, R-JKM-4) -------------------------


def _yearly_coverages(worker, years):
    for year in years:
        funding = make_funding(period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31), fiscal_year=year)
        make_coverage(worker, funding, status=Coverage.Status.ENDED if year < 2025 else Coverage.Status.ACTIVE)
    return Coverage.objects.filter(worker=worker).order_by("-start_date").first()


def test_early_death_counts_membership_across_renewals(worker, spouse, official):
    """R-JKM-3: a renewal is not a new membership; February 2025 is month 14 for a 2024 member."""
    coverage = _yearly_coverages(worker, [2024, 2025])
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 2, 10), claimant=spouse)
    assert claim.benefit_amount == Decimal("42000000")


def test_early_death_pays_the_configured_amount(coverage, spouse, official):
    rules = ProgramRules.current()
    rules.early_death_benefit = Decimal("12500000")
    rules.save()
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 3, 31), claimant=spouse)
    assert claim.benefit_breakdown == [{
        "code": "early_death", "label": "Biaya pemakaman: meninggal dalam 3 bulan pertama kepesertaan (R-JKM-3)", "amount": "12500000"}]


def test_early_death_rule_switched_off_pays_the_full_benefit(coverage, spouse, official):
    rules = ProgramRules.current()
    rules.early_death_rule = False
    rules.save()
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 2, 1), claimant=spouse)
    assert claim.benefit_amount == Decimal("42000000")


def test_scholarship_after_36_months_of_contributions_across_periods(worker, spouse, official):
    coverage = _yearly_coverages(worker, [2022, 2023, 2024, 2025])
    child = make_heir(worker, relationship=Heir.Relationship.CHILD, full_name="RINA SANTOSO", birth_date=datetime.date(2012, 7, 1))
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 1, 20), claimant=spouse,
                       children=[ChildRequest(child, "smp")])
    assert claim.benefit_amount == Decimal("44000000")  # 42.000.000 + SMP 2.000.000
    assert claim.scholarships.get().child == child


def test_no_scholarship_with_35_months_of_contributions(worker, spouse, official):
    coverage = _yearly_coverages(worker, [2023, 2024, 2025])
    child = make_heir(worker, relationship=Heir.Relationship.CHILD, full_name="RINA SANTOSO", birth_date=datetime.date(2012, 7, 1))
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 11, 30), claimant=spouse,
                       children=[ChildRequest(child, "smp")])
    assert claim.benefit_amount == Decimal("42000000")
    _checks, benefit = claim_review(claim)
    assert "tercatat 35 bulan" in benefit.notes[0]


def test_jkk_death_scholarship_without_minimum_contributions(coverage, spouse, child, official):
    claim = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH, event_date=DEATH_DAY,
                       claimant=spouse, children=[ChildRequest(child, "smp")])
    assert claim.benefit_amount == Decimal("72000000")


def test_scholarship_child_must_be_a_child_of_the_worker_with_a_birth_date(coverage, spouse, official):
    no_birth = make_heir(coverage.worker, relationship=Heir.Relationship.CHILD, full_name="TANPA TANGGAL")
    refused("Tanggal lahir TANPA TANGGAL wajib diisi", coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH,
            event_date=DEATH_DAY, claimant=spouse, children=[ChildRequest(no_birth, "sd")])
    refused("SITI AMINAH bukan anak pekerja ini", coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH,
            event_date=DEATH_DAY, claimant=spouse, children=[ChildRequest(spouse, "sd")])


def test_scholarship_for_at_most_two_children(coverage, spouse, official):
    children = [
        make_heir(coverage.worker, relationship=Heir.Relationship.CHILD, full_name=f"ANAK {n}",
                  birth_date=datetime.date(2010 + n, 1, 1))
        for n in range(3)
    ]
    refused("paling banyak untuk 2 anak", coverage=coverage, by=official, kind=Claim.Kind.JKK_DEATH, event_date=DEATH_DAY,
            claimant=spouse, children=[ChildRequest(c, "sd") for c in children])


# --- JKK details ------------------------------------------------------------------------------------


def test_jkk_claims_compute_from_the_coverage_income_basis(coverage, official):
    bank = dict(bank_name="BRI", bank_account_number="123", bank_account_holder="BUDI SANTOSO")
    stmb = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_TEMPORARY, event_date=ACCIDENT_DAY,
                      incapacity_months=14, **bank)
    assert stmb.benefit_amount == Decimal("13000000")
    disability = file_claim(coverage=coverage, by=official, kind=Claim.Kind.JKK_DISABILITY, event_date=ACCIDENT_DAY,
                            disability_type="anatomical", disability_percent=Decimal("35"), transport_mode="sea",
                            transport_cost=Decimal("2750000"), **bank)
    assert disability.benefit_amount == Decimal("28000000") + Decimal("2000000")


def test_jkk_claim_without_its_details_is_refused(coverage, official):
    refused("lama tidak mampu bekerja", coverage=coverage, by=official, kind=Claim.Kind.JKK_TEMPORARY,
            event_date=ACCIDENT_DAY, bank_name="BRI", bank_account_number="1", bank_account_holder="BUDI")


def test_approval_rechecks_eligibility(coverage, spouse, official, bpjs_staff, other_staff):
    """A rule that stopped holding after verification (here: the recorded death date) blocks approval."""
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    coverage.worker.died_on = datetime.date(2025, 6, 1)
    coverage.worker.save()
    with pytest.raises(ClaimError, match="tercatat meninggal"):
        approve_claim(claim=claim, by=other_staff)
