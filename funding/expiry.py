"""Coverage that ends by itself on its end date, and the follow-up list of what ends soon."""

import datetime

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

FOLLOW_UP_DAYS = 30


def end_expired_coverages(*, today: datetime.date | None = None, progress=None) -> int:
    """Active coverages whose end date has passed become ended; returns how many this run ended.

    Each goes through ``enrollment.services.end_coverage`` (row lock, Coverage.NEXT, audit by
    the system), in its own short transaction. Safe to run twice or twice at once: a coverage
    another run ended first is refused by the transition check under the lock and skipped.
    """
    from enrollment.models import Coverage
    from enrollment.services import CoverageError, end_coverage

    today = today or timezone.localdate()
    due = list(
        Coverage.objects.filter(status=Coverage.Status.ACTIVE, end_date__lt=today).order_by("pk").values_list("pk", flat=True)
    )
    ended = 0
    for done, pk in enumerate(due, start=1):
        try:
            end_coverage(coverage=Coverage(pk=pk), by=None)
        except CoverageError:
            pass  # ended (or cancelled) by another run since the list was read
        else:
            ended += 1
        if progress:
            progress(done, len(due))
    return ended


def coverages_ending_soon(*, today: datetime.date | None = None, days: int = FOLLOW_UP_DAYS):
    """Active coverages ending within ``days`` days, with worker, heirs and whether the worker
    already has a later coverage (renewed), for the officials' follow-up."""
    from enrollment.models import Coverage, Heir

    today = today or timezone.localdate()
    later = Coverage.objects.counting().filter(worker_id=OuterRef("worker_id"), start_date__gt=OuterRef("end_date"))
    return (
        Coverage.objects.filter(
            status=Coverage.Status.ACTIVE, end_date__gte=today, end_date__lte=today + datetime.timedelta(days=days)
        )
        .select_related("worker__desa__kecamatan", "funding_source")
        .prefetch_related(Prefetch("worker__heirs", queryset=Heir.objects.order_by("pk")))
        .annotate(renewed=Exists(later))
        .order_by("end_date", "worker__desa__kecamatan__code", "worker__full_name", "pk")
    )
