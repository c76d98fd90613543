"""PostgreSQL drops the session in the middle of a claim approval and of a payment (issue 11).

The verb is stopped at a known point inside its transaction: another session holds the audit
table, so the verb blocks on its audit row after it has already updated the claim; then its
session is terminated with ``pg_terminate_backend``, as an administrator or a failover would.
The page answers 503 with a clear message, nothing of the verb remains, and repeating the
action succeeds once.
"""

import contextlib
import datetime
import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim
from claims.services import approve_claim, verify_claim
from demo.builders import file_claim, upload_required
from core.models import AuditEvent

DEATH_DAY = datetime.date(2025, 6, 14)


def _dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                                          host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)


@contextlib.contextmanager
def terminated_inside_its_transaction():
    """Whatever this session does next is terminated once it has written and then waits for the
    audit table. Yields a list that receives the terminated backend's pid."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    terminated = []
    with psycopg.connect(_dsn()) as blocker, psycopg.connect(_dsn(), autocommit=True) as watcher:
        blocker.execute("LOCK TABLE core_auditevent IN EXCLUSIVE MODE")
        stop = threading.Event()

        def terminate():
            while not stop.wait(0.02):
                row = watcher.execute(
                    "SELECT wait_event_type, backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone()
                if row and row[0] == "Lock" and row[1]:  # has written, now waits for the audit row
                    watcher.execute("SELECT pg_terminate_backend(%s)", [pid])
                    terminated.append(pid)
                    return

        thread = threading.Thread(target=terminate)
        thread.start()
        try:
            yield terminated
        finally:
            stop.set()
            thread.join(timeout=10)
            blocker.rollback()


@pytest.fixture
def verified_claim(coverage, spouse, official, bpjs_staff):
    claim = file_claim(coverage=coverage, by=official, event_date=DEATH_DAY, claimant=spouse)
    upload_required(claim, by=official)
    verify_claim(claim=claim, by=bpjs_staff)
    return claim


def _transitions(claim, to):
    return [e for e in AuditEvent.objects.filter(object_id=str(claim.pk), action=AuditEvent.Action.TRANSITION)
            if e.changes.get("status", [None, None])[1] == to]


@pytest.mark.django_db(transaction=True)
def test_an_approval_cut_off_by_the_database_leaves_nothing_and_can_be_repeated(client, verified_claim, other_staff):
    client.force_login(other_staff)
    url = reverse("claims:approve", args=[verified_claim.pk])
    with terminated_inside_its_transaction() as terminated:
        response = client.post(url)
    assert terminated, "the approval was not caught inside its transaction"
    assert response.status_code == 503
    assert "tidak ada perubahan yang disimpan" in response.content.decode()

    claim = Claim.objects.get(pk=verified_claim.pk)
    assert (claim.status, claim.approved_at, claim.approved_by_id) == (Claim.Status.VERIFIED, None, None)
    assert claim.worker.died_on is None and _transitions(claim, "approved") == []

    response = client.post(url)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.approved_by == other_staff
    assert claim.worker.died_on == DEATH_DAY
    assert len(_transitions(claim, "approved")) == 1
    client.post(url)  # a third click changes nothing
    assert len(_transitions(claim, "approved")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_payment_cut_off_by_the_database_leaves_nothing_and_is_recorded_once_when_repeated(
        client, verified_claim, bpjs_staff, other_staff):
    approve_claim(claim=verified_claim, by=other_staff)
    client.force_login(bpjs_staff)
    url = reverse("claims:pay", args=[verified_claim.pk])
    form = {"paid_on": timezone.localdate().isoformat(), "amount": "42000000", "reference": "BKT/2025/91"}
    with terminated_inside_its_transaction() as terminated:
        response = client.post(url, form)
    assert terminated, "the payment was not caught inside its transaction"
    assert response.status_code == 503
    claim = Claim.objects.get(pk=verified_claim.pk)
    assert (claim.status, claim.paid_at, claim.paid_amount, claim.payment_reference) == (
        Claim.Status.APPROVED, None, None, "")
    assert _transitions(claim, "paid") == []

    assert client.post(url, form).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount, claim.payment_reference) == (Claim.Status.PAID, Decimal("42000000"),
                                                                          "BKT/2025/91")
    client.post(url, form)  # repeated once more: refused, still one payment
    assert len(_transitions(claim, "paid")) == 1
