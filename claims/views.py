"""Claim pages for BPJS staff, district officials and the regent's office.

Thin views: each checks the permission, parses the input and calls one function of
claims/services.py, which checks the permission again, so nothing depends on a template hiding a button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.uploads import private_file_response
from core.privacy import mask_name, mask_nik, sees_personal_data
from enrollment.models import Worker

from . import services
from .exports import build_claims_workbook
from .forms import ClaimForm, DocumentForm, PayForm, RejectForm, ScholarshipClaimForm, WorkerLookupForm
from .history import claim_history
from .models import Claim, ClaimDocument
from .services import ClaimError

Status = Claim.Status
QUEUE_FILTERS = ["open", *Status.values, "all"]


def _queue_queryset(request):
    """Claims filtered by the queue's status tab, oldest first (the longest wait on top)."""
    status = request.GET.get("status") or "open"
    if status not in QUEUE_FILTERS:
        status = "open"
    claims = Claim.objects.select_related("worker__desa__kecamatan", "coverage__funding_source", "claimant")
    if status == "open":
        claims = claims.filter(status__in=Claim.OPEN_STATUSES)
    elif status != "all":
        claims = claims.filter(status=status)
    kind = request.GET.get("kind")
    if kind in Claim.Kind.values:
        claims = claims.filter(kind=kind)
    query = (request.GET.get("q") or "").strip()
    if query and sees_personal_data(request.user):
        claims = claims.filter(worker__nik=query) if query.isdigit() else claims.filter(worker__full_name__icontains=query)
    return status, kind, query, claims.order_by("submitted_at", "pk")


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_queue(request):
    status, kind, query, claims = _queue_queryset(request)
    counts = dict(Claim.objects.values_list("status").annotate(n=Count("id")).order_by())
    tabs = [("open", _("Perlu tindakan"), sum(counts.get(s, 0) for s in Claim.OPEN_STATUSES))]
    tabs += [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    tabs.append(("all", _("Semua"), sum(counts.values())))
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    personal = sees_personal_data(request.user)
    rows = [
        {
            "claim": claim,
            "nik": claim.worker.nik if personal else mask_nik(claim.worker.nik),
            "name": claim.worker.full_name if personal else mask_name(claim.worker.full_name),
            "age": (today - timezone.localdate(claim.submitted_at)).days if claim.submitted_at else None,
        }
        for claim in page
    ]
    params = {k: v for k, v in (("status", status), ("kind", kind or ""), ("q", query)) if v}
    return render(request, "claims/claim_queue.html", {
        "tabs": tabs, "status": status, "kind": kind, "query": query, "page": page, "rows": rows,
        "kinds": Claim.Kind.choices, "personal": personal, "export_query": urlencode(params),  # also the pagination links
    })


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_export(request):
    """The claims of the current queue filter as .xlsx (without the permission: NIK and names masked,
    no KPJ, desa, heir's name or bank data)."""
    _status, _kind, _query, claims = _queue_queryset(request)
    content = build_claims_workbook(claims, personal=sees_personal_data(request.user))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="klaim-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def _file_claim_page(request, form_class, template):
    """Find the worker by NIK, then the claim form for that worker; submit through services.submit_claim."""
    lookup = WorkerLookupForm(request.GET or None)
    worker = None
    if lookup.is_valid():
        worker = Worker.objects.filter(nik=lookup.cleaned_data["nik"]).first()
        if worker is None:
            lookup.add_error("nik", _("Tidak ada pekerja dengan NIK %(nik)s.") % {"nik": lookup.cleaned_data["nik"]})
    form = None
    if worker is not None:
        form = form_class(request.POST or None, worker=worker)
        if request.method == "POST" and form.is_valid():
            try:
                claim = services.submit_claim(claim=form.save(commit=False), by=request.user, children=form.children())
            except ClaimError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Klaim %(number)s diajukan. Unggah dokumen wajibnya.") % {"number": claim.number})
                return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))
    elif request.method == "POST":
        return HttpResponseRedirect(request.path)
    return render(request, template, {"lookup": lookup, "worker": worker, "form": form})


@login_required
@permission_required("claims.add_claim", raise_exception=True)
def claim_new(request):
    """File a claim: find the worker by NIK, then the claim form for that worker."""
    return _file_claim_page(request, ClaimForm, "claims/claim_form.html")


@login_required
@permission_required("claims.add_claim", raise_exception=True)
def scholarship_new(request):
    """File a yearly scholarship claim (R-JKM-4) for a child of a worker whose death claim was approved."""
    return _file_claim_page(request, ScholarshipClaimForm, "claims/scholarship_form.html")


def _history_for(claim, personal: bool) -> list:
    """The audit trail as people read it (claims/history.py), personal fields left out without the permission."""
    return claim_history(claim, personal=personal)


