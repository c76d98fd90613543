"""Two district officials accepting village rows at the same moment on PostgreSQL: an area's share
is never exceeded, the rows beyond it wait (issue 14), because every decision takes places under the
funding source's lock (enrollment/waiting.py, enroll_workers)."""

import datetime

import pytest

from core.models import ProgramRules
from demo.builders import make_funding, make_worker, race
from enrollment.models import AreaShare, Coverage, Desa, Submission
from enrollment.waiting import enroll_or_wait

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime.date(2025, 1, 1)
BATCH = 60


@pytest.fixture(autouse=True)
def _rules_row_exists():
    ProgramRules.current()


def rows(funding, desa, count, minute):
    return [Submission.objects.create(worker=make_worker(desa=desa), funding_source=funding,
                                      status=Submission.Status.CHECKED,
                                      submitted_at=datetime.datetime(2025, 3, 1, 8, minute, tzinfo=datetime.UTC))
            for _ in range(count)]


def in_bulik(funding, bunut):
    return Coverage.objects.holding_place().filter(funding_source=funding, worker__desa__kecamatan=bunut.kecamatan)


def test_two_accepts_racing_for_the_last_place_of_a_kecamatan_share(official):
    bunut = Desa.objects.get(code="62.09.03.2006")
    funding = make_funding(quota=1000)
    AreaShare.objects.create(funding_source=funding, kecamatan=bunut.kecamatan, places=1)
    one, two = rows(funding, bunut, 1, 1), rows(funding, bunut, 1, 2)
    results = race(lambda: enroll_or_wait(one, by=official, start=START),
                   lambda: enroll_or_wait(two, by=official, start=START))
    assert sorted((len(enrolled), len(waiting)) for enrolled, waiting in results) == [(0, 1), (1, 0)]
    assert in_bulik(funding, bunut).count() == 1
    statuses = sorted(Submission.objects.filter(funding_source=funding).values_list("status", flat=True))
    assert statuses == [Submission.Status.ENROLLED, Submission.Status.WAITING]


def test_two_batches_racing_for_a_share_never_exceed_it(official):
    # Batches make each decision take long enough that, without the funding source's lock, both
    # would count the same free places and enrol 2 × BATCH.
    bunut = Desa.objects.get(code="62.09.03.2006")
    funding = make_funding(quota=1000)
    AreaShare.objects.create(funding_source=funding, kecamatan=bunut.kecamatan, places=BATCH + 10)
    a, b = rows(funding, bunut, BATCH, 1), rows(funding, bunut, BATCH, 2)
    results = race(lambda: enroll_or_wait(a, by=official, start=START),
                   lambda: enroll_or_wait(b, by=official, start=START))
    assert sum(len(enrolled) for enrolled, _w in results) == BATCH + 10
    assert sum(len(waiting) for _e, waiting in results) == BATCH - 10
    assert in_bulik(funding, bunut).count() == BATCH + 10
    assert Submission.objects.filter(funding_source=funding, status=Submission.Status.WAITING).count() == BATCH - 10
