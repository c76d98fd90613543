"""Enrolment rules enforced in one place: R-ENR-2..5, R-AGE-1, R-ENR-4 quota and budget."""

import datetime
from decimal import Decimal

import pytest

from core.models import AuditEvent, ProgramRules
from demo.builders import make_funding, make_worker
from enrollment.models import Coverage, ExternalCoverage
from enrollment.services import EnrollmentError, cancel_coverage, enroll_worker, enroll_workers

D = datetime.date


def test_enrolment_creates_a_draft_coverage_for_the_funding_period(funding, official):
    coverage = enroll_worker(worker=make_worker(), funding=funding, start=D(2025, 1, 1), by=official)
    assert coverage.status == Coverage.Status.DRAFT
    assert (coverage.start_date, coverage.end_date) == (D(2025, 1, 1), D(2025, 12, 31))
    assert coverage.programs == ["JKK", "JKM"]
    assert coverage.income_basis == Decimal("1000000")


def test_end_date_is_capped_at_the_period_end_r_enr_2(official, db):
    funding = make_funding(period_start=D(2024, 8, 1), period_end=D(2024, 12, 31), coverage_months=12)
    coverage = enroll_worker(worker=make_worker(), funding=funding, start=D(2024, 8, 1), by=official)
    assert coverage.end_date == D(2024, 12, 31)


def test_start_outside_the_funding_period_is_refused_r_enr_2(funding, official):
    with pytest.raises(EnrollmentError, match="di luar periode"):
        enroll_worker(worker=make_worker(), funding=funding, start=D(2026, 1, 1), by=official)


def test_overlapping_coverage_of_the_same_program_is_refused_r_enr_3(funding, official):
    worker = make_worker()
    enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)
    other = make_funding(period_start=D(2025, 6, 1), period_end=D(2026, 5, 31))
    with pytest.raises(EnrollmentError, match="R-ENR-3"):
        enroll_worker(worker=worker, funding=other, start=D(2025, 6, 1), by=official)


def test_coverage_starting_the_day_after_the_old_one_ends_is_allowed(funding, official):
    worker = make_worker()
    enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)
    next_year = make_funding(period_start=D(2026, 1, 1), period_end=D(2026, 12, 31), fiscal_year=2026)
    coverage = enroll_worker(worker=worker, funding=next_year, start=D(2026, 1, 1), by=official)
    assert coverage.start_date == D(2026, 1, 1)


def test_a_different_program_on_the_same_days_is_allowed_r_enr_3(official, db):
    worker = make_worker()
    jkm_only = make_funding(covers_jkk=False)
    jkk_only = make_funding(covers_jkm=False)
    enroll_worker(worker=worker, funding=jkm_only, start=D(2025, 1, 1), by=official)
    assert enroll_worker(worker=worker, funding=jkk_only, start=D(2025, 1, 1), by=official).programs == ["JKK"]


def test_cancelled_coverage_does_not_block_a_new_one(funding, official):
    worker = make_worker()
    first = enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)
    cancel_coverage(coverage=first, by=official, reason="salah input")
    assert enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official).pk != first.pk


def test_worker_registered_through_another_payer_is_refused_r_enr_5(funding, official):
    worker = make_worker()
    ExternalCoverage.objects.create(
        nik=worker.nik, payer="PT Sawit Makmur", start_date=D(2025, 3, 1), end_date=D(2026, 2, 28)
    )
    with pytest.raises(EnrollmentError, match="PT Sawit Makmur"):
        enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)


@pytest.mark.parametrize(
    "birth_date, ok",
    [
        (D(2007, 1, 1), True),  # 18 on the start date
        (D(2007, 1, 2), False),  # 17 on the start date
        (D(1960, 1, 2), True),  # 64
        (D(1960, 1, 1), False),  # 65 on the start date
    ],
)
def test_age_on_the_start_date_is_18_to_under_65_r_age_1(funding, official, birth_date, ok):
    worker = make_worker(birth_date=birth_date)
    if ok:
        enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)
    else:
        with pytest.raises(EnrollmentError, match="R-AGE-1"):
            enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)


def test_age_limits_are_configurable_r_age_1(funding, official):
    rules = ProgramRules.current()
    rules.max_age = 70
    rules.save()
    worker = make_worker(birth_date=D(1958, 6, 1))  # 66
    assert enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)


def test_a_worker_who_died_cannot_be_enrolled(funding, official):
    worker = make_worker(died_on=D(2024, 12, 1))
    with pytest.raises(EnrollmentError, match="meninggal"):
        enroll_worker(worker=worker, funding=funding, start=D(2025, 1, 1), by=official)


def test_quota_is_refused_at_the_limit_r_enr_4(official, db):
    funding = make_funding(quota=2, budget=Decimal("10000000"))
    enroll_workers(funding=funding, workers=[make_worker(), make_worker()], start=D(2025, 1, 1), by=official)
    with pytest.raises(EnrollmentError, match="Kuota"):
        enroll_worker(worker=make_worker(), funding=funding, start=D(2025, 1, 1), by=official)


def test_budget_is_refused_at_the_limit_r_enr_4(official, db):
    funding = make_funding(quota=100, budget=Decimal("201600") * 2 + 1)
    enroll_workers(funding=funding, workers=[make_worker(), make_worker()], start=D(2025, 1, 1), by=official)
    with pytest.raises(EnrollmentError, match="Anggaran"):
        enroll_worker(worker=make_worker(), funding=funding, start=D(2025, 1, 1), by=official)


def test_a_batch_is_all_or_nothing(official, db):
    funding = make_funding(quota=100)
    too_young = make_worker(birth_date=D(2010, 1, 1))
    with pytest.raises(EnrollmentError) as error:
        enroll_workers(funding=funding, workers=[make_worker(), too_young], start=D(2025, 1, 1), by=official)
    assert [w for w, _m in error.value.problems] == [too_young]
    assert not Coverage.objects.exists()


def test_a_batch_larger_than_the_quota_is_refused_whole(official, db):
    funding = make_funding(quota=2)
    with pytest.raises(EnrollmentError, match="Kuota"):
        enroll_workers(funding=funding, workers=[make_worker() for _ in range(3)], start=D(2025, 1, 1), by=official)
    assert not Coverage.objects.exists()


def test_enrolment_is_audited(funding, official):
    coverage = enroll_worker(worker=make_worker(), funding=funding, start=D(2025, 1, 1), by=official)
    event = AuditEvent.objects.get(object_id=str(coverage.pk), content_type__model="coverage")
    assert event.actor == official and event.action == AuditEvent.Action.CREATE
    assert event.changes["start_date"] == [None, "2025-01-01"]


def test_a_user_without_permission_cannot_enrol(funding, bpjs_staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        enroll_worker(worker=make_worker(), funding=funding, start=D(2025, 1, 1), by=bpjs_staff)
