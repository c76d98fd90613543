"""seed_demo's claims: the news item's two paid JKM claims (Rp84.000.000) and claims of the program
running on the day of seeding (5 December 2026 here) in every status."""

import datetime

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from claims.documents import missing_documents, required_documents
from claims.models import Claim
from demo.builders import on_day
from enrollment.heirs import entitled_heirs


@pytest.mark.django_db
def test_seed_demo_adds_the_news_item_claims_and_every_status_once():
    today = datetime.date(2026, 12, 5)
    with on_day(today):
        call_command("seed_demo", "--password", "demo-Sandi-123", "--force", verbosity=0)
    paid_2024 = Claim.objects.filter(coverage__funding_source__code="DBH-SAWIT-2024", status=Claim.Status.PAID)
    assert paid_2024.count() == 2
    assert paid_2024.aggregate(total=Sum("paid_amount"))["total"] == Decimal("84000000")
    for claim in paid_2024.select_related("worker", "claimant"):
        assert claim.kind == Claim.Kind.JKM_DEATH and claim.paid_amount == Decimal("42000000")
        assert claim.event_date == claim.worker.died_on
        assert claim.claimant in entitled_heirs(claim.worker.heirs.all())
        assert missing_documents(required_documents(claim), claim.documents.all()) == []
        assert claim.submitted_by.username == "operator" and claim.paid_by.username == "bpjs"
    current = Claim.objects.filter(coverage__funding_source__code="DBH-SAWIT-2026")
    assert set(current.values_list("status", flat=True)) == {"submitted", "verified", "approved", "paid", "rejected"}
    assert all(datetime.date(2026, 1, 1) <= day <= today for day in current.values_list("event_date", flat=True))
    # Spread over the regency, not all in one kecamatan.
    assert len(set(current.values_list("worker__desa__kecamatan", flat=True))) >= 5
    before = Claim.objects.count()

    with on_day(today):
        call_command("seed_demo", "--password", "demo-Sandi-123", "--force", verbosity=0)
    assert Claim.objects.count() == before