def _scholarship_rows(claim, personal: bool) -> list[dict]:
    rows = []
    for row in claim.scholarships.select_related("child"):
        rows.append({
            "child": row.child.full_name if personal else row.child.get_relationship_display(),
            "level": row.get_level_display(),
            "school_year": f"{row.school_year}/{row.school_year + 1}" if row.school_year else "",
            "married": row.married,
            "working": row.working,
            "amount": row.amount,
        })
    return rows


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_detail(request, pk):
    claim = get_object_or_404(
        Claim.objects.select_related(
            "worker__desa__kecamatan", "coverage__funding_source", "claimant", "death_claim",
            "submitted_by", "verified_by", "approved_by", "rejected_by", "paid_by",
        ),
        pk=pk,
    )
    user = request.user
    documents = list(claim.documents.select_related("uploaded_by"))
    personal = sees_personal_data(user)
    # Facts and checks in the reader's language; the stored breakdown stays as it was fixed.
    checks, preview = services.claim_review(claim, documents=documents, personal=personal, language=None)
    terms = services.payment_terms(claim, documents=documents)
    open_for_documents = claim.status in (Status.SUBMITTED, Status.VERIFIED)
    can = {
        "upload": open_for_documents and user.has_perm("claims.add_claimdocument"),
        "download": user.has_perm("claims.view_claimdocument"),
        "verify": claim.status == Status.SUBMITTED and user.has_perm("claims.verify_claim"),
        "approve": claim.status == Status.VERIFIED and user.has_perm("claims.approve_claim"),
        "reject": Status.REJECTED in claim.next_statuses() and user.has_perm("claims.reject_claim"),
        "pay": claim.status == Status.APPROVED and user.has_perm("claims.pay_claim"),
        "file_scholarship": (
            claim.is_death and claim.status in (Status.APPROVED, Status.PAID) and user.has_perm("claims.add_claim")
        ),
    }
    self_approval = can["approve"] and claim.submitted_by_id == user.pk
    return render(request, "claims/claim_detail.html", {
        "claim": claim,
        "nik": claim.worker.nik if personal else mask_nik(claim.worker.nik),
        "worker_name": claim.worker.full_name if personal else mask_name(claim.worker.full_name),
        "personal": personal,
        "checks": checks,
        "all_ok": all(check.ok for check in checks),
        "notes": preview.notes if preview else [],
        "benefit": preview,
        "scholarships": _scholarship_rows(claim, personal),
        "scholarship_claims": list(claim.scholarship_claims.order_by("pk")) if claim.is_death else [],
        "terms": terms,
        "documents": documents,
        "history": _history_for(claim, personal),
        "can": can,
        "self_approval": self_approval,
        "any_action": any(can[k] for k in ("upload", "verify", "approve", "reject", "pay")),
        "document_form": DocumentForm() if can["upload"] else None,
        "reject_form": RejectForm() if can["reject"] else None,
        "pay_form": PayForm(initial={"paid_on": timezone.localdate(), "amount": terms.amount_due}) if can["pay"] else None,
    })


def _done(request, claim, text):
    messages.success(request, text % {"number": claim.number})
    return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))


def _refused(request, claim, exc):
    for message in exc.messages:
        messages.error(request, message)
    return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))


def _form_errors(request, claim, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))


@require_POST
@login_required
@permission_required("claims.add_claimdocument", raise_exception=True)
def document_upload(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(request, claim, form)
    try:
        document = services.upload_document(
            claim=claim, kind=form.cleaned_data["kind"], uploaded=form.cleaned_data["file"], by=request.user
        )
    except ClaimError as exc:
        return _refused(request, claim, exc)
    messages.success(request, _("Dokumen %(document)s diunggah.") % {"document": document})
    return HttpResponseRedirect(reverse("claims:detail", args=[claim.pk]))


@require_GET
@never_cache
@login_required
@permission_required("claims.view_claimdocument", raise_exception=True)
def document_download(request, pk, document_pk):
    """Documents live under MEDIA_ROOT, which is never routed: this view is the only way to them."""
    document = get_object_or_404(ClaimDocument, pk=document_pk, claim_id=pk)
    # Served typed by its bytes, with that type's extension (core.uploads), whatever the upload was named.
    return private_file_response(document.file, filename=document.original_name)


@require_POST
@login_required
@permission_required("claims.verify_claim", raise_exception=True)
def claim_verify(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    try:
        services.verify_claim(claim=claim, by=request.user)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, _("Klaim %(number)s diverifikasi."))


@require_POST
@login_required
@permission_required("claims.approve_claim", raise_exception=True)
def claim_approve(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    try:
        services.approve_claim(claim=claim, by=request.user)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, _("Klaim %(number)s disetujui."))


@require_POST
@login_required
@permission_required("claims.reject_claim", raise_exception=True)
def claim_reject(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, claim, form)
    try:
        services.reject_claim(claim=claim, by=request.user, reason=form.cleaned_data["reason"])
    except ClaimError as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, _("Klaim %(number)s ditolak."))


@require_POST
@login_required
@permission_required("claims.pay_claim", raise_exception=True)
def claim_pay(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, claim, form)
    try:
        services.pay_claim(claim=claim, by=request.user, **form.cleaned_data)
    except ClaimError as exc:
        return _refused(request, claim, exc)
    return _done(request, claim, _("Pembayaran klaim %(number)s dicatat."))
