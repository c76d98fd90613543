"""Benchmark: a year's bill, the lapse check and the daily end of coverage for N workers.

    make bench-billing [BILLING_N=3200]
    DATABASE_URL=postgres://… .venv/bin/python bench/billing.py [N]

Creates N active coverages for 12 months in the benchmark database (created if missing; its own
rows removed before and after), then times, each against a baseline measured in the same run:

- ``prepare_bill`` for the whole year (N × 12 lines priced by RateTable, checked, audited)
  against a bare ``bulk_create`` of the same lines;
- ``lapsed_months_by_coverage`` for the whole program with every month unpaid (the slow path)
  against reading the same N × 12 lines with one SELECT;
- ``end_expired_coverages`` (one row lock, transition check and audit row per coverage, as the
  beat task runs it) against one conditional UPDATE of the same rows.

The last line printed is one JSON object.
"""

import datetime
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamandau_bpjs.settings")

FUNDING_CODE = "BENCH-BILLING"


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def remove_bench_data() -> None:
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent
    from enrollment.models import Coverage, Worker
    from funding.models import BillLine, ContributionBill, FundingSource

    funding = FundingSource.objects.filter(code=FUNDING_CODE).first()
    if funding is None:
        return
    coverage_ids = list(Coverage.objects.filter(funding_source=funding).values_list("pk", flat=True))
    worker_ids = list(Coverage.objects.filter(funding_source=funding).values_list("worker_id", flat=True))
    BillLine.objects.filter(bill__funding_source=funding).delete()
    ContributionBill.objects.filter(funding_source=funding).delete()
    AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Coverage),
                              object_id__in=[str(pk) for pk in coverage_ids]).delete()
    Coverage.objects.filter(funding_source=funding).delete()
    Worker.objects.filter(pk__in=worker_ids).delete()
    funding.delete()


def create_coverages(n: int):
    from django.utils import timezone

    from demo.builders import WorkerFactory, save_workers
    from enrollment.models import Coverage, Desa
    from funding.models import FundingSource

    funding = FundingSource.objects.create(
        code=FUNDING_CODE, name="DBH Sawit (benchmark)", fiscal_year=2025, period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31), coverage_months=12, quota=n, budget=201600 * n,
    )
    factory = WorkerFactory(seed=7, serial_start=7000)
    desas = list(Desa.objects.select_related("kecamatan"))
    workers = save_workers([factory.worker(desas[i % len(desas)]) for i in range(n)])
    now = timezone.now()
    Coverage.objects.bulk_create(
        [
            Coverage(worker=w, funding_source=funding, start_date=funding.period_start, end_date=funding.period_end,
                     income_basis=funding.income_basis, status=Coverage.Status.ACTIVE, kpj_number=f"77{w.pk:09d}",
                     submitted_at=now, activated_at=now)
            for w in workers
        ],
        batch_size=2000,
    )
    return funding


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("N", 3200))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL), or run `make bench-billing`.")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    remove_bench_data()
    funding = create_coverages(n)
    try:
        from enrollment.models import Coverage
        from funding.billing import plan_bill_lines, prepare_bill
        from funding.expiry import end_expired_coverages
        from funding.models import BillLine, ContributionBill
        from funding.services import lapsed_months_by_coverage

        jan, dec = datetime.date(2025, 1, 1), datetime.date(2025, 12, 1)

        # Baseline: the same lines, priced once, written with a bare bulk_create, then removed.
        lines = plan_bill_lines(funding, jan, dec)
        with transaction.atomic():
            bare = ContributionBill.objects.create(funding_source=funding, first_month=jan, last_month=dec,
                                                   total=sum(line.amount for line in lines), coverage_count=n)
            for line in lines:
                line.bill = bare
            bill_baseline_s, _ = timed(lambda: BillLine.objects.bulk_create(lines, batch_size=5000))
            transaction.set_rollback(True)
        bill_s, bill = timed(lambda: prepare_bill(funding=funding, first_month=jan, last_month=dec, by=None))
        assert bill.lines.count() == n * 12

        today = datetime.date(2026, 1, 20)  # every month of 2025 past due and unpaid
        lapse_baseline_s, _ = timed(lambda: list(BillLine.objects.filter(bill=bill).values_list("coverage_id", "month")))
        lapse_s, lapsed = timed(lambda: lapsed_months_by_coverage(Coverage.objects.filter(funding_source=funding).values("pk"),
                                                                  today=today))
        assert len(lapsed) == n

        with transaction.atomic():
            end_baseline_s, updated = timed(lambda: Coverage.objects.filter(
                funding_source=funding, status=Coverage.Status.ACTIVE, end_date__lt=today).update(status=Coverage.Status.ENDED, ended_at=django.utils.timezone.now()))
            transaction.set_rollback(True)
        end_s, ended = timed(lambda: end_expired_coverages(today=today))
        assert ended == updated == n
        again_s, again = timed(lambda: end_expired_coverages(today=today))
        assert again == 0
    finally:
        remove_bench_data()

    result = {
        "coverages": n,
        "bill_lines": n * 12,
        "bill_s": round(bill_s, 3),
        "bill_baseline_s": round(bill_baseline_s, 3),
        "bill_ratio": round(bill_s / bill_baseline_s, 2),
        "lapse_s": round(lapse_s, 3),
        "lapse_baseline_s": round(lapse_baseline_s, 3),
        "lapse_ratio": round(lapse_s / lapse_baseline_s, 2),
        "end_s": round(end_s, 3),
        "end_ms_per_coverage": round(end_s * 1000 / n, 2),
        "end_baseline_s": round(end_baseline_s, 3),
        "end_ratio": round(end_s / end_baseline_s, 1),
        "end_second_run_s": round(again_s, 3),
    }
    print(f"Bill for {n} workers × 12 months ({n * 12} lines): {bill_s:.2f} s "
          f"(bare bulk_create {bill_baseline_s:.2f} s, ratio {result['bill_ratio']})")
    print(f"Lapse check, all months unpaid: {lapse_s:.2f} s (reading the lines {lapse_baseline_s:.2f} s, "
          f"ratio {result['lapse_ratio']})")
    print(f"End of coverage: {end_s:.2f} s, {result['end_ms_per_coverage']} ms each (one UPDATE {end_baseline_s:.2f} s, "
          f"ratio {result['end_ratio']}); second run {again_s:.2f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
