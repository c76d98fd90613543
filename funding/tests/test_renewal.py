"""Renewal: next year's funding source and exactly the eligible workers, no gap, no overlap."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.audit import history
from demo.builders import make_funding, make_worker
from enrollment.models import Coverage, ExternalCoverage
from enrollment.services import cancel_coverage, enroll_workers, end_coverage
from funding.models import FundingSource
from funding.renewal import RenewalError, Skip, next_year_values, plan_renewal, renew_funding

from .conftest import covered_workers

NEW_YEAR = datetime.date(2026, 1, 1)


@pytest.fixture
def source():
    return make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025", quota=20, budget=Decimal("201600") * 20)


@pytest.fixture
def administrator(superuser):
    """Funding sources are the administrator's: only they may create next year's by renewing."""
    return superuser


@pytest.fixture
def people(source):
    """Workers of 2025 in every situation a renewal meets."""
    regular = covered_workers(source, 2)
    died = covered_workers(source, 1)[0]
    died.worker.died_on = datetime.date(2025, 9, 3)
    died.worker.save()
    aged = covered_workers(source, 1, birth_date=datetime.date(1960, 6, 1))[0]  # 64 in Jan 2025, 65 in Jan 2026
    elsewhere = covered_workers(source, 1)[0]
    ExternalCoverage.objects.create(nik=elsewhere.worker.nik, payer="PT Sawit Lamandau", start_date=datetime.date(2026, 3, 1),
                                    end_date=datetime.date(2026, 12, 31), source="jawaban BPJS")
    ended = covered_workers(source, 1)[0]
    end_coverage(coverage=ended, by=None)
    cancelled = covered_workers(source, 1)[0]
    cancel_coverage(coverage=cancelled, by=None, reason="data ganda")
    draft = enroll_workers(funding=source, workers=[make_worker()], start=source.period_start, by=None)[0]
    return dict(regular=regular, died=died, aged=aged, elsewhere=elsewhere, ended=ended, cancelled=cancelled, draft=draft)


def values(source, **overrides):
    return {**next_year_values(source), **overrides}


def test_next_year_defaults_follow_the_current_program():
    source = FundingSource(code="DBH-SAWIT-2025", name="DBH Sawit 2025", fiscal_year=2025, period_start=datetime.date(2025, 1, 1),
                           period_end=datetime.date(2025, 12, 31), quota=3200, budget=Decimal("645120000"))
    defaults = next_year_values(source, rates=_rates())
    assert defaults["code"] == "DBH-SAWIT-2026"
    assert defaults["name"] == "DBH Sawit 2026"
    assert (defaults["period_start"], defaults["period_end"]) == (NEW_YEAR, datetime.date(2026, 12, 31))
    assert defaults["budget"] == 3200 * 12 * Decimal("16800")  # R-COST-1 at public-funds rates (R-RATE-4)


def _rates():
    from funding.contributions import RateTable
    from funding.reference import DISCOUNTS, RATES
    from funding.models import ContributionDiscount, ContributionRate

    return RateTable([ContributionRate(**r) for r in RATES], [ContributionDiscount(**d) for d in DISCOUNTS])


@pytest.mark.django_db
def test_renewal_carries_exactly_the_eligible_workers_and_explains_each_skip(source, people, administrator):
    excluded = people["regular"][1]

    plan = renew_funding(source=source, target_values=values(source), by=administrator, exclude=[excluded.worker_id])

    target = FundingSource.objects.get(code="DBH-SAWIT-2026")
    carried = {c.worker_id for c in Coverage.objects.filter(funding_source=target)}
    assert carried == {people["regular"][0].worker_id, people["ended"].worker_id}
    assert {c.worker.pk: c.skip for c in plan.skipped} == {
        excluded.worker_id: Skip.EXCLUDED,
        people["died"].worker_id: Skip.DIED,
        people["aged"].worker_id: Skip.AGE,
        people["elsewhere"].worker_id: Skip.COVERED,
    }
    reasons = {c.worker.pk: c.reason for c in plan.skipped}
    assert reasons[people["died"].worker_id] == "Meninggal pada 03-09-2025."
    assert "65 tahun" in reasons[people["aged"].worker_id] and "R-AGE-1" in reasons[people["aged"].worker_id]
    assert "PT Sawit Lamandau" in reasons[people["elsewhere"].worker_id]
    # Cancelled and never-activated coverages of 2025 are not candidates at all.
    assert people["cancelled"].worker_id not in carried | set(reasons)
    assert people["draft"].worker_id not in carried | set(reasons)


@pytest.mark.django_db
def test_new_coverage_starts_the_day_after_the_old_one_ends(source, people, administrator):
    renew_funding(source=source, target_values=values(source), by=administrator)

    for new in Coverage.objects.filter(funding_source__code="DBH-SAWIT-2026").select_related("worker"):
        old = Coverage.objects.get(worker=new.worker, funding_source=source)
        assert new.start_date == old.end_date + datetime.timedelta(days=1)  # no gap, no overlap
        assert (new.end_date, new.status, new.created_by) == (datetime.date(2026, 12, 31), Coverage.Status.DRAFT, administrator)


@pytest.mark.django_db
def test_each_worker_continues_from_their_own_end_date(administrator):
    source = make_funding(coverage_months=6)
    early = covered_workers(source, 1, start=datetime.date(2025, 1, 1))[0]  # ends 30 Jun
    late = covered_workers(source, 1, start=datetime.date(2025, 3, 1))[0]  # ends 31 Aug

    renew_funding(source=source, target_values=values(source, period_start=datetime.date(2025, 7, 1),
                                                      period_end=datetime.date(2026, 6, 30), coverage_months=6), by=administrator)

    starts = dict(Coverage.objects.exclude(funding_source=source).values_list("worker_id", "start_date"))
    assert starts == {early.worker_id: datetime.date(2025, 7, 1), late.worker_id: datetime.date(2025, 9, 1)}


@pytest.mark.django_db
def test_a_start_outside_the_new_period_is_skipped(administrator):
    source = make_funding()
    covered_workers(source, 1)

    plan = renew_funding(source=source, target_values=values(source, period_start=datetime.date(2026, 2, 1)), by=administrator)

    assert [c.skip for c in plan.skipped] == [Skip.PERIOD]
    assert "R-ENR-2" in plan.skipped[0].reason


@pytest.mark.django_db
def test_renewal_into_an_existing_funding_source_uses_it_and_runs_once(source, official):
    covered_workers(source, 3)
    existing = make_funding(code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026, period_start=NEW_YEAR,
                            period_end=datetime.date(2026, 12, 31), quota=4000, budget=Decimal("806400000"))

    first = renew_funding(source=source, target_values=values(source, quota=1, budget=0), by=official)
    again = renew_funding(source=source, target_values=values(source), by=official)

    existing.refresh_from_db()
    assert (existing.quota, existing.budget) == (4000, Decimal("806400000"))  # its own numbers are kept
    assert len(first.carry) == 3 and Coverage.objects.filter(funding_source=existing).count() == 3
    # A second renewal finds everyone already covered in 2026 (R-ENR-3) and adds nobody.
    assert again.carry == [] and {c.skip for c in again.skipped} == {Skip.COVERED}


@pytest.mark.django_db
def test_a_renewal_over_the_new_quota_is_refused_as_a_whole(source, administrator):
    covered_workers(source, 3)

    with pytest.raises(RenewalError, match="Kuota"):
        renew_funding(source=source, target_values=values(source, quota=2), by=administrator)

    assert not FundingSource.objects.filter(code="DBH-SAWIT-2026").exists()
    assert Coverage.objects.count() == 3


@pytest.mark.django_db
def test_invalid_new_values_are_refused(source, administrator):
    covered_workers(source, 1)
    with pytest.raises(RenewalError):
        renew_funding(source=source, target_values=values(source, code="dbh sawit 2026"), by=administrator)


@pytest.mark.django_db
def test_renewal_needs_the_permission_and_is_audited(source, administrator, leader):
    covered_workers(source, 1)
    with pytest.raises(PermissionDenied):
        renew_funding(source=source, target_values=values(source), by=leader)

    renew_funding(source=source, target_values=values(source), by=administrator)

    target = FundingSource.objects.get(code="DBH-SAWIT-2026")
    events = list(history(target))
    assert {e.action for e in events} == {"create", "update"}
    assert all(e.actor == administrator for e in events)
    assert next(e for e in events if e.action == "update").changes["carried"] == [None, 1]


@pytest.mark.django_db
def test_the_preview_changes_nothing(source, people):
    target = FundingSource(**values(source))

    plan = plan_renewal(source=source, target=target)

    assert len(plan.carry) == 3
    assert not FundingSource.objects.filter(code=target.code).exists()
    assert Coverage.objects.filter(funding_source=source).count() == 8


@pytest.mark.django_db
def test_the_official_cannot_create_next_years_program_by_renewing(source, official):
    """Issue 10: posting next year's code created a funding source with any budget and quota."""
    covered_workers(source, 1)

    with pytest.raises(RenewalError, match="administrator"):
        renew_funding(source=source, target_values=values(source, budget=10**12, quota=10**6), by=official)

    assert not FundingSource.objects.filter(code="DBH-SAWIT-2026").exists()


