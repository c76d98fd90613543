"""Claim documents: which are required (R-DOC-1, R-DOC-2) and whether an upload is what it claims to be.

A file's type is decided by its content (core.uploads: first bytes, then a whole parse), never by its
name or the browser's Content-Type, so a renamed executable or HTML page cannot pass as a scan of a KTP.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import MAX_DOCUMENT_BYTES, UploadError, check_document, sniff_content_type  # noqa: F401

from .models import Claim, ClaimDocument

Kind = ClaimDocument.Kind

# The checks live in core.uploads, the one gate for every uploaded document (payment proofs too).
DocumentError = UploadError


def check_upload(uploaded) -> str:
    """Check an uploaded file's size and whole content; return its detected content type or raise DocumentError."""
    return check_document(uploaded, max_bytes=MAX_DOCUMENT_BYTES).content_type


# --- Required documents ---------------------------------------------------------------------


def _heir_documents(claim: Claim) -> list[str]:
    """R-DOC-1: what proves who receives a death benefit, and into which account."""
    kinds = [Kind.KTP_CLAIMANT, Kind.FAMILY_CARD, Kind.DEATH_CERTIFICATE]
    if claim.claimant_id:
        kinds.append(Kind.HEIRSHIP)
        if claim.claimant.relationship == claim.claimant.Relationship.SPOUSE:
            kinds.append(Kind.MARRIAGE_BOOK)
    else:
        # R-HEIR-1: no heir at all; the funeral cost goes to whoever arranged the funeral.
        kinds.append(Kind.FUNERAL_STATEMENT)
    kinds.append(Kind.BANK_BOOK)
    if claim.filed_by_proxy:
        kinds.append(Kind.POWER_OF_ATTORNEY)
    return kinds


def _scholarship_documents(claim: Claim) -> list[str]:
    """R-JKM-4 (our reading of R-DOC-1 for scholarships): for each school year, the school's or
    campus's certificate that the child is enrolled (level and year), and the child's statement,
    known by the kepala desa, of being neither married nor working (the scholarship ends at 23,
    marriage or work; the age comes from the birth date on the KK)."""
    return [Kind.SCHOOL_CERTIFICATE, Kind.CHILD_STATEMENT]


def required_documents(claim: Claim) -> list[str]:
    """The document kinds a claim needs before it can be verified and approved.

    R-DOC-1 (JKM): KPJ card or number, KTP of the worker and of the heir, KK, death certificate,
    certificate of heirship, marriage book when the heir is the spouse, bank book in the heir's
    name, power of attorney when filed by a proxy.
    R-DOC-2 (JKK): KPJ card, KTP, accident reports stage I and II, doctor's statement, receipts for
    treatment and transport when those costs are claimed; a JKK death adds R-DOC-1's heir documents.
    R-JKM-4 scholarships: a death claim naming children adds the school certificate and the child's
    statement; a yearly scholarship claim stands on the death claim's documents (death, heirship,
    KPJ) and needs the payee's KTP, the KK (the child's birth date and marital status), the school
    certificate, the child's statement, the payee's bank book and a power of attorney when filed by
    a proxy.
    """
    if claim.kind == Claim.Kind.SCHOLARSHIP:
        kinds = [Kind.KTP_CLAIMANT, Kind.FAMILY_CARD, *_scholarship_documents(claim), Kind.BANK_BOOK]
        if claim.filed_by_proxy:
            kinds.append(Kind.POWER_OF_ATTORNEY)
        return kinds
    if claim.kind == Claim.Kind.JKM_DEATH:
        kinds = []
        if not claim.coverage.kpj_number:  # "KPJ card or number": the registered number suffices
            kinds.append(Kind.KPJ_CARD)
        kinds.append(Kind.KTP_WORKER)
        kinds.extend(_heir_documents(claim))
    else:
        kinds = [Kind.KPJ_CARD, Kind.KTP_WORKER, Kind.ACCIDENT_REPORT_1, Kind.ACCIDENT_REPORT_2, Kind.DOCTOR_STATEMENT]
        if claim.hospital_bill or claim.home_care_cost or claim.transport_cost:
            kinds.append(Kind.RECEIPTS)
        if claim.kind == Claim.Kind.JKK_DEATH:
            kinds.extend(kind for kind in _heir_documents(claim) if kind not in kinds)
    if claim.is_death and claim.pk and claim.scholarships.exists():
        kinds.extend(_scholarship_documents(claim))
    return kinds


def missing_documents(required, documents) -> list[str]:
    present = {document.kind for document in documents}
    return [kind for kind in required if kind not in present]


def documents_complete_on(required, documents) -> datetime.date | None:
    """R-SLA-1: the day the last required document arrived (local date), or None while incomplete."""
    first_of_kind = {}
    for document in documents:
        if document.kind in required:
            known = first_of_kind.get(document.kind)
            if known is None or document.uploaded_at < known:
                first_of_kind[document.kind] = document.uploaded_at
    if any(kind not in first_of_kind for kind in required):
        return None
    return timezone.localdate(max(first_of_kind.values())) if first_of_kind else None


def document_label(kind: str) -> str:
    return str(Kind(kind).label)
