"""Two officials enrolling at the same moment on PostgreSQL: the quota, the budget and the
no-overlap rule hold (R-ENR-3, R-ENR-4), because enrolment locks the funding source and the worker."""

import datetime
from decimal import Decimal

import pytest

from core.models import ProgramRules
from demo import builders
from demo.builders import make_funding, make_worker
from enrollment.models import Coverage
from enrollment.services import EnrollmentError, enroll_workers

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime.date(2025, 1, 1)
# Batches make each enrolment take long enough that, without the locks, the two checks
# would overlap and both pass (verified by removing the select_for_update calls).
BATCH = 150


@pytest.fixture(autouse=True)
def _rules_row_exists():
    # Otherwise the two threads' first-use insert of the rules row would serialise them by accident.
    ProgramRules.current()


def batch():
    return [make_worker() for _ in range(BATCH)]


def race(*calls):
    """(successes, refusals) of calls run at the same moment; an error other than a refusal fails."""
    results = builders.race(*calls)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, EnrollmentError)]
    if unexpected:
        raise unexpected[0]
    return [r for r in results if not isinstance(r, Exception)], [str(r) for r in results if isinstance(r, Exception)]


def test_two_officials_cannot_both_take_the_last_quota_places(official):
    funding = make_funding(quota=BATCH + 10, budget=Decimal("201600") * 1000)
    a, b = batch(), batch()
    ok, refused = race(
        lambda: enroll_workers(workers=a, funding=funding, start=START, by=official),
        lambda: enroll_workers(workers=b, funding=funding, start=START, by=official),
    )
    assert len(ok) == 1 and "Kuota" in refused[0]
    assert Coverage.objects.filter(funding_source=funding).count() == BATCH


def test_two_officials_cannot_both_spend_the_last_of_the_budget(official):
    funding = make_funding(quota=1000, budget=Decimal("201600") * (BATCH + 10))
    a, b = batch(), batch()
    ok, refused = race(
        lambda: enroll_workers(workers=a, funding=funding, start=START, by=official),
        lambda: enroll_workers(workers=b, funding=funding, start=START, by=official),
    )
    assert len(ok) == 1 and "Anggaran" in refused[0]
    assert Coverage.objects.filter(funding_source=funding).count() == BATCH


def test_the_same_workers_cannot_be_enrolled_twice_for_overlapping_days(official):
    first, second = make_funding(quota=1000, budget=Decimal("1e9")), make_funding(quota=1000, budget=Decimal("1e9"))
    workers = batch()
    ok, refused = race(
        lambda: enroll_workers(workers=workers, funding=first, start=START, by=official),
        lambda: enroll_workers(workers=workers, funding=second, start=START, by=official),
    )
    assert len(ok) == 1 and "R-ENR-3" in refused[0]
    assert Coverage.objects.filter(worker__in=workers).count() == BATCH
