"""Demo claims for seed_demo, made through the real verbs (every rule and the audit trail apply).

- The news item: the heirs of the two DBH Sawit 2024 workers who died (18 Nov and 9 Dec 2024) were
  paid Rp42.000.000 each, Rp84.000.000 in total, with their documents.
- Claims of the program running on the day of seeding in every status (submitted, verified,
  approved, paid, rejected), with event dates counted back from that day (never before the
  program's start), so the work queue has something in each tab and the story moves with today.

Idempotent: the news item's claims are matched by worker, kind and event date; the current
program's claims are seeded once (none yet on its coverages).
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from claims.documents import document_label, required_documents
from claims.models import Claim
from claims.services import approve_claim, pay_claim, payment_terms, reject_claim, submit_claim, upload_document, verify_claim
from enrollment.heirs import entitled_heirs
from enrollment.models import Coverage, Heir

from .builders import pdf_bytes

Kind = Claim.Kind
Status = Claim.Status

# The current program's demo claims: status, days before today of the event, what it is about.
# ``heir`` picks the entitled heir.
DEMO_CURRENT = [
    dict(kind=Kind.JKK_MEDICAL, status=Status.SUBMITTED, days_ago=4,
         event_place="Kebun sawit Desa Bunut", description="Tangan terluka parang saat panen TBS.",
         hospital_bill=Decimal("7850000"), transport_mode="land", transport_cost=Decimal("650000"), documents="some"),
    dict(kind=Kind.JKK_TEMPORARY, status=Status.VERIFIED, days_ago=40,
         event_place="Jalan poros Nanga Bulik–Kudangan", description="Jatuh dari sepeda motor saat mengangkut TBS.",
         incapacity_months=4),
    dict(kind=Kind.JKK_DISABILITY, status=Status.APPROVED, days_ago=75,
         event_place="Kebun plasma Batang Kawa", description="Kehilangan satu ruas jari telunjuk kanan.",
         disability_type="anatomical", disability_percent=Decimal("10")),
    dict(kind=Kind.JKK_MEDICAL, status=Status.PAID, days_ago=110,
         event_place="Pabrik kelapa sawit Sematu Jaya", description="Kaki terkilir tertimpa tandan buah segar.",
         hospital_bill=Decimal("3250000"), transport_mode="land", transport_cost=Decimal("400000")),
    dict(kind=Kind.JKM_DEATH, status=Status.SUBMITTED, days_ago=9, heir=True,
         event_place="RSUD Lamandau", description="Meninggal karena sakit.", documents="some"),
    dict(kind=Kind.JKM_DEATH, status=Status.APPROVED, days_ago=25, heir=True,
         event_place="Desa Kujan", description="Meninggal karena sakit jantung."),
    dict(kind=Kind.JKM_DEATH, status=Status.REJECTED, days_ago=60, heir=True,
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


# Every SPREAD-th worker (by id: 400 per kecamatan in a row), so the claims fall in most kecamatan.
SPREAD = 360


def current_program_code(today: datetime.date) -> str:
    return f"DBH-SAWIT-{today.year}"


def seed_current_claims(operator, bpjs, *, today: datetime.date) -> int:
    """Claims of the program running today in every status (none if it already has claims)."""
    code = current_program_code(today)
    if Claim.objects.filter(coverage__funding_source__code=code).exists():
        return 0
    created = 0
    coverages = list(
        Coverage.objects.filter(funding_source__code=code, status=Coverage.Status.ACTIVE, worker__died_on__isnull=True,
                                worker__heirs__relationship=Heir.Relationship.SPOUSE)
        .select_related("worker", "funding_source").order_by("worker_id").distinct()[: len(DEMO_CURRENT) * SPREAD : SPREAD]
    )
    for number, (spec, coverage) in enumerate(zip(DEMO_CURRENT, coverages, strict=False), start=1):
        spec = dict(spec)
        worker = coverage.worker
        status, documents, heir = spec.pop("status"), spec.pop("documents", "all"), spec.pop("heir", False)
        reason = spec.pop("reject_reason", "")
        event_date = max(coverage.start_date, today - datetime.timedelta(days=spec.pop("days_ago")))
        claim = Claim(worker=worker, coverage=coverage, event_date=event_date, **spec)
        if heir:
            claim.claimant = _entitled_heir(worker)
        else:
            claim.bank_name, claim.bank_account_holder = "BRI", worker.full_name
            claim.bank_account_number = f"0{worker.pk:011d}"
        claim = submit_claim(claim=claim, by=operator)
        _upload(claim, by=operator, some=documents == "some")
        if status in (Status.VERIFIED, Status.APPROVED, Status.PAID):
            verify_claim(claim=claim, by=bpjs)
        if status in (Status.APPROVED, Status.PAID):
            approve_claim(claim=claim, by=bpjs)
        if status == Status.PAID:
            claim.refresh_from_db()
            pay_claim(claim=claim, by=bpjs, paid_on=today, amount=payment_terms(claim, on=today).amount_due,
                      reference=f"DEMO-{code}-{number:03d}")
        if status == Status.REJECTED:
            reject_claim(claim=claim, by=bpjs, reason=reason)
        created += 1
    return created


def seed_claims(*, today: datetime.date | None = None) -> int:
    """All demo claims; returns how many were created by this run."""
    today = today or timezone.localdate()
    operator, bpjs = _users()
    return seed_news_item_claims(operator, bpjs) + seed_current_claims(operator, bpjs, today=today)
