"""Contribution bills to BPJS and the payments that settle them (R-PAY-1, R-COST-1).

A bill covers one funding source for one month or a period paid at once (R-PAY-1 allows paying
the whole period in advance). Its lines are one per coverage per contribution month, priced by
``RateTable`` (the one rate implementation): any covered day makes a month payable (R-COST-1).

Every write locks the funding source row first, so two officials preparing the same month's bill,
or two finance officers recording the same transfer, are serialised: the second one sees what the
first one wrote and is refused with an explanation (no double billing, double recording or
overpayment). Then bills are locked in primary-key order. The verbs are atomic blocks with a
savepoint when nested (seed_demo, tests), so a refusal never spoils the caller's transaction.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.roles import require_permission
from core.audit import record
from core.money import ZERO, format_rupiah, rupiah
from core.models import AuditEvent
from core.uploads import UploadError, check_document
from enrollment.models import Coverage, Occupation

from .calendar import load_holidays, next_working_day
from .contributions import RateError, RateTable, contribution_months, month_start
from .models import BillLine, ContributionBill, ContributionPayment, FundingSource, PaymentAllocation, Program

# R-PAY-1: a month's contribution is due on the 15th of that month.
DUE_DAY = 15


class BillingError(Exception):
    """A bill or payment refused, explained in Indonesian."""




def _month_label(month: datetime.date) -> str:
    return f"{month:%m-%Y}"


# --- Due dates (R-PAY-1) -------------------------------------------------------------------


def due_date(month: datetime.date, holidays=frozenset()) -> datetime.date:
    """R-PAY-1: the 15th of the contribution month, or the next working day when that is a
    Saturday, Sunday or a public holiday of the ``Holiday`` table (funding/calendar.py)."""
    return next_working_day(month_start(month).replace(day=DUE_DAY), holidays)


# --- Bills ---------------------------------------------------------------------------------


def billable_coverages(funding: FundingSource):
    """Coverages BPJS bills for: registered (active, or ended after being active).

    Drafts and submitted coverages have no KPJ number yet, so BPJS does not bill them; once
    activated, their earlier months are billed by a supplementary bill.
    """
    return Coverage.objects.registered().filter(funding_source=funding)


def period_months(funding: FundingSource) -> list[datetime.date]:
    return contribution_months(funding.period_start, funding.period_end)


def plan_bill_lines(
    funding: FundingSource, first_month: datetime.date, last_month: datetime.date, *, rates: RateTable | None = None
) -> list[BillLine]:
    """The unsaved lines of a bill: each billable coverage × each of its contribution months in
    [first_month, last_month] not billed before, priced per program (R-RATE-1..4, R-COST-1)."""
    rates = rates or RateTable.load()
    range_end = last_month + relativedelta(months=1) - datetime.timedelta(days=1)
    coverages = billable_coverages(funding).filter(start_date__lte=range_end, end_date__gte=first_month)
    if not funding.is_public_funds:
        # R-RATE-4: only a payer outside APBN/APBD gets PP 50/2025's discount, which depends on occupation.
        coverages = coverages.annotate(
            transport=Exists(Occupation.objects.filter(workers=OuterRef("worker_id"), is_transport=True))
        )
    already = set(
        BillLine.objects.filter(
            bill__funding_source=funding, month__gte=first_month, month__lte=last_month
        ).values_list("coverage_id", "month")
    )
    prices = {}
    lines = []
    for coverage in coverages.order_by("pk").only("pk", "start_date", "end_date", "jkk", "jkm", "income_basis"):
        transport = getattr(coverage, "transport", False)
        for month in contribution_months(coverage.start_date, coverage.end_date):
            if month < first_month or month > last_month or (coverage.pk, month) in already:
                continue
            key = (month, coverage.jkk, coverage.jkm, coverage.income_basis, transport)
            if key not in prices:
                prices[key] = tuple(
                    rates.monthly(
                        program, basis=coverage.income_basis, month=month,
                        public_funds=funding.is_public_funds, transport=transport,
                    ) if on else ZERO
                    for program, on in ((Program.JKK, coverage.jkk), (Program.JKM, coverage.jkm))
                )
            jkk, jkm = prices[key]
            lines.append(BillLine(coverage_id=coverage.pk, month=month, jkk=jkk, jkm=jkm, amount=jkk + jkm))
    return lines


@transaction.atomic
def prepare_bill(
    *, funding: FundingSource, first_month: datetime.date, last_month: datetime.date | None = None, by
) -> ContributionBill:
    """Bill the contributions of ``funding`` for one month or a period paid at once (R-PAY-1).

    Only coverage months not billed before are included, so preparing the same month again
    gives a supplementary bill for coverages activated since, or is refused when nothing is left.
    """
    require_permission(by, "funding.add_contributionbill")
    first_month = month_start(first_month)
    last_month = month_start(last_month or first_month)
    funding = FundingSource.objects.lock(funding)
    months = period_months(funding)
    if last_month < first_month:
        raise BillingError(_("Bulan terakhir tidak boleh sebelum bulan pertama."))
    if first_month not in months or last_month not in months:
        raise BillingError(
            _("Bulan tagihan %(months)s di luar periode %(name)s (%(from)s s.d. %(to)s).")
            % {
                "months": _month_label(first_month) if first_month == last_month
                else _("%(first)s s.d. %(last)s") % {"first": _month_label(first_month), "last": _month_label(last_month)},
                "name": funding.name,
                "from": _month_label(months[0]),
                "to": _month_label(months[-1]),
            }
        )
    try:
        lines = plan_bill_lines(funding, first_month, last_month)
    except RateError as exc:
        raise BillingError(str(exc)) from exc
    if not lines:
        raise BillingError(
            _("Tidak ada iuran yang belum ditagih untuk %(name)s pada bulan tersebut: semua kepesertaan aktif sudah ada di tagihan lain.")
            % {"name": funding.name}
        )
    bill = ContributionBill.objects.create(
        funding_source=funding,
        first_month=first_month,
        last_month=last_month,
        total=sum((line.amount for line in lines), ZERO),
        coverage_count=len({line.coverage_id for line in lines}),
        created_by=by if getattr(by, "pk", None) else None,
    )
    for line in lines:
        line.bill = bill
    BillLine.objects.bulk_create(lines, batch_size=5000)
    record(
        actor=by,
        obj=bill,
        action=AuditEvent.Action.CREATE,
        changes={
            "funding_source": [None, funding.code],
            "months": [None, bill.period_label],
            "coverage_count": [None, bill.coverage_count],
            "total": [None, str(bill.total)],
        },
    )
    return bill


@transaction.atomic
def cancel_bill(*, bill: ContributionBill, by) -> None:
    """Withdraw a bill prepared by mistake; only while nothing has been paid on it."""
    require_permission(by, "funding.delete_contributionbill")
    FundingSource.objects.lock(bill.funding_source)
    bill = ContributionBill.objects.select_for_update().select_related("funding_source").get(pk=bill.pk)
    if bill.allocations.exists():
        raise BillingError(
            _("%(bill)s sudah dibayar (sebagian) dan tidak dapat dibatalkan.") % {"bill": bill}
        )
    record(
        actor=by,
        obj=bill,
        action=AuditEvent.Action.DELETE,
        changes={"months": [bill.period_label, None], "total": [str(bill.total), None]},
    )
    bill.delete()


# --- Payments ------------------------------------------------------------------------------


def normalize_reference(reference: str) -> str:
    """'  sp2d 0012/ bpkad ' -> 'SP2D 0012/ BPKAD': the same transfer typed twice is recognised."""
    return " ".join((reference or "").split()).upper()


@transaction.atomic
def record_payment(
    *,
    funding: FundingSource,
    paid_on: datetime.date,
    amount,
    reference: str,
    bills,
    by,
    proof=None,
    note: str = "",
) -> ContributionPayment:
    """Record a transfer to BPJS and settle the chosen bills with it, oldest first.

    Refused: a reference already recorded for this funding source (double recording), an
    amount above what the chosen bills still owe (overpayment), a date in the future.
    """
    require_permission(by, "funding.record_payment")
    amount = Decimal(amount)
    if amount <= 0 or rupiah(amount) != amount:
        raise BillingError(_("Jumlah pembayaran harus rupiah utuh lebih dari nol."))
    if paid_on > timezone.localdate():
        raise BillingError(_("Tanggal bayar %(date)s belum terjadi.") % {"date": paid_on.strftime("%d-%m-%Y")})
    reference = normalize_reference(reference)
    if not reference:
        raise BillingError(_("Nomor referensi wajib diisi."))
    bill_ids = sorted({bill.pk for bill in bills})
    if not bill_ids:
        raise BillingError(_("Pilih paling sedikit satu tagihan yang dibayar."))
    funding = FundingSource.objects.lock(funding)
    earlier = ContributionPayment.objects.filter(funding_source=funding, reference=reference).first()
    if earlier:
        raise BillingError(
            _("Pembayaran dengan referensi %(reference)s sudah dicatat pada %(date)s sebesar %(amount)s; tidak dicatat dua kali.")
            % {"reference": reference, "date": earlier.paid_on.strftime("%d-%m-%Y"), "amount": format_rupiah(earlier.amount)}
        )
    locked = list(ContributionBill.objects.filter(pk__in=bill_ids).order_by("pk").select_for_update())
    if len(locked) != len(bill_ids) or any(b.funding_source_id != funding.pk for b in locked):
        raise BillingError(_("Tagihan yang dipilih bukan milik %(name)s.") % {"name": funding.name})
    paid = dict(
        PaymentAllocation.objects.filter(bill_id__in=bill_ids).values_list("bill_id").annotate(total=Sum("amount")).order_by()
    )
    owed = {bill.pk: bill.total - paid.get(bill.pk, ZERO) for bill in locked}
    settled = [bill for bill in locked if owed[bill.pk] <= 0]
    if settled:
        raise BillingError(
            _("%(bills)s sudah lunas.") % {"bills": ", ".join(str(bill) for bill in settled)}
        )
    outstanding = sum(owed.values(), ZERO)
    if amount > outstanding:
        raise BillingError(
            _("Pembayaran %(amount)s melebihi sisa tagihan yang dipilih (%(outstanding)s); kelebihan bayar tidak dicatat.")
            % {"amount": format_rupiah(amount), "outstanding": format_rupiah(outstanding)}
        )
    payment = ContributionPayment(
        funding_source=funding,
        paid_on=paid_on,
        amount=amount,
        reference=reference,
        note=(note or "").strip()[:255],
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    if proof is not None:
        try:  # the one upload gate: stored with the extension of what the file is (core.uploads)
            detected = check_document(proof)
        except UploadError as exc:
            raise BillingError(str(exc)) from None
        payment.proof.save(proof_name(funding, reference, detected.extension), proof, save=False)
    payment.save()
    allocations = []
    left = amount
    for bill in sorted(locked, key=lambda b: (b.first_month, b.pk)):
        if left <= 0:
            break
        part = min(left, owed[bill.pk])
        allocations.append(PaymentAllocation(payment=payment, bill=bill, amount=part))
        left -= part
    PaymentAllocation.objects.bulk_create(allocations)
    record(
        actor=by,
        obj=payment,
        action=AuditEvent.Action.CREATE,
        changes={
            "funding_source": [None, funding.code],
            "paid_on": [None, paid_on.isoformat()],
            "amount": [None, str(amount)],
            "reference": [None, reference],
            "proof": [None, payment.proof.name or None],
            "allocations": [None, {str(a.bill): str(a.amount) for a in allocations}],
        },
    )
    return payment


def proof_name(funding: FundingSource, reference: str, extension: str) -> str:
    """A stored name that tells nothing beyond the payment itself (no uploader's file name), with
    the extension of the detected type (``.pdf``), never the uploader's (``poly.html``)."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in reference)[:40].strip("-")
    return f"{funding.code}-{safe}{extension}"


# --- Which months are paid (R-PAY-1, R-PAY-2) ----------------------------------------------


def paid_months(month_totals: list[tuple[datetime.date, Decimal]], allocated: Decimal) -> set:
    """The months of one bill that its allocations settle.

    A bill for several months is settled month by month in calendar order: a payment covering
    the first two months of a quarter pays those two and leaves the third unpaid. A month is
    never half paid: a shortfall leaves the whole month unpaid (BPJS does not say which
    participants a partial payment was for).
    """
    paid, covered = set(), ZERO
    for month, total in sorted(month_totals):
        covered += total
        if covered > allocated:
            break
        paid.add(month)
    return paid


def bill_month_status(lines, *, today: datetime.date, holidays=None):
    """Yield (bill id, month, amount, paid, past due) for each month of the bills of ``lines``
    (a BillLine queryset), counting payments made up to ``today``. Two queries."""
    holidays = load_holidays() if holidays is None else holidays
    totals = defaultdict(list)
    for bill_id, month, total in lines.values_list("bill_id", "month").annotate(total=Sum("amount")).order_by():
        totals[bill_id].append((month, total))
    allocated = dict(
        PaymentAllocation.objects.filter(bill_id__in=list(totals), payment__paid_on__lte=today)
        .values_list("bill_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for bill_id, month_totals in totals.items():
        settled = paid_months(month_totals, allocated.get(bill_id, ZERO))
        for month, total in month_totals:
            yield bill_id, month, total, month in settled, due_date(month, holidays) < today


# --- Credits after a death (issue 15) --------------------------------------------------------


@dataclass
class Credit:
    """Contributions billed for a participant's months after the month of death: not owed.

    The worker's coverage ended on the date of death (enrollment.services.end_coverages_at_death),
    so those months are no longer payable (R-COST-1); billed before the death was known, they are
    set off against the bill, or against the next one when already paid.
    """

    coverage_id: int
    kpj: str
    nik: str
    name: str
    died_on: datetime.date
    months: list
    amount: Decimal
    paid: Decimal  # the part of ``amount`` already paid to BPJS

    @property
    def months_label(self) -> str:
        first, last = self.months[0], self.months[-1]
        return _month_label(first) if first == last else _("%(first)s s.d. %(last)s") % {
            "first": _month_label(first), "last": _month_label(last)}


def lines_after_death(lines):
    """Of a BillLine queryset, the lines for months after the month in which the worker died
    (a month's first day after the date of death: the month of death itself stays payable)."""
    return lines.filter(
        coverage__status=Coverage.Status.ENDED, coverage__end_reason=Coverage.EndReason.DEATH,
        month__gt=F("coverage__end_date"),
    )


def death_credits(bill: ContributionBill, *, today: datetime.date | None = None) -> list[Credit]:
    """The credit lines of one bill: per participant who died, the months billed after the month
    of death, their amount and how much of it is already paid. Three queries."""
    today = today or timezone.localdate()
    lines = BillLine.objects.filter(bill=bill)
    rows = list(
        lines_after_death(lines).order_by("coverage__worker__full_name", "coverage_id", "month").values_list(
            "coverage_id", "coverage__kpj_number", "coverage__worker__nik", "coverage__worker__full_name",
            "coverage__end_date", "month", "amount",
        )
    )
    if not rows:
        return []
    paid_months_of_bill = {month for _bill, month, _total, paid, _past in bill_month_status(lines, today=today) if paid}
    credits = {}
    for coverage_id, kpj, nik, name, died_on, month, amount in rows:
        credit = credits.setdefault(coverage_id, Credit(coverage_id, kpj, nik, name, died_on, [], ZERO, ZERO))
        credit.months.append(month)
        credit.amount += amount
        if month in paid_months_of_bill:
            credit.paid += amount
    return list(credits.values())
