"""Issue 15: approving a death claim closes the worker's account.

The running coverage ends on the date of death (audited, with the reason), no month after the
month of death is billed, months already billed after it are a credit in the invoice comparison,
committed cost, the program page and the dashboard stop counting the worker, the quota place is
free again, the certificate is outdated and verifies as ended, renewal skips the worker. A
rejected death claim ends nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Claim
from claims.services import approve_claim, reject_claim, verify_claim
from demo.builders import file_claim, make_coverage, upload_required
from core.audit import history
from core.models import AuditEvent
from demo.builders import make_funding, make_heir, make_worker
from certificates.rendering import (
    build_certificate_pdf, certificate_for, is_outdated, load_certificate, save_certificate_pdf, verify_certificate,
)
from certificates.models import Certificate
from enrollment.models import Coverage, Heir
from enrollment.services import EnrollmentError, enroll_worker
from funding.billing import BillingError, death_credits, prepare_bill, record_payment
from funding.invoices import Invoice, InvoiceLine, compare_invoice
from funding.models import BillLine
from funding.renewal import Skip, build_target, next_year_values, plan_renewal
from funding.services import budget_tracking, committed_cost, funding_summary

pytestmark = pytest.mark.django_db

MONTHLY = Decimal("16800")  # R-RATE-3: JKK + JKM at the minimum basis
DIED_ON = datetime.date(2026, 3, 12)


@pytest.fixture
def program(db):
    """A program that is still running (its period is not over), quota 2."""
    return make_funding(code="DBH-SAWIT-2026", name="DBH Sawit 2026", fiscal_year=2026,
                        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31),
                        quota=2, budget=Decimal("201600") * 2)


@pytest.fixture
def dying(program):
    """A worker whose whole year is billed and paid in advance (R-PAY-1), with a wife."""
    worker = make_worker(full_name="ANDREAS LUDIN")
    coverage = make_coverage(worker, program)
    make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="LUSIA LUDIN")
    return coverage


def death_claim(coverage, official, bpjs_staff, *, kind=Claim.Kind.JKM_DEATH):
    worker = coverage.worker
    claim = file_claim(coverage=coverage, by=official, kind=kind, event_date=DIED_ON,
                       claimant=worker.heirs.get(), event_place="Nanga Bulik")
    upload_required(claim, by=official)
    return verify_claim(claim=claim, by=bpjs_staff)


def approved_death(coverage, official, bpjs_staff, **kwargs):
    claim = approve_claim(claim=death_claim(coverage, official, bpjs_staff, **kwargs), by=bpjs_staff)
    coverage.refresh_from_db()
    return claim


@pytest.mark.parametrize("kind", [Claim.Kind.JKM_DEATH, Claim.Kind.JKK_DEATH])
def test_approving_a_death_claim_ends_the_running_coverage_on_the_date_of_death(dying, official, bpjs_staff, kind):
    claim = approved_death(dying, official, bpjs_staff, kind=kind)
    assert dying.status == Coverage.Status.ENDED
    assert dying.end_date == DIED_ON
    assert dying.end_reason == Coverage.EndReason.DEATH
    (event,) = [e for e in history(dying) if e.action == AuditEvent.Action.TRANSITION and e.object_id == str(dying.pk)
                and e.changes.get("status") == ["active", "ended"]]
    assert event.actor == bpjs_staff
    assert event.changes["end_date"] == ["2026-12-31", "2026-03-12"]
    assert event.changes["end_reason"] == ["", "death"]
    assert claim.number in event.note
    # The claim's own history says which coverage was ended.
    (closing,) = [e for e in history(claim) if "kepesertaan_diakhiri" in e.changes]
    assert closing.changes["kepesertaan_diakhiri"][1] == "DBH Sawit 2026 (Berakhir, 12-03-2026)"


def test_a_coverage_starting_after_the_death_is_cancelled_with_the_reason(dying, official, bpjs_staff):
    later = make_funding(code="DBH-SAWIT-2027", fiscal_year=2027, period_start=datetime.date(2027, 1, 1),
                         period_end=datetime.date(2027, 12, 31))
    renewal = Coverage.objects.create(worker=dying.worker, funding_source=later, start_date=later.period_start,
                                      end_date=later.period_end, income_basis=later.income_basis)
    approved_death(dying, official, bpjs_staff)
    renewal.refresh_from_db()
    assert renewal.status == Coverage.Status.CANCELLED
    assert renewal.cancel_reason == "Peserta meninggal dunia pada 12-03-2026."


def test_a_rejected_death_claim_ends_nothing(dying, official, bpjs_staff):
    reject_claim(claim=death_claim(dying, official, bpjs_staff), by=bpjs_staff, reason="Akta kematian tidak sah.")
    dying.refresh_from_db()
    dying.worker.refresh_from_db()
    assert dying.status == Coverage.Status.ACTIVE and dying.end_date == datetime.date(2026, 12, 31)
    assert dying.worker.died_on is None
    assert committed_cost(dying.funding_source) == 12 * MONTHLY


def test_committed_cost_counts_the_months_up_to_the_month_of_death(dying, official, bpjs_staff):
    assert committed_cost(dying.funding_source) == 12 * MONTHLY
    approved_death(dying, official, bpjs_staff)
    # R-COST-1: January to March (any covered day makes a month payable), nothing after.
    assert committed_cost(dying.funding_source) == 3 * MONTHLY


def test_no_month_after_the_month_of_death_is_billed(program, official, bpjs_staff):
    worker = make_worker(full_name="PAULUS ITAH")
    coverage = make_coverage(worker, program, paid=False)
    make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="MARTA ITAH")
    first = prepare_bill(funding=program, first_month=datetime.date(2026, 1, 1), last_month=datetime.date(2026, 3, 1), by=None)
    record_payment(funding=program, paid_on=datetime.date(2026, 1, 5), amount=first.total, reference="Q1", bills=[first],
                   by=None)
    living = make_coverage(make_worker(full_name="YUSUF ITAH"), program, paid=False)
    approved_death(coverage, official, bpjs_staff)
    rest = prepare_bill(funding=program, first_month=datetime.date(2026, 4, 1), last_month=datetime.date(2026, 12, 1), by=None)
    assert set(BillLine.objects.filter(bill=rest).values_list("coverage_id", flat=True)) == {living.pk}
    with pytest.raises(BillingError):
        prepare_bill(funding=program, first_month=datetime.date(2026, 4, 1), by=None)
    assert not BillLine.objects.filter(coverage=coverage, month__gt=datetime.date(2026, 3, 1)).exists()


def test_months_billed_and_paid_after_the_death_are_a_credit_in_the_invoice_comparison(dying, official, bpjs_staff):
    bill = dying.bill_lines.first().bill
    approved_death(dying, official, bpjs_staff)
    (credit,) = death_credits(bill)
    assert credit.coverage_id == dying.pk and credit.died_on == DIED_ON
    assert credit.months == [datetime.date(2026, month, 1) for month in range(4, 13)]
    assert credit.months_label == "04-2026 s.d. 12-2026"
    assert credit.amount == credit.paid == 9 * MONTHLY  # paid in advance: to be set off
    # BPJS bills January to March for the worker: that is what we owe, so the invoice agrees.
    invoice = Invoice(filename="bpjs.xlsx", lines=[
        InvoiceLine(sheet="Tagihan", row=2, kpj=dying.kpj_number, nik="", name="ANDREAS LUDIN", amount=3 * MONTHLY)])
    comparison = compare_invoice(bill, invoice)
    assert comparison.agrees and comparison.matched == 1
    assert comparison.credit_total == 9 * MONTHLY
    assert comparison.ours_total == 3 * MONTHLY
    # BPJS billing the whole year shows the difference the credit explains.
    invoice.lines[0].amount = 12 * MONTHLY
    comparison = compare_invoice(bill, invoice)
    assert [(d.ours, d.theirs, d.gap) for d in comparison.different] == [(3 * MONTHLY, 12 * MONTHLY, 9 * MONTHLY)]


@pytest.mark.django_db(transaction=True)
def test_the_comparison_page_lists_the_credit(client, dying, official, bpjs_staff, celery_worker):
    from io import BytesIO

    from funding.tests.test_views import wait_for_comparison

    from openpyxl import Workbook

    bill = dying.bill_lines.first().bill
    approved_death(dying, official, bpjs_staff)
    workbook = Workbook()
    workbook.active.append(["KPJ", "Nama", "Iuran"])
    workbook.active.append([dying.kpj_number, "ANDREAS LUDIN", int(3 * MONTHLY)])
    stream = BytesIO()
    workbook.save(stream)
    stream.name = "bpjs.xlsx"
    stream.seek(0)
    client.force_login(official)
    response = client.post(reverse("funding:bill_compare", args=[bill.funding_source.code, bill.pk]), {"file": stream})
    assert response.status_code == 302  # read by the Celery worker, never in the request
    done = wait_for_comparison(client, response["Location"])
    page = done.content.decode()
    assert done.status_code == 200, page
    assert 'id="credits"' in page and "04-2026 s.d. 12-2026" in page and "Rp151.200" in page
    assert 'id="agrees"' in page


def test_the_program_page_shows_the_credit_and_the_freed_place(client, dying, official, bpjs_staff):
    program = dying.funding_source
    assert funding_summary(program)["enrolled"] == 1
    approved_death(dying, official, bpjs_staff)
    summary = funding_summary(program)
    assert summary["enrolled"] == 0 and summary["quota_left"] == 2 and summary["freed_by_death"] == 1
    tracking = budget_tracking(program)
    assert tracking["committed"] == 3 * MONTHLY
    assert tracking["credit"] == 9 * MONTHLY
    assert tracking["forecast"] == tracking["billed"] - 9 * MONTHLY  # nothing left to bill
    client.force_login(official)
    page = client.get(reverse("funding:detail", args=[program.code])).content.decode()
    assert '<span class="value" id="enrolled">0 / 2</span>' in page
    assert "1 tempat kuota kosong lagi: peserta meninggal" in page
    assert '<span class="value" id="credit">Rp151.200</span>' in page
    assert '<span class="value" id="committed">Rp50.400</span>' in page


def test_the_freed_quota_place_can_be_taken_again(dying, official, bpjs_staff, superuser):
    program = dying.funding_source
    make_coverage(make_worker(full_name="SECOND WORKER"), program)  # quota 2: full
    newcomer = make_worker(full_name="NEWCOMER")
    with pytest.raises(EnrollmentError, match="Kuota"):
        enroll_worker(worker=newcomer, funding=program, start=datetime.date(2026, 4, 1), by=superuser)
    approved_death(dying, official, bpjs_staff)
    coverage = enroll_worker(worker=newcomer, funding=program, start=datetime.date(2026, 4, 1), by=superuser)
    assert coverage.status == Coverage.Status.DRAFT


def test_the_dashboard_stops_counting_the_worker(client, dying, official, bpjs_staff):
    client.force_login(official)
    url = reverse("dashboard:api-summary") + f"?funding={dying.funding_source.code}"
    before = client.get(url).json()
    assert before["covered"] == 1 and before["committed_cost"] == 12 * MONTHLY
    approved_death(dying, official, bpjs_staff)
    after = client.get(url).json()
    assert after["covered"] == 0
    assert after["committed_cost"] == 3 * MONTHLY


def test_the_certificate_is_outdated_and_verifies_as_ended(client, dying, official, bpjs_staff):
    certificate = certificate_for(Certificate.Kind.PARTICIPATION, dying)
    save_certificate_pdf(certificate, build_certificate_pdf(load_certificate(certificate.pk)))
    certificate = load_certificate(certificate.pk)
    assert not is_outdated(certificate)
    assert verify_certificate(certificate.code).status_code == "active"
    approved_death(dying, official, bpjs_staff)
    certificate = load_certificate(certificate.pk)
    assert is_outdated(certificate)
    result = verify_certificate(certificate.code)
    assert result.status_code == "ended" and result.status == "Berakhir"
    assert result.period == "1 Januari 2026 s.d. 12 Maret 2026"
    page = client.get(f"/verify/{certificate.code}/").content.decode()
    assert 'id="verify-status" class="status-ended">Berakhir<' in page


def test_renewal_skips_the_worker_who_died(dying, official, bpjs_staff):
    approved_death(dying, official, bpjs_staff)
    target = build_target(next_year_values(dying.funding_source))
    plan = plan_renewal(source=dying.funding_source, target=target)
    assert [c.coverage.pk for c in plan.carry] == []
    (skipped,) = plan.skipped
    assert skipped.skip == Skip.DIED and "12-03-2026" in skipped.reason
