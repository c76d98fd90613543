"""Benchmark: N participation certificates through the real Celery path, against a bare WeasyPrint render.

    make bench-certificates [N=500]
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/certificates.py [N]

Creates N active coverages in the benchmark database (created if missing, its bench rows removed
before and after), starts ``celery worker --pool prefork --concurrency 2`` on a queue of its own,
starts the funding source's batch exactly as the admin does and waits for it to finish. In the same
run it renders the same certificate's HTML N_BARE times with plain WeasyPrint in this one process.

Prints certificates/second, ms per page per core (wall time × 2 workers / pages), peak worker
memory (VmHWM of the worker processes), the bare ms per page and the ratio; the last line is one
JSON object. Targets (issue 5): ratio ≤ 1.3 per core; 3,200 certificates in under 180 s.
"""

import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamandau_bpjs.settings")

WORKERS = 2
FUNDING_CODE = "BENCH-CERTIFICATES"
N_BARE = 100


def ensure_database(url: str) -> None:
    import psycopg
    from urllib.parse import urlparse

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def remove_bench_data() -> None:
    from certificates.models import Certificate, CertificateBatch
    from enrollment.models import Coverage, Worker
    from funding.models import FundingSource

    funding = FundingSource.objects.filter(code=FUNDING_CODE).first()
    if funding is None:
        return
    worker_ids = list(Coverage.objects.filter(funding_source=funding).values_list("worker_id", flat=True))
    CertificateBatch.objects.filter(funding_source=funding).delete()
    Certificate.objects.filter(coverage__funding_source=funding).delete()
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
    factory = WorkerFactory(seed=5, serial_start=5000)
    desas = list(Desa.objects.select_related("kecamatan"))
    demo = [factory.worker(desas[i % len(desas)]) for i in range(n)]
    workers = save_workers(demo)
    now = timezone.now()
    Coverage.objects.bulk_create(
        [
            Coverage(worker=w, funding_source=funding, start_date=funding.period_start, end_date=funding.period_end,
                     income_basis=funding.income_basis, status=Coverage.Status.ACTIVE, kpj_number=f"99{i:09d}",
                     registered_on=funding.period_start, submitted_at=now, activated_at=now)
            for i, w in enumerate(workers)
        ],
        batch_size=2000,
    )
    return funding


def start_worker(queue: str, media_root: str, log_path: str) -> subprocess.Popen:
    env = {**os.environ, "CERTIFICATE_QUEUE": queue, "MEDIA_ROOT": media_root, "LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).parent / "celery"), "-A", "lamandau_bpjs", "worker", "--pool", "prefork",
               "--concurrency", str(WORKERS), "--queues", queue, "--hostname", f"bench-{queue}@%h",
               "--without-mingle", "--without-gossip", "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:
            pass
    return pids


def peak_memory_mb(pids) -> float:
    """The largest peak resident set (VmHWM) among the worker's processes."""
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return max(peaks, default=0.0)


def wait_until_ready(queue: str, timeout=60.0) -> None:
    from lamandau_bpjs.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"bench-{queue}@{os.uname().nodename}"], timeout=0.5):
            return
    raise SystemExit("the benchmark worker did not start (see its log)")


def bare_ms_per_page(certificate) -> float:
    """The same certificate (its HTML and its stylesheet) rendered by plain WeasyPrint in this process,
    warm, with one shared FontConfiguration: ``write_pdf`` with the stylesheet given by URL, as a
    plain caller would. Our path differs only by what it keeps between documents."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from django.conf import settings

    from certificates.pdf import FETCHER, STYLESHEET_PATH
    from certificates.rendering import certificate_html, document_data, load_certificate

    certificate = load_certificate(certificate.pk)
    html = certificate_html(certificate, document_data(certificate))
    fonts = FontConfiguration()
    css_url = f"{settings.SITE_URL}/{settings.STATIC_URL.strip('/')}/{STYLESHEET_PATH}"

    def render():
        stylesheet = CSS(url=css_url, url_fetcher=FETCHER, font_config=fonts)
        HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=FETCHER).write_pdf(
            font_config=fonts, stylesheets=[stylesheet]
        )

    for _ in range(3):  # warm-up: imports, fonts, caches
        render()
    timings = []
    for _ in range(N_BARE):
        started = time.perf_counter()
        render()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.mean(timings)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("N", 500))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL, or run `make bench-certificates`.")
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    remove_bench_data()
    funding = create_coverages(n)

    from certificates import batches
    from certificates.models import Certificate, CertificateBatch, CertificateBatchItem

    queue = f"bench-{uuid.uuid4().hex[:6]}"
    media_root = tempfile.mkdtemp(prefix="bench-certificates-")
    os.environ["MEDIA_ROOT"] = media_root
    from django.conf import settings

    settings.CERTIFICATE_QUEUE = queue
    settings.MEDIA_ROOT = media_root
    worker = start_worker(queue, media_root, os.path.join(media_root, "worker.log"))
    try:
        wait_until_ready(queue)
        started = time.perf_counter()
        batch = batches.start_certificate_batch(funding=funding, by=None)
        pids, rendered_s = [], None
        while True:
            pids = sorted(set(pids) | set(process_tree(worker.pid)))
            status = CertificateBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()
            if rendered_s is None and not CertificateBatchItem.objects.filter(
                batch=batch, state__in=[CertificateBatchItem.State.PENDING, CertificateBatchItem.State.CLAIMED]
            ).exists():
                rendered_s = time.perf_counter() - started
            if status == "done":
                break
            if worker.poll() is not None:
                raise SystemExit("the benchmark worker died")
            time.sleep(0.25)  # the poller shares the 2 cores with the workers: look rarely
        total_s = time.perf_counter() - started
        peak_mb = peak_memory_mb(process_tree(worker.pid))
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)

    batch.refresh_from_db()
    failed = CertificateBatchItem.objects.filter(batch=batch, state=CertificateBatchItem.State.FAILED).count()
    pages = sum(Certificate.objects.filter(coverage__funding_source=funding).values_list("pages", flat=True))
    bare = bare_ms_per_page(Certificate.objects.filter(coverage__funding_source=funding).first())
    remove_bench_data()

    per_s = n / rendered_s
    ms_per_page = rendered_s * 1000 * WORKERS / pages
    result = {
        "n": n,
        "per_s": round(per_s, 1),
        "ms_per_page": round(ms_per_page, 1),
        "peak_worker_mb": round(peak_mb, 1),
        "bare_ms_per_page": round(bare, 1),
        "ratio_to_bare": round(ms_per_page / bare, 2),
        "render_s": round(rendered_s, 1),
        "total_with_merge_s": round(total_s, 1),
        "failed": failed,
        "workers": WORKERS,
    }
    print(f"certificates: {n} rendered by {WORKERS} Celery worker processes in {rendered_s:.1f} s "
          f"({per_s:.1f}/s); merged PDF + ZIP ready after {total_s:.1f} s; {failed} failed")
    print(f"per core: {ms_per_page:.1f} ms/page; bare WeasyPrint, same HTML, one process: {bare:.1f} ms/page; "
          f"ratio {ms_per_page / bare:.2f} (target <= 1.3)")
    print(f"peak worker memory: {peak_mb:.0f} MB; 3,200 certificates at this rate: {3200 / per_s:.0f} s (target < 180 s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
