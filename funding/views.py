import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import queued_work
from core.privacy import personal_data_required
from core.uploads import private_file_response
from core.xlsx import FileProblem
from enrollment.models import Coverage, Submission
from enrollment.services import EnrollmentError
from enrollment.waiting import area_figures, enroll_or_wait, reorder_waiting, waiting_list

from .billing import BillingError, cancel_bill, prepare_bill, record_payment
from .contributions import RateTable
from .expiry import coverages_ending_soon
from .forms import BillForm, InvoiceUploadForm, PaymentForm, RenewalForm, ReorderWaitingForm
from .invoices import bill_rows, comparison_from_dict, store_comparison, write_bill_workbook
from .models import ContributionBill, ContributionPayment, FundingSource, InvoiceComparison, PaymentAllocation
from .renewal import (
    RenewalError, build_target, check_renewal_target, in_renewal_season, next_program, next_year_values, plan_renewal,
    renew_funding, renewal_progress,
)
from .services import budget_tracking, funding_summary, lapsed_months_by_coverage

PAGE_SIZE = 100


def _funding(code) -> FundingSource:
    return get_object_or_404(FundingSource, code=code)


def _bill(funding, pk) -> ContributionBill:
    return get_object_or_404(ContributionBill.objects.with_paid().select_related("funding_source"), funding_source=funding, pk=pk)


@login_required
@permission_required("funding.view_fundingsource", raise_exception=True)
def funding_list(request):
    sources = FundingSource.objects.annotate(
        enrolled=Count("coverages", filter=~Q(coverages__status=Coverage.Status.CANCELLED))
    )
    return render(request, "funding/fundingsource_list.html", {"sources": sources})


@login_required
@permission_required("funding.view_fundingsource", raise_exception=True)
def funding_detail(request, code):
    funding = get_object_or_404(FundingSource, code=code)
    rates = RateTable.load()
    today = timezone.localdate()
    renewal = target = None
    # From October, the running program's renewal into next year's comes first (issue 16).
    if in_renewal_season(today) and funding.period_start <= today <= funding.period_end:
        target = next_program(funding)
        renewal = renewal_progress(source=funding, target=target) if target else None
    return render(request, "funding/fundingsource_detail.html", {
        "funding": funding, "summary": funding_summary(funding, rates=rates), "tracking": budget_tracking(funding, rates=rates),
        "renewal_season": in_renewal_season(today) and funding.period_start <= today <= funding.period_end,
        "renewal": renewal, "days_left": (funding.period_end - today).days,
        "shares": area_figures(funding, rates=rates),  # issue 14: share, enrolled, waiting per area
    })


# --- The waiting list (issue 14, enrollment/waiting.py) ------------------------------------


@require_GET
@login_required
@permission_required("enrollment.view_submission", raise_exception=True)
@personal_data_required
def waiting(request, code):
    """The program's waiting list in its order, with the rows a free place is offered to."""
    funding = _funding(code)
    rows = waiting_list(funding)
    return render(request, "funding/waiting_list.html", {"funding": funding, "rows": rows,
                                                          "offered": sum(1 for row in rows if row.offered)})


def _waiting_submission(funding, pk) -> Submission:
    return get_object_or_404(Submission.objects.select_related("worker"), funding_source=funding, pk=pk,
                             status=Submission.Status.WAITING)


@require_POST
@login_required
@permission_required(["enrollment.decide_submission", "enrollment.add_coverage"], raise_exception=True)
def waiting_enroll(request, code, pk):
    """Enrol an offered row: through the gate (enroll_or_wait); without a place it keeps waiting."""
    funding = _funding(code)
    submission = _waiting_submission(funding, pk)
    try:
        enrolled, _waiting = enroll_or_wait([submission], by=request.user)
    except EnrollmentError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if enrolled:
            messages.success(request, _("%(name)s didaftarkan dari daftar tunggu.") % {"name": submission.worker.full_name})
        else:
            messages.warning(request, _("Belum ada tempat untuk %(name)s; tetap di daftar tunggu.") % {
                "name": submission.worker.full_name})
    return redirect("funding:waiting", code=funding.code)