@pytest.mark.django_db
def test_the_official_fills_next_years_program_that_the_administrator_created(source, official, administrator):
    from core.audit import record
    from core.models import AuditEvent

    covered_workers(source, 2)
    target = make_funding(code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026, period_start=NEW_YEAR,
                          period_end=datetime.date(2026, 12, 31), quota=20, budget=Decimal("201600") * 20)
    record(actor=administrator, obj=target, action=AuditEvent.Action.CREATE)  # as the admin's save_model does

    plan = renew_funding(source=source, target_values=values(source), by=official)

    assert len(plan.carry) == 2 and target.coverages.count() == 2


@pytest.mark.django_db
def test_the_official_cannot_fill_a_program_an_official_created(source, official, administrator):
    from core.audit import record
    from core.models import AuditEvent

    covered_workers(source, 1)
    target = make_funding(code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026, period_start=NEW_YEAR,
                          period_end=datetime.date(2026, 12, 31), quota=10**6, budget=Decimal(10**12))
    record(actor=official, obj=target, action=AuditEvent.Action.CREATE)  # as the old renewal did

    with pytest.raises(RenewalError, match="tidak dibuat oleh administrator"):
        renew_funding(source=source, target_values=values(source), by=official)
    assert not target.coverages.exists()
    renew_funding(source=source, target_values=values(source), by=administrator)
    assert target.coverages.count() == 1
