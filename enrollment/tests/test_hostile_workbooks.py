"""Hostile workbooks through every way in (issue 10): the real commands in a subprocess under a
1 GB address-space cap exit 2 with "Berkas ditolak: …" on stderr and no traceback; the admin
import says "Berkas ditolak"; the invoice comparison answers 400 or refuses in its task."""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.tests.hostile_xlsx import HOSTILE, billion_laughs, empty_row_flood, encrypted, macro, renamed_binary
from enrollment.models import ImportBatch, Worker
from funding.billing import prepare_bill
from funding.models import InvoiceComparison

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CAP = 1 << 30  # 1 GB of address space for the whole command, Django included


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _database_url():
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def run_command(*args):
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "lamandau_bpjs.settings"}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300, preexec_fn=_cap_memory)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("build, code, words", HOSTILE, ids=[b.__name__ for b, _c, _w in HOSTILE])
def test_import_workers_refuses_each_hostile_workbook_with_exit_2_under_a_memory_cap(tmp_path, funding, build, code,
                                                                                    words):
    path = build(tmp_path)

    done = run_command("import_workers", str(path), "--funding", funding.code, "--json")

    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stdout == ""
    assert "Berkas ditolak: " in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr
    assert Worker.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("build, code, words", HOSTILE, ids=[b.__name__ for b, _c, _w in HOSTILE])
def test_import_bpjs_answer_refuses_each_hostile_workbook_with_exit_2_under_a_memory_cap(tmp_path, build, code, words):
    path = build(tmp_path)

    done = run_command("import_bpjs_answer", str(path), "--json")

    assert done.returncode == 2, done.stderr[-2000:]
    assert "Berkas ditolak: " in done.stderr and words in done.stderr
    assert "Traceback" not in done.stderr


def wait_until_finished(row, *, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if not row.is_running:
            return row
        time.sleep(0.1)
    raise AssertionError(f"still {row.status} after {timeout} s")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("build", [billion_laughs, empty_row_flood])
def test_the_admin_import_says_the_file_was_refused_not_a_system_error(client, tmp_path, celery_worker, official,
                                                                      funding, build):
    client.force_login(official)
    with open(build(tmp_path), "rb") as handle:
        response = client.post(reverse("admin:enrollment_importbatch_upload"), {"funding_source": funding.pk,
                                                                               "file": handle})
    assert response.status_code == 302, response.content.decode()[:2000]

    batch = wait_until_finished(ImportBatch.objects.get())

    assert batch.status == ImportBatch.Status.REJECTED and batch.message.startswith("Berkas ditolak: ")
    page = client.get(reverse("admin:enrollment_importbatch_change", args=[batch.pk])).content.decode()
    assert "Berkas ditolak: " in page and "kesalahan sistem" not in page
    assert Worker.objects.count() == 0


@pytest.fixture
def bill(funding):
    from funding.tests.conftest import covered_workers

    covered_workers(funding, 1)
    return prepare_bill(funding=funding, first_month=funding.period_start, by=None)


def compare_url(bill):
    return reverse("funding:bill_compare", args=[bill.funding_source.code, bill.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("build, words", [(encrypted, "dilindungi kata sandi"), (macro, "memuat makro"),
                                          (renamed_binary, "bukan berkas Excel .xlsx")])
def test_the_invoice_page_refuses_at_once_with_400_what_the_cheap_checks_see(client, tmp_path, official, bill, build,
                                                                            words):
    client.force_login(official)
    path = build(tmp_path)

    response = client.post(compare_url(bill), {"file": SimpleUploadedFile("bpjs.xlsx", path.read_bytes())})

    page = response.content.decode()
    assert response.status_code == 400 and "Berkas ditolak: " in page and words in page
    assert not InvoiceComparison.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_invoice_task_refuses_a_billion_laughs_and_the_page_says_why(client, tmp_path, celery_worker, official,
                                                                        bill):
    client.force_login(official)
    path = billion_laughs(tmp_path)

    response = client.post(compare_url(bill), {"file": SimpleUploadedFile("bpjs.xlsx", path.read_bytes())})

    assert response.status_code == 302  # structurally a zip: the XML is read in the task, not here
    row = wait_until_finished(InvoiceComparison.objects.get())
    assert row.status == InvoiceComparison.Status.REJECTED
    assert row.message.startswith("Berkas ditolak: ") and "DTD atau entitas XML" in row.message
    page = client.get(response["Location"]).content.decode()
    assert "Berkas ditolak: " in page and 'data-status="rejected"' in page


def test_the_memory_cap_is_real(tmp_path):
    """The cap the tests above run under does stop a process that reads a file whole."""
    done = subprocess.run([sys.executable, "-c", "b = bytearray(2 << 30)"], capture_output=True, text=True,
                          preexec_fn=_cap_memory, timeout=60)
    assert done.returncode != 0 and "MemoryError" in done.stderr