@require_POST
@login_required
@permission_required("enrollment.reorder_waiting", raise_exception=True)
def waiting_move(request, code, pk):
    """Move a waiting row before or after another, with a reason (audited)."""
    funding = _funding(code)
    submission = _waiting_submission(funding, pk)
    form = ReorderWaitingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("funding:waiting", code=funding.code)
    target = Submission.objects.filter(funding_source=funding, pk=form.cleaned_data["target"]).first()
    place = {form.cleaned_data["place"]: target}
    try:
        if target is None:
            raise ValidationError(_("Baris tujuan tidak ada di daftar tunggu."))
        reorder_waiting(submission, before=place.get("before"), after=place.get("after"),
                        reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Urutan %(name)s diubah.") % {"name": submission.worker.full_name})
    return redirect("funding:waiting", code=funding.code)


# --- Bills ---------------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("funding.view_contributionbill", raise_exception=True)
def bill_list(request, code):
    funding = _funding(code)
    bills = ContributionBill.objects.filter(funding_source=funding).with_paid().select_related("funding_source")
    return render(request, "funding/bill_list.html", {"funding": funding, "bills": bills, "form": BillForm()})


@require_POST
@login_required
@permission_required("funding.add_contributionbill", raise_exception=True)
def bill_create(request, code):
    funding = _funding(code)
    form = BillForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("funding:bills", code=funding.code)
    try:
        bill = prepare_bill(
            funding=funding, first_month=form.cleaned_data["first_month"],
            last_month=form.cleaned_data["last_month"], by=request.user,
        )
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("funding:bills", code=funding.code)
    messages.success(request, ngettext(
        "%(bill)s dibuat: %(count)d kepesertaan.", "%(bill)s dibuat: %(count)d kepesertaan.", bill.coverage_count,
    ) % {"bill": bill, "count": bill.coverage_count})
    return redirect("funding:bill", code=funding.code, pk=bill.pk)


@require_GET
@login_required
@permission_required("funding.view_contributionbill", raise_exception=True)
def bill_detail(request, code, pk):
    funding = _funding(code)
    bill = _bill(funding, pk)
    allocations = PaymentAllocation.objects.filter(bill=bill).select_related("payment").order_by("payment__paid_on", "pk")
    page = None
    if request.user.has_perm("funding.export_contributionbill"):
        # Names, NIK and KPJ only for the roles that reconcile the bill (UU 27/2022).
        page = Paginator(bill_rows(bill), PAGE_SIZE).get_page(request.GET.get("page"))
    per_month = bill.lines.values("month").annotate(n=Count("id")).order_by("month")
    return render(request, "funding/bill_detail.html", {
        "funding": funding, "bill": bill, "allocations": allocations, "page": page, "per_month": per_month,
        "upload_form": InvoiceUploadForm(),
    })


@require_GET
@login_required
@permission_required("funding.export_contributionbill", raise_exception=True)
def bill_export(request, code, pk):
    funding = _funding(code)
    bill = _bill(funding, pk)
    stream = io.BytesIO()
    write_bill_workbook(bill, stream)
    stream.seek(0)
    filename = f"tagihan-{funding.code}-{bill.first_month:%Y%m}-{bill.last_month:%Y%m}-{bill.pk}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@require_POST
@login_required
@permission_required("funding.export_contributionbill", raise_exception=True)
def bill_compare(request, code, pk):
    """Store BPJS's invoice and queue its reading (never read in the request); 400 at once for a
    form error or a file the gate's cheap checks refuse (not a zip, encrypted, macros, too big)."""
    funding = _funding(code)
    bill = _bill(funding, pk)
    form = InvoiceUploadForm(request.POST, request.FILES)
    refused = None
    if form.is_valid():
        try:
            comparison = store_comparison(bill=bill, upload=form.cleaned_data["file"], by=request.user)
        except FileProblem as exc:
            refused = str(exc)
        else:
            queued_work.send_on_commit(comparison)  # Redis down: recorded, sent by the sweeper
            return redirect("funding:bill_comparison", funding.code, bill.pk, comparison.pk)
    return render(request, "funding/bill_compare.html", {
        "funding": funding, "bill": bill, "form": form, "refused": refused,
    }, status=400)


@require_GET
@login_required
@permission_required("funding.export_contributionbill", raise_exception=True)
def bill_comparison(request, code, pk, comparison_pk):
    """The comparison's progress (the page reloads itself while the task reads), then its result."""
    funding = _funding(code)
    bill = _bill(funding, pk)
    row = get_object_or_404(InvoiceComparison, pk=comparison_pk, bill=bill)
    comparison = comparison_from_dict(row.result) if row.status == InvoiceComparison.Status.DONE else None
    return render(request, "funding/bill_compare.html", {
        "funding": funding, "bill": bill, "row": row, "comparison": comparison,
        "skipped_sheets": row.result.get("skipped_sheets", []), "errors": row.result.get("errors", []),
        "waiting_message": queued_work.WAITING_MESSAGE,
    })


@require_POST
@login_required
@permission_required("funding.delete_contributionbill", raise_exception=True)
def bill_cancel(request, code, pk):
    funding = _funding(code)
    bill = _bill(funding, pk)
    try:
        cancel_bill(bill=bill, by=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect("funding:bill", code=funding.code, pk=bill.pk)
    messages.success(request, _("Tagihan dibatalkan."))
    return redirect("funding:bills", code=funding.code)


# --- Payments ------------------------------------------------------------------------------


@require_GET
@login_required
@permission_required("funding.view_contributionpayment", raise_exception=True)
def payment_list(request, code):
    funding = _funding(code)
    payments = (
        ContributionPayment.objects.filter(funding_source=funding)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("bill__funding_source")))
    )
    return render(request, "funding/payment_list.html", {"funding": funding, "payments": payments})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("funding.record_payment", raise_exception=True)
