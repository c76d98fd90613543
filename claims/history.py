"""A claim's audit trail as people read it (issue 15): the labels and values the claim page shows
(status names, kinds, rupiah, dates as dd-mm-yyyy), in the reader's language, nothing internal.

The audit rows keep the raw values (codes, whole-rupiah strings, ISO dates); they are turned into
text only when shown, on the claim page and in the claims Excel export alike, so a reader who
switches to English reads English labels. Fields that name people or carry bank data are left
out for readers who do not see personal data (``core.privacy.sees_personal_data``, UU 27/2022).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from core.audit import history
from core.models import AuditEvent
from core.money import format_rupiah

from .models import Claim

# Audit entries that name people or carry bank data, hidden from readers without personal data.
PERSONAL_CHANGES = {"penerima", "beasiswa", "payment_reference", "bank_name", "bank_account_number",
                    "bank_account_holder", "arranger_name", "arranger_nik"}

LABELS = {
    "status": _("Status"),
    "kind": _("Jenis"),
    "event_date": _("Tanggal kejadian"),
    "penerima": _("Penerima"),
    "benefit_amount": _("Jumlah manfaat"),
    "benefit_breakdown": _("Rincian manfaat"),
    "death_claim": _("Klaim kematian"),
    "beasiswa": _("Beasiswa"),
    "dokumen": _("Dokumen"),
    "reject_reason": _("Alasan penolakan"),
    "paid_on": _("Tanggal transfer"),
    "paid_amount": _("Jumlah dibayar"),
    "payment_reference": _("Referensi bank"),
    "late_surcharge": _("Tambahan keterlambatan"),
    "kepesertaan_diakhiri": _("Kepesertaan diakhiri (peserta meninggal)"),
}
MONEY = {"benefit_amount", "paid_amount", "late_surcharge", "hospital_bill", "home_care_cost", "transport_cost"}
DATES = {"event_date", "paid_on"}
CHOICES = {"status": Claim.Status, "kind": Claim.Kind, "transport_mode": Claim.TransportMode,
           "disability_type": Claim.DisabilityType}
EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def field_label(name: str) -> str:
    if name in LABELS:
        return str(LABELS[name])
    try:
        return str(Claim._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # a key that is not a field (older audit rows): shown as written, readable
        return name.replace("_", " ").capitalize()


def value_text(name: str, value, claim: Claim | None = None) -> str:
    """One audited value as the claim page shows it (the kind as the claim's title, Claim.title)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if name == "kind" and claim is not None and value == claim.kind:
        return claim.title
    if name in CHOICES:
        try:
            return str(CHOICES[name](value).label)
        except ValueError:
            return str(value)
    if name in MONEY:
        try:
            return format_rupiah(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if name in DATES:
        try:
            return datetime.date.fromisoformat(str(value)[:10]).strftime("%d-%m-%Y")
        except ValueError:
            return str(value)
    if name == "benefit_breakdown" and isinstance(value, list):
        return "; ".join(f"{item.get('label', '')}: {format_rupiah(item.get('amount'))}" for item in value
                         if isinstance(item, dict)) or EMPTY
    if isinstance(value, bool):
        return str(_("ya") if value else _("tidak"))
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def readable_changes(changes: dict, *, personal: bool, claim: Claim | None = None) -> list[Change]:
    return [
        Change(name, field_label(name), value_text(name, values[0], claim), value_text(name, values[1], claim))
        for name, values in (changes or {}).items()
        if (personal or name not in PERSONAL_CHANGES) and isinstance(values, (list, tuple)) and len(values) == 2
    ]


def claim_history(claim: Claim, *, personal: bool) -> list[AuditEvent]:
    """The claim's audit events, newest first, each with ``readable`` (list of Change)."""
    events = list(history(claim))
    for event in events:
        event.readable = readable_changes(event.changes, personal=personal, claim=claim)
    return events


def history_rows(claims, *, personal: bool):
    """Yield (claim, event, changes) for the audit events of many claims: claim by claim in the
    order given, each claim's events oldest first (the export). One query per 1,000 claims."""
    claim_type = ContentType.objects.get_for_model(Claim)
    claims = list(claims)
    for start in range(0, len(claims), 1000):
        chunk = claims[start:start + 1000]
        by_claim = {}
        events = AuditEvent.objects.filter(content_type=claim_type, object_id__in=[str(c.pk) for c in chunk])
        for event in events.select_related("actor").order_by("at", "id"):
            by_claim.setdefault(event.object_id, []).append(event)
        for claim in chunk:
            for event in by_claim.get(str(claim.pk), []):
                yield claim, event, readable_changes(event.changes, personal=personal, claim=claim)
