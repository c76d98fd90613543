"""Demo claims for seed_demo, made through the real verbs (every rule and the audit trail apply).

- The news item: the heirs of the two DBH Sawit 2024 workers who died (18 Nov and 9 Dec 2024) were
  paid Rp42.000.000 each, Rp84.000.000 in total, with their documents.
- A few claims of DBH Sawit 2025 workers in every other status (submitted, verified, approved,
  rejected), so the work queue has something in each tab.

Idempotent: a claim already present for the same worker, kind and event date is left alone.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.heirs import entitled_heirs
from enrollment.models import Coverage, Heir

from .documents import document_label, required_documents
from .models import Claim
from .services import approve_claim, pay_claim, payment_terms, reject_claim, submit_claim, upload_document, verify_claim
from .testing import pdf_bytes

Kind = Claim.Kind
Status = Claim.Status

# Statuses of the 2025 demo claims, and what each is about. ``heir`` picks the entitled heir.
DEMO_2025 = [
    dict(kind=Kind.JKK_MEDICAL, status=Status.SUBMITTED, event_date=datetime.date(2025, 9, 3),
         event_place="Kebun sawit Desa Bunut", description="Tangan terluka parang saat panen TBS.",
         hospital_bill=Decimal("7850000"), transport_mode="land", transport_cost=Decimal("650000"), documents="some"),
    dict(kind=Kind.JKK_TEMPORARY, status=Status.VERIFIED, event_date=datetime.date(2025, 5, 21),
         event_place="Jalan poros Nanga Bulik–Kudangan", description="Jatuh dari sepeda motor saat mengangkut TBS.",
         incapacity_months=4),
    dict(kind=Kind.JKK_DISABILITY, status=Status.APPROVED, event_date=datetime.date(2025, 3, 12),
         event_place="Kebun plasma Batang Kawa", description="Kehilangan satu ruas jari telunjuk kanan.",
         disability_type="anatomical", disability_percent=Decimal("10")),
    dict(kind=Kind.JKM_DEATH, status=Status.SUBMITTED, event_date=datetime.date(2025, 10, 7), heir=True,
         event_place="RSUD Lamandau", description="Meninggal karena sakit.", documents="some"),
    dict(kind=Kind.JKM_DEATH, status=Status.REJECTED, event_date=datetime.date(2025, 8, 16), heir=True,
         event_place="Desa Tamiang", description="Meninggal di rumah.",
         reject_reason="Nama pada akta kematian berbeda dengan KTP; ajukan ulang dengan akta yang sudah dibetulkan."),
]


def _users():
    User = get_user_model()
    return User.objects.get(username="operator"), User.objects.get(username="bpjs")


def _demo_upload(kind, label):
    return SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(f"Contoh dokumen (data demo): {label}"), content_type="application/pdf")


def _upload(claim, *, by, some=False):
    kinds = required_documents(claim)
    for kind in kinds[: len(kinds) // 2] if some else kinds:
        upload_document(claim=claim, kind=kind, uploaded=_demo_upload(kind, document_label(kind)), by=by)


def _entitled_heir(worker):
    heirs = list(worker.heirs.all())
    for heir in entitled_heirs(heirs):
        if heir.bank_account_number:
            return heir
    return None


def _exists(worker, kind, event_date) -> bool:
    return Claim.objects.filter(worker=worker, kind=kind, event_date=event_date).exists()


def seed_news_item_claims(operator, bpjs) -> int:
    """The two paid JKM claims of DBH Sawit 2024 (Rp84.000.000 in total)."""
    created = 0
    coverages = (
        Coverage.objects.filter(funding_source__code="DBH-SAWIT-2024", worker__died_on__isnull=False)
        .select_related("worker").order_by("worker__died_on")
    )
    for number, coverage in enumerate(coverages, start=1):
        worker = coverage.worker
        if _exists(worker, Kind.JKM_DEATH, worker.died_on):
            continue
        claim = Claim(
            worker=worker, coverage=coverage, kind=Kind.JKM_DEATH, event_date=worker.died_on,
            event_place=worker.desa.name, description="Meninggal dunia karena sakit (bukan kecelakaan kerja).",
            claimant=_entitled_heir(worker),
        )
        claim = submit_claim(claim=claim, by=operator)
        _upload(claim, by=operator)
        verify_claim(claim=claim, by=bpjs)
        approve_claim(claim=claim, by=bpjs)
        claim.refresh_from_db()
        today = timezone.localdate()
        pay_claim(claim=claim, by=bpjs, paid_on=today, amount=payment_terms(claim, on=today).amount_due,
                  reference=f"DEMO-JKM-2024-{number:03d}")
        created += 1
    return created


def seed_claims_2025(operator, bpjs) -> int:
    """A few DBH Sawit 2025 claims in every status but paid."""
    created = 0
    coverages = list(
        Coverage.objects.filter(funding_source__code="DBH-SAWIT-2025", status=Coverage.Status.ACTIVE, worker__died_on__isnull=True,
                                worker__heirs__relationship=Heir.Relationship.SPOUSE)
        .select_related("worker").order_by("worker_id").distinct()[: len(DEMO_2025) * 40 : 40]
    )
    for spec, coverage in zip(DEMO_2025, coverages, strict=False):
        spec = dict(spec)
        worker = coverage.worker
        status, documents, heir = spec.pop("status"), spec.pop("documents", "all"), spec.pop("heir", False)
        reason = spec.pop("reject_reason", "")
        if _exists(worker, spec["kind"], spec["event_date"]):
            continue
        claim = Claim(worker=worker, coverage=coverage, **spec)
        if heir:
            claim.claimant = _entitled_heir(worker)
        else:
            claim.bank_name, claim.bank_account_holder = "BRI", worker.full_name
            claim.bank_account_number = f"0{worker.pk:011d}"
        claim = submit_claim(claim=claim, by=operator)
        _upload(claim, by=operator, some=documents == "some")
        if status in (Status.VERIFIED, Status.APPROVED):
            verify_claim(claim=claim, by=bpjs)
        if status == Status.APPROVED:
            approve_claim(claim=claim, by=bpjs)
        if status == Status.REJECTED:
            reject_claim(claim=claim, by=bpjs, reason=reason)
        created += 1
    return created


def seed_claims() -> int:
    """All demo claims; returns how many were created by this run."""
    operator, bpjs = _users()
    return seed_news_item_claims(operator, bpjs) + seed_claims_2025(operator, bpjs)
