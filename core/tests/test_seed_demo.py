"""seed_demo reproduces the program of the news item, with figures from the regulation's rates."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from enrollment.models import Coverage, Heir, Worker
from enrollment.nik import identity_errors, parse_nik
from enrollment.services import age_error
from core.models import ProgramRules
from funding.models import FundingSource
from funding.services import committed_cost


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction rolled back at its end (seeding takes seconds)."""
    outer = transaction.atomic()
    # Like a TestCase's own transaction: the durable blocks of the claim verbs seed_demo calls
    # may run inside it (Django checks this flag).
    outer._from_testcase = True
    with django_db_blocker.unblock(), outer:
        call_command("seed_demo", password="demo-Pass-2025", force=True)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return None


def test_dbh_sawit_2025_has_3200_active_coverages_costing_645_120_000(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2025")
    assert funding.coverages.filter(status=Coverage.Status.ACTIVE).count() == 3200
    assert committed_cost(funding) == Decimal("645120000")  # 3,200 × Rp16.800 × 12 (R-COST-1)
    assert funding.budget == Decimal("645120000") and funding.quota == 3200


def test_every_kecamatan_has_250_to_400_workers_in_2025(seeded):
    from django.db.models import Count

    counts = dict(
        Coverage.objects.filter(funding_source__code="DBH-SAWIT-2025")
        .values_list("worker__desa__kecamatan__name").annotate(n=Count("id"))
    )
    assert len(counts) == 8 and all(250 <= n <= 400 for n in counts.values())


def test_dbh_sawit_2024_has_1885_ended_coverages_costing_158_340_000(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2024")
    assert funding.coverages.filter(status=Coverage.Status.ENDED).count() == 1885
    assert committed_cost(funding) == Decimal("158340000")  # 1,885 × Rp16.800 × 5
    assert set(funding.coverages.values_list("start_date", "end_date")) == {
        (datetime.date(2024, 8, 1), datetime.date(2024, 12, 31))
    }


def test_dbh_sawit_2026_is_planned_without_workers(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2026")
    assert (funding.period_start, funding.period_end, funding.quota) == (
        datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 4000)
    assert funding.budget >= 4000 * Decimal("201600") and not funding.coverages.exists()


def test_seeded_workers_pass_every_worker_rule(seeded):
    rules = ProgramRules.current()
    for worker in Worker.objects.prefetch_related("coverages", "occupations"):
        info = parse_nik(worker.nik)
        assert identity_errors(info, sex=worker.sex, birth_date=worker.birth_date) == {}
        assert worker.occupations.count() <= 2
        for coverage in worker.coverages.all():
            assert age_error(worker.birth_date, coverage.start_date, rules) is None
    assert Heir.objects.count() > 3000
    assert Worker.objects.exclude(nik__startswith="6209").exists()  # migrants keep their NIK (R-NIK-3)


def test_renewed_workers_keep_their_kpj(seeded):
    worker = Worker.objects.filter(coverages__funding_source__code="DBH-SAWIT-2024").filter(
        coverages__funding_source__code="DBH-SAWIT-2025").first()
    assert len(set(worker.coverages.values_list("kpj_number", flat=True))) == 1


def test_two_2024_workers_died_and_did_not_continue(seeded):
    dead = Worker.objects.filter(died_on__isnull=False)
    assert dead.count() == 2
    assert not Coverage.objects.filter(worker__in=dead, funding_source__code="DBH-SAWIT-2025").exists()


def test_demo_accounts_have_their_roles(seeded, client):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    assert [g.name for g in users["operator"].groups.all()] == ["Operator Kabupaten"]
    assert [g.name for g in users["bpjs"].groups.all()] == ["Petugas BPJS"]
    assert [g.name for g in users["pimpinan"].groups.all()] == ["Pimpinan"]
    assert users["admin"].is_superuser
    response = client.post("/accounts/login/", {"username": "operator", "password": "demo-Pass-2025"})  # through axes
    assert response.status_code == 302 and response.wsgi_request.user.username == "operator"


def test_seed_demo_is_idempotent(seeded):
    before = (Worker.objects.count(), Coverage.objects.count(), Heir.objects.count(), FundingSource.objects.count())
    call_command("seed_demo", password="demo-Pass-2025", force=True)
    assert (Worker.objects.count(), Coverage.objects.count(), Heir.objects.count(), FundingSource.objects.count()) == before
