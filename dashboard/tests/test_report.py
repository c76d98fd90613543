"""The monthly report (laporan bulanan): a real PDF rendered through WeasyPrint, read back with
pdftotext, says what the dashboard says for the same month and filter, small cells included."""

import datetime
import io
import re
import subprocess
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.files.storage import default_storage
from django.utils import timezone

from dashboard.queries import Filters
from dashboard.report import FOLDER, build_monthly_report_pdf, list_reports
from dashboard.tasks import render_last_months_report

from .conftest import KEC_A


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"[ \t]+", " ", text)


def shown(value) -> str:
    """A count as the page and the report print it: 3.320, <5, 0."""
    return value if isinstance(value, str) else f"{value:,}".replace(",", ".")


def pages(pdf: bytes) -> int:
    return int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode())[1])


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", f"kecamatan={KEC_A}", "funding=PAST", "year=all"])
def test_the_reports_figures_are_the_dashboards_for_this_month_and_filter(client, leader, program, query):
    month = program.today.replace(day=1)
    client.force_login(leader)  # Pimpinan: small cells hidden, like the report
    summary = client.get(f"/dashboard/api/summary?{query}").json()
    regions = client.get(f"/dashboard/api/regions?{query}").json()
    monthly = client.get(f"/dashboard/api/monthly?{query}").json()["months"]
    events = client.get(f"/dashboard/api/month?{query}&month={month:%Y-%m}").json()
    params = dict(part.split("=") for part in query.split("&") if part)

    pdf, page_count = build_monthly_report_pdf(Filters.from_params(params), month)
    text = pdf_text(pdf)

    assert 1 <= page_count <= 3 and pages(pdf) == page_count
    assert summary["scope"] in text.replace("\n", " ")
    covered_line = next(line for line in text.splitlines() if line.strip().startswith("Pekerja tercakup"))
    assert covered_line.split()[2] == shown(summary["covered"])
    row = next((r for r in monthly if r["month"] == f"{month:%Y-%m}"), {"enrolments": 0})
    assert re.search(rf"Kepesertaan baru bulan ini {re.escape(shown(row['enrolments']))}\b", text)
    assert re.search(rf"Kepesertaan berakhir bulan ini {re.escape(shown(events['ended']))}\b", text)
    assert re.search(rf"Pekerja meninggal bulan ini {re.escape(shown(events['deaths']))}\b", text)
    claims = r"\s*/\s*".join(re.escape(shown(summary[k])) for k in ("claims_filed", "claims_approved", "claims_paid"))
    assert re.search(rf"Klaim diajukan / disetujui / dibayar {claims}\n", text)
    for kecamatan in regions["kecamatan"]:
        values = [shown(kecamatan["covered"]), shown(kecamatan["target"]) if kecamatan["target"] else "—"]
        assert re.search(rf"\n ?{re.escape(kecamatan['name'])} {re.escape(' '.join(values))} ", text), kecamatan
    for program_row in summary["programs"]:
        assert program_row["name"] in text
    assert "Kepala Dinas Tenaga Kerja dan Transmigrasi" in text and "<5" in text  # small cells, signature


@pytest.mark.django_db
def test_all_years_print_each_years_quota_apart(program):
    pdf, _pages = build_monthly_report_pdf(Filters.from_params({"year": "all"}), program.today.replace(day=1))

    quota_line = next(line for line in pdf_text(pdf).splitlines() if "Kuota pekerja" in line)
    assert "per tahun" in quota_line and "30" not in quota_line  # 10 + 20 never added into one figure


