"""Coverage status moves only through the named transitions, each audited and permission-checked."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from core.models import AuditEvent
from demo.builders import make_worker
from enrollment.models import Coverage
from enrollment.services import (
    CoverageError,
    activate_coverage,
    cancel_coverage,
    end_coverage,
    enroll_worker,
    submit_coverage,
)


@pytest.fixture
def coverage(funding, official):
    return enroll_worker(worker=make_worker(), funding=funding, start=datetime.date(2025, 1, 1), by=official)


def test_draft_submitted_active_ended(coverage, official, bpjs_staff):
    coverage = submit_coverage(coverage=coverage, by=official)
    assert coverage.status == Coverage.Status.SUBMITTED and coverage.submitted_at
    coverage = activate_coverage(coverage=coverage, kpj_number="24000000001", registered_on=datetime.date(2025, 1, 3), by=bpjs_staff)
    assert coverage.status == Coverage.Status.ACTIVE and coverage.kpj_number == "24000000001"
    coverage = end_coverage(coverage=coverage)
    assert coverage.status == Coverage.Status.ENDED
    moves = [e.changes["status"] for e in AuditEvent.objects.filter(action="transition").order_by("pk")]
    assert moves == [["draft", "submitted"], ["submitted", "active"], ["active", "ended"]]


def test_a_draft_cannot_be_activated(coverage, bpjs_staff):
    with pytest.raises(CoverageError, match="Draf"):
        activate_coverage(coverage=coverage, kpj_number="24000000001", registered_on=None, by=bpjs_staff)


def test_kpj_must_have_the_configured_length(coverage, official, bpjs_staff):
    submit_coverage(coverage=coverage, by=official)
    with pytest.raises(CoverageError, match="KPJ"):
        activate_coverage(coverage=coverage, kpj_number="2400001", registered_on=None, by=bpjs_staff)


def test_a_kpj_of_another_worker_is_refused(funding, official, bpjs_staff):
    first = enroll_worker(worker=make_worker(), funding=funding, start=datetime.date(2025, 1, 1), by=official)
    second = enroll_worker(worker=make_worker(), funding=funding, start=datetime.date(2025, 1, 1), by=official)
    for c in (first, second):
        submit_coverage(coverage=c, by=official)
    activate_coverage(coverage=first, kpj_number="24000000001", registered_on=None, by=bpjs_staff)
    with pytest.raises(CoverageError, match="pekerja lain"):
        activate_coverage(coverage=second, kpj_number="24000000001", registered_on=None, by=bpjs_staff)


def test_the_official_cannot_activate_and_bpjs_cannot_submit(coverage, official, bpjs_staff):
    with pytest.raises(PermissionDenied):
        submit_coverage(coverage=coverage, by=bpjs_staff)
    submit_coverage(coverage=coverage, by=official)
    with pytest.raises(PermissionDenied):
        activate_coverage(coverage=coverage, kpj_number="24000000001", registered_on=None, by=official)


def test_cancelling_needs_a_reason_and_is_final(coverage, official):
    with pytest.raises(CoverageError, match="Alasan"):
        cancel_coverage(coverage=coverage, by=official, reason=" ")
    cancelled = cancel_coverage(coverage=coverage, by=official, reason="pindah domisili")
    assert cancelled.status == Coverage.Status.CANCELLED and cancelled.cancelled_at
    with pytest.raises(CoverageError):
        submit_coverage(coverage=cancelled, by=official)
