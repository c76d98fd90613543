"""Moving a row along its status machine: the one helper behind claims' and coverages' verbs.

A model with a ``status`` field, a ``Status`` TextChoices and ``NEXT = {status: {allowed next}}``
(``Claim``, ``Coverage``) moves only through its app's verbs, and each verb, inside its
transaction: locks the row (``lock``; ``select_for_update(of=("self",))``, several rows in
primary-key order), checks the move against ``NEXT`` (``refusal``), sets the status and the
move's fields, saves exactly those and writes one audit row (``apply``). Between the lock and
the move a verb checks what else it must (a claim's eligibility, four eyes).
"""

from .audit import plain, record
from .models import AuditEvent


def lock(queryset, pk):
    """The row ``pk`` of ``queryset``, locked until the transaction ends; rows it joins
    (``select_related``) are read, not locked."""
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def lock_many(queryset, pks) -> list:
    """Rows locked in primary-key order (a fixed order: two callers never deadlock)."""
    return list(queryset.filter(pk__in=pks).order_by("pk").select_for_update(of=("self",)))


def refusal(current, to: str, message: str, **names) -> str | None:
    """None when ``to`` is one of ``NEXT`` from ``current``'s status; else ``message`` (the
    caller's translated sentence) filled with ``status``, ``to`` (their labels) and ``names``."""
    model = type(current)
    if to in model.NEXT.get(current.status, set()):
        return None
    return message % {"status": current.get_status_display(), "to": model.Status(to).label, **names}


def apply(current, to: str, *, by, fields=None, note="", parent=None, unaudited=(), as_text=False):
    """Set ``current``'s status and ``fields``, save exactly them (and ``updated_at``), and write the
    transition's audit row: ``{"status": [old, new]}`` and each field that changed, except
    ``unaudited`` ones (``as_text``: values in ``core.audit.plain`` form), under ``parent``."""
    fields = fields or {}
    changes = {"status": [current.status, to]}
    for name, value in fields.items():
        before = getattr(current, name)
        setattr(current, name, value)
        if name not in unaudited and before != value:
            changes[name] = [before, value]
    current.status = to
    current.save(update_fields=["status", "updated_at", *fields])
    if as_text:
        changes = {name: [plain(old), plain(new)] for name, (old, new) in changes.items()}
    record(actor=by, obj=current, action=AuditEvent.Action.TRANSITION, changes=changes, note=note, parent=parent)
    return current

