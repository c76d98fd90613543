"""Background work that never waits for a restart (issue 11): one mechanism for every batch model.

A batch row in PostgreSQL is the truth about work to do; a Celery message is only a nudge. A nudge
can be lost: Redis was down when it was sent, a worker was killed holding it, a task died while
reporting progress. So each batch model is *registered* here with

- ``waiting``: a ``Q`` for its unfinished rows (queued or claimed);
- ``send(row)``: sends the task that continues the row (raises when the broker is down);
- how to tell that a waiting row is not moving: ``heartbeat`` (a field the work touches while it
  runs, ``updated_at`` by default) or a ``stalled(queryset, since)`` function of its own.

and the beat's ``core.tasks.resume_stalled_work`` (and every worker start) calls ``sweep()``, which
sends again every waiting row whose last send failed, or that has not moved for
``QUEUED_WORK_STALE_SECONDS``. The model carries the fields of ``QueuedWork``: the time of the last
send, and the time and reason of a failed one, so the page can say "menunggu antrean" and the
sweeper knows what to retry. Work that is sent twice must be harmless (conditional updates, row
locks); every registered task is.

Plugging in another batch model (e.g. the BPJS invoice comparison) takes one line after its model
inherits ``QueuedWork``::

    queued_work.register(InvoiceComparison, waiting=Q(status__in=["queued", "running"]),
                         task=compare_invoice_task)
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.db import models, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class QueuedWork(models.Model):
    """The fields the sweeper needs on a batch row."""

    enqueued_at = models.DateTimeField(_("dikirim ke antrean"), null=True, blank=True)
    enqueue_failed_at = models.DateTimeField(_("gagal masuk antrean"), null=True, blank=True)
    enqueue_error = models.CharField(_("kesalahan antrean"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def waiting_for_queue(self) -> bool:
        """Accepted, but the queue (Redis) could not be reached yet: it will be sent by itself."""
        return self.enqueue_failed_at is not None


WAITING_MESSAGE = _(
    "Menunggu antrean: layanan antrean sedang tidak tersedia. Pekerjaan ini sudah tersimpan dan akan "
    "diproses otomatis begitu layanan pulih; tidak perlu mengunggah atau meminta ulang."
)


@dataclass(frozen=True)
class Registration:
    model: type
    waiting: Q
    send: Callable
    heartbeat: str | None = "updated_at"
    since: str = "created_at"
    stalled: Callable | None = None
    report_as: str | None = None  # the name in /healthz and the sweeper's log (default: the model's label)

    def stalled_rows(self, now: datetime.datetime):
        """Waiting rows whose send failed, or not sent and not moving for the stale window."""
        before = now - datetime.timedelta(seconds=settings.QUEUED_WORK_STALE_SECONDS)
        waiting = self.model.objects.filter(self.waiting)
        quiet = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=before)
        if self.stalled is not None:
            not_moving = self.stalled(waiting.filter(quiet), before)
        else:
            not_moving = waiting.filter(quiet, **{f"{self.heartbeat}__lt": before})
        pks = set(waiting.filter(enqueue_failed_at__isnull=False).values_list("pk", flat=True))
        pks |= set(not_moving.values_list("pk", flat=True))
        return self.model.objects.filter(pk__in=pks).order_by("pk")


REGISTRY: dict[str, Registration] = {}


def register(model, *, waiting: Q, task=None, send: Callable | None = None, heartbeat: str | None = "updated_at",
             since: str = "created_at", stalled: Callable | None = None, report_as: str | None = None) -> Registration:
    """Declare a batch model to the sweeper. ``task`` (called with the row's pk) or ``send(row)``.
    ``report_as`` keeps the name monitoring reads when a model moves to another app."""
    if send is None:
        if task is None:
            raise ValueError("register() needs task or send")

        def send(row, task=task):
            task.apply_async((row.pk,))

    registration = Registration(model=model, waiting=waiting, send=send, heartbeat=heartbeat, since=since,
                                stalled=stalled, report_as=report_as)
    REGISTRY[model._meta.label] = registration
    return registration


def send(row, sender: Callable | None = None) -> bool:
    """Send the task of ``row`` now; a failure (broker down) is recorded on the row, never raised."""
    registration = REGISTRY[row._meta.label]
    manager = type(row)._default_manager
    try:
        (sender or registration.send)(row)
    except Exception as exc:  # kombu/redis raise many types; all mean "not sent, try again later"
        log.warning("could not enqueue %s %s: %r", row._meta.label, row.pk, exc)
        manager.filter(pk=row.pk).update(enqueue_failed_at=timezone.now(), enqueue_error=repr(exc)[:300])
        return False
    manager.filter(pk=row.pk).update(enqueued_at=timezone.now(), enqueue_failed_at=None, enqueue_error="")
    return True


def send_on_commit(row, sender: Callable | None = None) -> None:
    """Send after the current transaction commits (the worker must see the row)."""
    transaction.on_commit(lambda: send(row, sender))


def sweep(now: datetime.datetime | None = None) -> dict[str, list[int]]:
    """Send again every waiting row that is not moving. Returns the pks sent, per model."""
    now = now or timezone.now()
    sent = {}
    for registration in REGISTRY.values():
        label = registration.report_as or registration.model._meta.label
        rows = list(registration.stalled_rows(now)[:500])
        sent[label] = [row.pk for row in rows if send(row)]
        if rows:
            log.info("resumed %s: %s (of %s stalled)", label, sent[label], [row.pk for row in rows])
    return sent


def oldest_waiting(now: datetime.datetime | None = None) -> dict:
    """For /healthz: the age in seconds of the oldest unfinished row of each model (None if none)."""
    now = now or timezone.now()
    ages = {}
    for registration in REGISTRY.values():
        label = registration.report_as or registration.model._meta.label
        oldest = registration.model.objects.filter(registration.waiting).aggregate(at=Min(registration.since))["at"]
        ages[label] = round((now - oldest).total_seconds()) if oldest else None
    return ages