@pytest.mark.django_db
def test_a_month_not_begun_is_refused_by_the_command(tmp_path):
    from django.core.management.base import CommandError

    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).strftime("%Y-%m")
    with pytest.raises(CommandError, match="belum dimulai"):
        call_command("monthly_report", "--month", next_month, "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="tidak valid"):
        call_command("monthly_report", "--month", "12-2026", "--output", str(tmp_path / "x.pdf"))


@pytest.mark.django_db
def test_the_command_writes_the_report_of_a_program(tmp_path, program):
    out = tmp_path / "laporan.pdf"
    stdout = io.StringIO()

    call_command("monthly_report", "--month", f"{program.today:%Y-%m}", "--funding", "NOW", "--output", str(out), stdout=stdout)

    assert "halaman" in stdout.getvalue()
    assert "Program berjalan" in pdf_text(out.read_bytes())


def test_the_beat_renders_last_months_report_on_the_first():
    entry = settings.CELERY_BEAT_SCHEDULE["monthly-report"]
    assert entry["task"] == render_last_months_report.name
    assert entry["schedule"].day_of_month == {1}


def wait_for_report(month, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [r for r in list_reports() if r["month"] == month and r["name"]]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no report for {month} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_queues_the_report_on_the_worker_and_lists_it_for_download(client, leader, outsider, program, celery_worker):
    month = f"{program.today:%Y-%m}"
    client.force_login(leader)

    response = client.post("/dashboard/laporan/buat", {"month": month, "funding": "NOW"})

    assert response.status_code == 302 and response["Location"].endswith("?funding=NOW#laporan")
    report = wait_for_report(month)
    assert report["name"].startswith(f"laporan-bulanan-{month}-now-")
    html = client.get("/dashboard/?funding=NOW").content.decode()
    assert f'href="/dashboard/laporan/{report["name"]}"' in html
    download = client.get(f"/dashboard/laporan/{report['name']}")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "Program berjalan" in pdf_text(b"".join(download.streaming_content))
    assert client.get("/dashboard/laporan/..%2Fsecret.pdf").status_code == 404
    assert client.get("/dashboard/laporan/buat").status_code == 405
    client.force_login(outsider)
    assert client.get(f"/dashboard/laporan/{report['name']}").status_code == 403
    assert client.post("/dashboard/laporan/buat", {"month": month}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_stores_last_months_report(program, celery_worker):
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")

    name = render_last_months_report.delay().get(timeout=120)

    assert name.startswith(f"laporan-bulanan-{last_month}-")
    assert wait_for_report(last_month)["name"] == name
    assert FOLDER == "laporan-bulanan"


@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_while_redis_is_down_is_accepted_shown_waiting_and_made_after_the_sweep(
        client, leader, program, celery_worker):
    from core import queued_work
    from core.tests.faults import broker, spare_port
    from dashboard.models import MonthlyReport

    month = f"{program.today:%Y-%m}"
    client.force_login(leader)
    with broker(f"redis://127.0.0.1:{spare_port()}/0"):  # nothing listens there: Redis is down
        response = client.post("/dashboard/laporan/buat", {"month": month, "funding": "NOW"})
    assert response.status_code == 302  # accepted, not a 500
    report = MonthlyReport.objects.get()
    assert report.status == MonthlyReport.Status.QUEUED and report.waiting_for_queue
    assert report.requested_by == leader and report.filters == {"funding": "NOW", "year": "", "kecamatan": ""}
    page = client.get("/dashboard/?funding=NOW").content.decode()
    assert f'data-report="{report.pk}"' in page and "Menunggu antrean" in page
    assert str(queued_work.WAITING_MESSAGE) in page
    assert not open_link(page, month)

    assert queued_work.sweep()["dashboard.MonthlyReport"] == [report.pk]  # Redis is back
    made = wait_for_report(month)
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.DONE and not report.waiting_for_queue and made["name"] == report.name
    download = client.get(f"/dashboard/laporan/{report.name}")
    assert download.status_code == 200 and "Program berjalan" in pdf_text(b"".join(download.streaming_content))
    assert "Menunggu antrean" not in client.get("/dashboard/?funding=NOW").content.decode()


def open_link(page: str, month: str) -> bool:
    return f'data-month="{month}"' in page


@pytest.mark.django_db
def test_a_report_is_made_once_however_often_its_task_runs(program, leader):
    from dashboard.models import MonthlyReport
    from dashboard.report import make_monthly_report

    report = MonthlyReport.objects.create(month=program.today.replace(day=1), filters={"funding": "NOW"},
                                          requested_by=leader)

    first = make_monthly_report(report.pk)
    second = make_monthly_report(report.pk)

    assert first.status == second.status == MonthlyReport.Status.DONE and first.name == second.name
    stored = [name for name in default_storage.listdir(FOLDER)[1] if name.startswith("laporan-bulanan-")]
    assert stored == [first.name]


@pytest.mark.django_db
def test_a_report_that_cannot_be_made_is_recorded_failed_and_not_offered_for_download(client, program, leader):
    from dashboard.models import MonthlyReport
    from dashboard.report import make_monthly_report

    report = MonthlyReport.objects.create(month=program.today.replace(day=1), filters={"funding": "GONE"},
                                          requested_by=leader)

    failed = make_monthly_report(report.pk)

    assert failed.status == MonthlyReport.Status.FAILED and failed.message and not failed.name
    client.force_login(leader)
    page = client.get("/dashboard/").content.decode()
    assert f'data-report="{report.pk}"' in page and 'data-status="failed"' in page
