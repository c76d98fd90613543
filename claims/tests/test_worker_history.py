"""A worker's history tells their claims too: every audit row of a claim is written under the
worker (issue 12), so the worker's page in the admin shows the claim's filing, documents, moves
and payment beside the changes to the worker, their heirs and coverages."""

import datetime

import pytest

from claims.models import Claim
from claims.services import approve_claim, verify_claim
from demo.builders import file_claim, pay_in_full, upload_required
from core.audit import history
from core.models import AuditEvent
from demo.builders import make_worker

pytestmark = pytest.mark.django_db

DEATH_DAY = datetime.date(2025, 6, 14)


def claim_events(events, claim):
    return [(e.action, (e.changes.get("status") or [None, None])[1]) for e in events
            if e.content_type.model == "claim" and e.object_id == str(claim.pk)]


def test_a_workers_history_shows_every_event_of_their_claim(worker, coverage, spouse, official, bpjs_staff, other_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    approve_claim(claim=claim, by=bpjs_staff)
    pay_in_full(claim, by=other_staff, reference="TRF-WORKER-HISTORY")

    events = list(history(worker))

    own = claim_events(events, claim)
    assert (AuditEvent.Action.CREATE, Claim.Status.SUBMITTED) in own
    assert [status for action, status in own if action == AuditEvent.Action.TRANSITION] == [
        Claim.Status.PAID, Claim.Status.APPROVED, Claim.Status.VERIFIED]  # newest first
    assert any(action == AuditEvent.Action.UPDATE and status is None for action, status in own)  # documents, death
    # The claim's own history (its page) still holds exactly the same rows.
    assert sorted(e.pk for e in history(claim)) == sorted(
        e.pk for e in events if e.content_type.model == "claim" and e.object_id == str(claim.pk))


def test_a_workers_history_leaves_out_another_workers_claim(worker, coverage, spouse, official):
    file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    other = make_worker(full_name="ANDI WIJAYA")

    assert not [e for e in history(other) if e.content_type.model == "claim"]


def test_the_worker_admin_history_page_lists_the_claim(client, worker, coverage, spouse, official, superuser):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    client.force_login(superuser)

    response = client.get(f"/admin/enrollment/worker/{worker.pk}/history/")

    assert response.status_code == 200
    assert str(claim) in response.content.decode()


def test_claim_rows_written_before_without_a_worker_are_moved_under_the_worker(worker, coverage, spouse, official):
    import importlib

    from django.apps import apps

    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    AuditEvent.objects.filter(object_id=str(claim.pk), content_type__model="claim").update(parent_type=None, parent_id="")
    assert not claim_events(history(worker), claim)

    migration = importlib.import_module("claims.migrations.0006_claim_audit_under_worker")
    migration.audit_claims_under_worker(apps, None)

    assert claim_events(history(worker), claim) == [(AuditEvent.Action.CREATE, Claim.Status.SUBMITTED)]
