"""Recording who changed what: one function used by the admin, the services and the imports."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .models import AuditEvent


def plain(value):
    """A JSON-friendly, human-readable form of a field value for the audit trail."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return sorted(str(item) for item in value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or None
    return str(value)


def snapshot(obj, fields=None) -> dict:
    """The current values of a model's concrete fields (FKs as their display text)."""
    values = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.primary_key:
            continue
        values[field.name] = plain(getattr(obj, field.attname) if field.is_relation else getattr(obj, field.name))
    return values


def diff(old: dict, new: dict) -> dict:
    """{field: [old, new]} for the fields whose value differs."""
    return {key: [old.get(key), new.get(key)] for key in new.keys() | old.keys() if old.get(key) != new.get(key)}


def _type(obj):
    return ContentType.objects.get_for_model(obj, for_concrete_model=True)


def _event(actor, obj, action, changes, note, parent):
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        parent_type=_type(parent) if parent is not None else None,
        parent_id=str(parent.pk) if parent is not None else "",
        changes=changes or {},
        note=note,
    )


def record(*, actor, obj, action, changes=None, note="", parent=None) -> AuditEvent:
    """Write one audit row for ``obj`` (``parent``: the worker an heir, coverage or claim belongs to).

    Call it inside the transaction that made the change.
    """
    event = _event(actor, obj, action, changes, note, parent)
    event.save()
    return event


def record_many(*, actor, objs, action, changes_for=None, note="", parent_for=None) -> int:
    """Audit rows for many objects in one insert (imports, bulk actions)."""
    events = [
        _event(actor, obj, action, changes_for(obj) if changes_for else None, note, parent_for(obj) if parent_for else None)
        for obj in objs
    ]
    AuditEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def history(obj):
    """The audit trail of one object and of the rows that belong to it, newest first."""
    content_type, pk = _type(obj), str(obj.pk)
    return AuditEvent.objects.filter(
        Q(content_type=content_type, object_id=pk) | Q(parent_type=content_type, parent_id=pk)
    ).select_related("actor", "content_type")
