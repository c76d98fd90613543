"""Every funding page checks its role: the allowed roles pass, the others get 403, GET on POST-only 405."""

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from dateutil.relativedelta import relativedelta
from openpyxl import Workbook, load_workbook

from demo.builders import pdf_bytes
from demo.builders import make_funding
from funding.billing import prepare_bill, record_payment
from funding.contributions import month_start
from funding.models import ContributionBill, ContributionPayment, FundingSource, InvoiceComparison
from funding.renewal import in_renewal_season, next_year_values

from .conftest import covered_workers

ROLES = ["official", "bpjs_staff", "leader", "finance_officer", "outsider"]
PDF = pdf_bytes("bukti transfer")


@pytest.fixture
def world(funding):
    covered_workers(funding, 2)
    bill = prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), by=None)
    payment = record_payment(funding=funding, paid_on=datetime.date(2025, 1, 14), amount=1000, reference="SP2D-1",
                             bills=[bill], by=None, proof=SimpleUploadedFile("b.pdf", PDF))
    return funding, bill, payment


def urls(funding, bill, payment):
    code = funding.code
    return {
        "detail": reverse("funding:detail", args=[code]),
        "bills": reverse("funding:bills", args=[code]),
        "bill_create": reverse("funding:bill_create", args=[code]),
        "bill": reverse("funding:bill", args=[code, bill.pk]),
        "bill_export": reverse("funding:bill_export", args=[code, bill.pk]),
        "bill_compare": reverse("funding:bill_compare", args=[code, bill.pk]),
        "bill_cancel": reverse("funding:bill_cancel", args=[code, bill.pk]),
        "payments": reverse("funding:payments", args=[code]),
        "payment_create": reverse("funding:payment_create", args=[code]),
        "payment_proof": reverse("funding:payment_proof", args=[code, payment.pk]),
        "lapsed": reverse("funding:lapsed", args=[code]),
        "ending_soon": reverse("funding:ending_soon"),
        "renew": reverse("funding:renew", args=[code]),
    }


