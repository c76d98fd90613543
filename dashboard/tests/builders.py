"""Records in the states the dashboard counts, written directly (the enrolment and claim rules
have their own tests in their apps; here only the counting is under test)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from claims.models import Claim
from core.testing import make_worker
from enrollment.demo import WorkerFactory, save_workers
from enrollment.models import Coverage, Desa
from funding.models import ContributionPayment

_kpj = itertools.count(10_000_000_001)
_factory_seed = itertools.count(1)


def cover(worker, funding, *, status=Coverage.Status.ACTIVE, start=None, end=None, jkk=True, jkm=True) -> Coverage:
    """A coverage of ``worker`` by ``funding`` in ``status`` (dates default to the period)."""
    registered = status in (Coverage.Status.ACTIVE, Coverage.Status.ENDED)
    return Coverage.objects.create(
        worker=worker,
        funding_source=funding,
        jkk=jkk,
        jkm=jkm,
        start_date=start or funding.period_start,
        end_date=end or funding.period_end,
        income_basis=funding.income_basis,
        status=status,
        kpj_number=str(next(_kpj)) if registered else "",
        cancelled_at=timezone.now() if status == Coverage.Status.CANCELLED else None,
    )


def claim(coverage, *, status=Claim.Status.SUBMITTED, kind=Claim.Kind.JKK_MEDICAL, filed=None, paid_amount=None,
          **fields) -> Claim:
    """A claim on ``coverage`` in ``status``, filed at ``filed`` (an aware datetime; default now),
    with the timestamps the claims workflow's constraints ask of that status (``fields``: e.g. the
    death claim of a yearly scholarship)."""
    filed = filed or timezone.now()
    return Claim.objects.create(
        worker=coverage.worker, coverage=coverage, kind=kind, status=status, event_date=coverage.start_date,
        submitted_at=filed, **claim_workflow_fields(status, filed, paid_amount), **fields,
    )


def claim_workflow_fields(status, at, paid_amount) -> dict:
    reached = {
        Claim.Status.SUBMITTED: 0, Claim.Status.VERIFIED: 1, Claim.Status.APPROVED: 2, Claim.Status.PAID: 3,
        Claim.Status.REJECTED: 0,
    }[status]
    paid = status == Claim.Status.PAID
    return dict(
        verified_at=at if reached >= 1 else None,
        approved_at=at if reached >= 2 else None,
        rejected_at=at if status == Claim.Status.REJECTED else None,
        reject_reason="Dokumen tidak lengkap" if status == Claim.Status.REJECTED else "",
        paid_at=at if paid else None,
        paid_on=at.date() if paid else None,
        paid_amount=Decimal(paid_amount) if paid else None,
        benefit_amount=Decimal(paid_amount) if paid else None,
        payment_reference=f"TRF-{next(_kpj)}" if paid else "",
    )


def pay(funding, amount, *, reference=None, paid_on=None) -> ContributionPayment:
    return ContributionPayment.objects.create(
        funding_source=funding,
        amount=Decimal(amount),
        paid_on=paid_on or funding.period_start,
        reference=reference or f"TRF-{next(_kpj)}",
    )


def worker_in(desa_code=None, **overrides):
    """make_worker in a given desa (by code)."""
    desa = Desa.objects.select_related("kecamatan").get(code=desa_code) if desa_code else None
    return make_worker(desa=desa, **overrides)


def populate(funding, count, *, status=Coverage.Status.ACTIVE, claims=0):
    """``count`` synthetic workers spread over every desa, each covered by ``funding``, and
    ``claims`` claims on the first of them (bulk inserts: a few queries per thousand)."""
    run = next(_factory_seed)
    factory = WorkerFactory(seed=run, serial_start=run * 997)  # other serials than earlier calls
    desas = list(Desa.objects.select_related("kecamatan").order_by("code"))
    demo = [factory.worker(desas[index % len(desas)]) for index in range(count)]
    workers = save_workers(demo)
    coverages = Coverage.objects.bulk_create(
        [
            Coverage(
                worker=worker,
                funding_source=funding,
                start_date=funding.period_start,
                end_date=funding.period_end,
                income_basis=funding.income_basis,
                status=status,
                kpj_number=str(next(_kpj)),
            )
            for worker in workers
        ]
    )
    filed = timezone.make_aware(datetime.datetime.combine(funding.period_start, datetime.time(9)))
    Claim.objects.bulk_create(
        [
            Claim(
                worker_id=coverage.worker_id,
                coverage=coverage,
                kind=Claim.Kind.JKK_MEDICAL,
                status=Claim.Status.SUBMITTED,
                event_date=coverage.start_date,
                submitted_at=filed,
            )
            for coverage in coverages[:claims]
        ]
    )
    return coverages