def payment_create(request, code):
    funding = _funding(code)
    form = PaymentForm(request.POST or None, request.FILES or None, funding=funding)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = record_payment(
                funding=funding, paid_on=data["paid_on"], amount=data["amount"], reference=data["reference"],
                bills=list(data["bills"]), by=request.user, proof=data["proof"], note=data["note"],
            )
        except BillingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Pembayaran %(reference)s dicatat.") % {"reference": payment.reference})
            return redirect("funding:payments", code=funding.code)
    return render(request, "funding/payment_form.html", {"funding": funding, "form": form})


@require_GET
@login_required
@permission_required("funding.view_contributionpayment", raise_exception=True)
def payment_proof(request, code, pk):
    funding = _funding(code)
    payment = get_object_or_404(ContributionPayment, funding_source=funding, pk=pk)
    if not payment.proof:
        raise Http404(_("Bukti pembayaran tidak dilampirkan."))
    return private_file_response(payment.proof, filename=payment.proof.name.rsplit("/", 1)[-1])


# --- Coverage: lapsed (R-PAY-2), ending soon -----------------------------------------------


@require_GET
@login_required
@permission_required("enrollment.view_coverage", raise_exception=True)
@personal_data_required
def lapsed_list(request, code):
    funding = _funding(code)
    lapsed = lapsed_months_by_coverage(Coverage.objects.counting().filter(funding_source=funding).values("pk"))
    coverages = Coverage.objects.counting().filter(funding_source=funding).filter(pk__in=list(lapsed)).select_related("worker__desa__kecamatan").order_by(
        "worker__desa__kecamatan__code", "worker__full_name", "pk"
    )
    page = Paginator(coverages, PAGE_SIZE).get_page(request.GET.get("page"))
    for coverage in page:
        coverage.lapsed = sorted(lapsed[coverage.pk])
    return render(request, "funding/lapsed_list.html", {"funding": funding, "page": page, "count": len(lapsed)})


@require_GET
@login_required
@permission_required(["enrollment.view_coverage", "enrollment.view_heir"], raise_exception=True)
@personal_data_required
def ending_soon(request):
    """Active coverages ending within 30 days, soonest first: the district's follow-up list, and an
    Operator Desa/Kecamatan's list of their own villagers (the scoped managers, core/areas.py)."""
    today = timezone.localdate()
    page = Paginator(coverages_ending_soon(today=today), PAGE_SIZE).get_page(request.GET.get("page"))
    for coverage in page:
        coverage.days_left = (coverage.end_date - today).days
    return render(request, "funding/ending_soon.html", {"page": page, "today": today})


# --- Renewal -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(["funding.renew_fundingsource", "enrollment.add_coverage"], raise_exception=True)
def renew(request, code):
    """Step 1: next year's values (GET). Step 2 (POST preview): who is carried, who is skipped
    and why. Step 3 (POST confirm): create the source and enrol, all or nothing."""
    source = _funding(code)
    if request.method == "GET":
        initial = next_year_values(source)
        existing = FundingSource.objects.filter(code=initial["code"]).first()
        if existing:  # e.g. DBH-SAWIT-2026 prepared in the admin: show its own numbers
            initial = {name: getattr(existing, name) for name in RenewalForm.base_fields}
        form = RenewalForm(initial=initial, source=source)
        return render(request, "funding/renewal_form.html", {"source": source, "form": form, "existing": existing})
    form = RenewalForm(request.POST, source=source)
    if not form.is_valid():
        return render(request, "funding/renewal_form.html", {"source": source, "form": form}, status=400)
    try:  # the same gate as renew_funding, so the preview already says who may create the program
        check_renewal_target(by=request.user, target=form.existing)
    except RenewalError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return render(request, "funding/renewal_form.html", {"source": source, "form": form}, status=403)
    target = form.existing or build_target(form.target_values())
    exclude = [pk for pk in request.POST.getlist("exclude") if pk.isdigit()]
    if request.POST.get("step") == "confirm":
        try:
            plan = renew_funding(source=source, target_values=form.target_values(), by=request.user, exclude=exclude)
        except RenewalError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return render(request, "funding/renewal_done.html", {"source": source, "plan": plan})
    plan = plan_renewal(source=source, target=target, exclude=exclude)
    return render(request, "funding/renewal_preview.html", {
        "source": source, "form": form, "plan": plan, "existing": form.existing, "excluded": {int(pk) for pk in exclude},
    })