# (page, method, roles allowed)
ACCESS = [
    ("detail", "get", {"official", "bpjs_staff", "leader", "finance_officer"}),
    ("bills", "get", {"official", "leader", "finance_officer"}),
    ("bill", "get", {"official", "leader", "finance_officer"}),
    ("bill_export", "get", {"official", "finance_officer"}),
    ("payments", "get", {"official", "leader", "finance_officer"}),
    ("payment_create", "get", {"finance_officer"}),
    ("payment_proof", "get", {"official", "leader", "finance_officer"}),
    ("lapsed", "get", {"official", "bpjs_staff"}),
    ("ending_soon", "get", {"official", "bpjs_staff"}),
    ("renew", "get", {"official"}),
    ("bill_create", "post", {"official"}),
    ("bill_compare", "post", {"official", "finance_officer"}),
    ("bill_cancel", "post", {"official"}),
    ("payment_create", "post", {"finance_officer"}),
    ("renew", "post", {"official"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("page, method, allowed", ACCESS, ids=[f"{p}-{m}" for p, m, _a in ACCESS])
@pytest.mark.parametrize("role", ROLES)
def test_each_page_is_open_to_its_roles_only(request, client, world, page, method, allowed, role):
    client.force_login(request.getfixturevalue(role))
    url = urls(*world)[page]

    response = getattr(client, method)(url)

    if role in allowed:
        assert response.status_code not in (403, 405), response.status_code
    else:
        assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["bill_create", "bill_compare", "bill_cancel"])
def test_post_only_pages_refuse_get(client, world, official, page):
    client.force_login(official)
    assert client.get(urls(*world)[page]).status_code == 405


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(urls(*world)["bills"])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_leader_reads_figures_but_no_personal_data(client, world, leader):
    funding, bill, _payment = world
    client.force_login(leader)

    page = client.get(urls(*world)["bill"]).content.decode()

    nik = bill.lines.first().coverage.worker.nik
    assert "Rp33.600" in page
    assert nik not in page and 'id="lines"' not in page and 'id="export-link"' not in page


@pytest.mark.django_db
def test_the_official_prepares_a_bill_from_the_page(client, official):
    funding = make_funding()
    covered_workers(funding, 3)
    client.force_login(official)

    response = client.post(reverse("funding:bill_create", args=[funding.code]), {"first_month": "2025-01", "last_month": "2025-03"})

    bill = ContributionBill.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("funding:bill", args=[funding.code, bill.pk])
    assert bill.total == 3 * 3 * Decimal("16800") and bill.created_by == official
    again = client.post(reverse("funding:bill_create", args=[funding.code]), {"first_month": "2025-02"}, follow=True)
    assert "Tidak ada iuran yang belum ditagih" in again.content.decode()


@pytest.mark.django_db
def test_the_finance_officer_records_a_payment_with_its_proof(client, finance_officer):
    funding = make_funding()
    covered_workers(funding, 2)
    bill = prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), by=None)
    client.force_login(finance_officer)
    url = reverse("funding:payment_create", args=[funding.code])
    data = {"paid_on": "2025-01-14", "amount": "33600", "reference": "SP2D-9", "bills": [bill.pk]}

    not_a_pdf = client.post(url, {**data, "proof": SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00 bukan pdf")})
    assert not_a_pdf.status_code == 200 and "bukan PDF, JPEG atau PNG" in not_a_pdf.content.decode()
    assert not ContributionPayment.objects.exists()

    response = client.post(url, {**data, "proof": SimpleUploadedFile("bukti.pdf", PDF)})
    assert response.status_code == 302
    payment = ContributionPayment.objects.get()
    assert payment.recorded_by == finance_officer and payment.proof.read() == PDF
    assert ContributionBill.objects.with_paid().get().status == "paid"

    # The paid bill is no longer offered, so it cannot be paid again.
    twice = client.post(url, {**data, "reference": "SP2D-10", "amount": "1", "proof": SimpleUploadedFile("bukti.pdf", PDF)})
    assert twice.status_code == 200 and "Tidak ada tagihan yang belum lunas" in twice.content.decode()
    assert ContributionPayment.objects.count() == 1
    proof = client.get(reverse("funding:payment_proof", args=[funding.code, payment.pk]))
    assert b"".join(proof.streaming_content) == PDF


@pytest.mark.django_db
def test_a_double_recorded_transfer_is_explained_on_the_form(client, world, finance_officer):
    funding, bill, _payment = world
    client.force_login(finance_officer)

    response = client.post(reverse("funding:payment_create", args=[funding.code]), {
        "paid_on": "2025-01-15", "amount": "1000", "reference": "sp2d-1", "bills": [bill.pk],
        "proof": SimpleUploadedFile("bukti.pdf", PDF),
    })

    assert response.status_code == 200
    assert "sudah dicatat pada 14-01-2025" in response.content.decode()
    assert ContributionPayment.objects.count() == 1


@pytest.mark.django_db
def test_the_bill_downloads_as_excel(client, world, finance_officer):
    funding, bill, _payment = world
    client.force_login(finance_officer)

    response = client.get(urls(*world)["bill_export"])

    assert response["Content-Disposition"].startswith('attachment; filename="tagihan-')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Tagihan", "Per bulan"]


def wait_for_comparison(client, url, *, timeout=60):
    """Follow the page the upload redirected to until the Celery worker has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(url)
        if 'http-equiv="refresh"' not in response.content.decode():
            return response
        time.sleep(0.2)
    raise AssertionError(f"comparison still running after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_the_comparison_is_read_in_the_background_and_its_page_shows_the_differences(client, world, official,
                                                                                         celery_worker):
    funding, bill, _payment = world
    lines = list(bill.lines.select_related("coverage"))
    workbook = Workbook()
    workbook.active.append(["KPJ", "Iuran"])
    workbook.active.append([lines[0].coverage.kpj_number, 16800])
    workbook.active.append(["12345678901", 16800])
    stream = io.BytesIO()
    workbook.save(stream)
    client.force_login(official)

    response = client.post(urls(*world)["bill_compare"], {"file": SimpleUploadedFile("bpjs.xlsx", stream.getvalue())})

    assert response.status_code == 302
    comparison = InvoiceComparison.objects.get()
    assert response["Location"] == reverse("funding:bill_comparison", args=[funding.code, bill.pk, comparison.pk])
    done = wait_for_comparison(client, response["Location"])
    page = done.content.decode()
    assert done.status_code == 200 and 'data-status="done"' in page
    assert 'id="missing"' in page and lines[1].coverage.kpj_number in page
    assert 'id="extra"' in page and "12345678901" in page
    comparison.refresh_from_db()
    assert comparison.progress == 100 and comparison.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_comparison_uploaded_while_redis_is_down_waits_and_the_sweeper_sends_it(client, world, official,
                                                                                  celery_worker):
    from core import queued_work
    from core.tests.faults import broker, spare_port

    funding, bill, _payment = world
    workbook = Workbook()
    workbook.active.append(["KPJ", "Iuran"])
    workbook.active.append(["12345678901", 16800])
    stream = io.BytesIO()
    workbook.save(stream)
    client.force_login(official)
    with broker(f"redis://127.0.0.1:{spare_port()}/0"):  # nothing listens there: Redis is down
        response = client.post(urls(*world)["bill_compare"], {"file": SimpleUploadedFile("bpjs.xlsx", stream.getvalue())})
    assert response.status_code == 302  # accepted, not a 500
    comparison = InvoiceComparison.objects.get()
    assert comparison.waiting_for_queue and comparison.status == InvoiceComparison.Status.QUEUED
    assert 'id="comparison-waiting"' in client.get(response["Location"]).content.decode()

    assert queued_work.sweep()["funding.InvoiceComparison"] == [comparison.pk]  # Redis is back
    done = wait_for_comparison(client, response["Location"])
    assert 'data-status="done"' in done.content.decode() and "12345678901" in done.content.decode()
    comparison.refresh_from_db()
    assert not comparison.waiting_for_queue


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused_at_once_with_400(client, world, official):
    client.force_login(official)

    bad = client.post(urls(*world)["bill_compare"], {"file": SimpleUploadedFile("bpjs.xlsx", b"rusak")})

    assert bad.status_code == 400
    assert "Berkas ditolak: berkas bpjs.xlsx bukan berkas Excel .xlsx." in bad.content.decode()
    assert not InvoiceComparison.objects.exists()


@pytest.mark.django_db
def test_the_program_page_shows_the_budget_warning(client, official):
    funding = make_funding(quota=10, budget=Decimal("16800") * 12)
    coverages = covered_workers(funding, 1)
    prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), by=None)
    from enrollment.services import cancel_coverage

    cancel_coverage(coverage=coverages[0], by=None, reason="ganti")
    covered_workers(funding, 1)
    client.force_login(official)

    page = client.get(reverse("funding:detail", args=[funding.code])).content.decode()

    assert 'id="forecast-warning"' in page and "melebihi anggaran Rp201.600" in page


@pytest.mark.django_db
def target_of(response):
    return FundingSource.objects.get(code=response.context["form"].cleaned_data["code"])


def test_the_official_renews_the_program_in_two_steps(client, official):
    source = make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025")
    # Next year's program exists (the administrator creates funding sources); renewal fills it.
    make_funding(**{**next_year_values(source), "income_basis": source.income_basis, "budget": source.budget})
    coverages = covered_workers(source, 3)
    client.force_login(official)
    url = reverse("funding:renew", args=[source.code])
    form = client.get(url)
    values = {key: (value.isoformat() if hasattr(value, "isoformat") else value)
              for key, value in form.context["form"].initial.items()}

    preview = client.post(url, {**values, "step": "preview"})
    assert preview.status_code == 200 and preview.context["plan"].carry and not target_of(preview).coverages.exists()

    done = client.post(url, {**values, "step": "confirm", "exclude": [coverages[0].worker_id]})

    assert done.status_code == 200 and "2 pekerja dilanjutkan" in done.content.decode()
    target = FundingSource.objects.get(code="DBH-SAWIT-2026")
    assert set(target.coverages.values_list("worker_id", flat=True)) == {c.worker_id for c in coverages[1:]}


def _sizes(funding, n):
    """n workers (with an heir each) whose coverage ends within 30 days of today, one paid and one
    unpaid bill (so some months are lapsed)."""
    from demo.builders import make_heir

    for coverage in covered_workers(funding, n):
        make_heir(coverage.worker)
    first = month_start(funding.period_start)
    bill = prepare_bill(funding=funding, first_month=first, last_month=first + relativedelta(months=2), by=None)
    record_payment(funding=funding, paid_on=funding.period_start, amount=1, reference=f"R{n}", bills=[bill], by=None)
    prepare_bill(funding=funding, first_month=first + relativedelta(months=3), by=None)
    return bill


# The queries of each page, whatever the number of rows (session, user, permissions included).
# detail: + 2 for the area shares and the waiting list (issue 14).
PAGE_QUERIES = {"detail": 22, "bills": 6, "bill": 10, "payments": 7, "lapsed": 12, "ending_soon": 7}


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_list_pages_keep_a_constant_number_of_queries(client, official, django_assert_max_num_queries, n, page):
    today = timezone.localdate()
    funding = make_funding(period_start=today - relativedelta(months=6), period_end=today + datetime.timedelta(days=10),
                           fiscal_year=today.year)
    bill = _sizes(funding, n)
    client.force_login(official)
    url = urls(funding, bill, bill.allocations.first().payment)[page]

    # From October the program page also looks up next year's program for its renewal (none here);
    # test_renewal_progress.py counts the page with one.
    limit = PAGE_QUERIES[page] + (1 if page == "detail" and in_renewal_season(today) else 0)
    with django_assert_max_num_queries(limit):
        response = client.get(url)

    assert response.status_code == 200
    rows = {"bill": "lines", "lapsed": "lapsed", "ending_soon": "ending", "bills": "bills", "payments": "payments"}
    if page in rows:
        table = response.content.decode().split(f'id="{rows[page]}"')[1].split("</table>")[0]
        assert table.count("<tr>") - 1 == {"bills": 2, "payments": 1}.get(page, n)


@pytest.mark.django_db
def test_the_renewal_form_shows_an_existing_target_with_its_own_numbers(client, official):
    source = make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025")
    make_funding(code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
                 period_end=datetime.date(2026, 12, 31), quota=4000, budget=Decimal("806400000"))
    client.force_login(official)

    response = client.get(reverse("funding:renew", args=[source.code]))

    assert 'id="existing-note"' in response.content.decode()
    assert response.context["form"].initial["quota"] == 4000


@pytest.mark.django_db
def test_the_official_is_told_that_only_the_administrator_creates_next_years_program(client, official):
    source = make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025")
    covered_workers(source, 1)
    client.force_login(official)
    url = reverse("funding:renew", args=[source.code])
    values = {key: (value.isoformat() if hasattr(value, "isoformat") else value)
              for key, value in client.get(url).context["form"].initial.items()}

    for step in ("preview", "confirm"):
        response = client.post(url, {**values, "budget": 10**12, "step": step})
        assert response.status_code == 403 and "administrator" in response.content.decode()
    assert not FundingSource.objects.filter(code="DBH-SAWIT-2026").exists()
