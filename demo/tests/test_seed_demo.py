"""seed_demo reproduces the program of the news item, with figures from the regulation's rates,
told up to the day it is seeded (pinned here to 5 December 2026; test_seed_demo_today.py moves it)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from enrollment.models import Coverage, Desa, Heir, OperatorArea, Submission, Worker
from enrollment.nik import identity_errors, parse_nik
from enrollment.services import age_error
from core.models import ProgramRules
from demo.builders import on_day
from funding.models import FundingSource
from funding.services import committed_cost

TODAY = datetime.date(2026, 12, 5)


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction rolled back at its end (seeding takes seconds)."""
    outer = transaction.atomic()
    # Like a TestCase's own transaction: the durable blocks of the claim verbs seed_demo calls
    # may run inside it (Django checks this flag).
    outer._from_testcase = True
    with on_day(TODAY), django_db_blocker.unblock(), outer:
        call_command("seed_demo", password="demo-Pass-2025", force=True)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return None


def test_dbh_sawit_2025_has_3200_coverages_ended_by_the_nightly_verb_costing_645_120_000(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2025")
    assert funding.coverages.filter(status=Coverage.Status.ENDED).count() == 3200
    assert committed_cost(funding) == Decimal("645120000")  # 3,200 × Rp16.800 × 12 (R-COST-1)
    assert funding.budget == Decimal("645120000") and funding.quota == 3200
    assert set(funding.coverages.values_list("start_date", "end_date")) == {
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    }
    # Ended by funding.expiry.end_expired_coverages: each with the system's audit row.
    from django.contrib.contenttypes.models import ContentType

    from core.models import AuditEvent

    ended = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Coverage), action=AuditEvent.Action.TRANSITION,
        changes__status=["active", "ended"], object_id__in=[str(pk) for pk in funding.coverages.values_list("pk", flat=True)],
    )
    assert ended.count() == 3200 and set(ended.values_list("actor", flat=True)) == {None}


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


def test_dbh_sawit_2026_runs_with_last_years_workers_renewed_and_a_few_new(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2026")
    assert (funding.period_start, funding.period_end, funding.quota) == (
        datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 4000)
    assert funding.coverages.filter(status=Coverage.Status.ACTIVE).count() >= 3300  # a death may end one
    renewed = funding.coverages.filter(worker__coverages__funding_source__code="DBH-SAWIT-2025")
    assert renewed.count() == 3200  # every 2025 worker was alive and under 65 on 1 January 2026
    assert set(renewed.values_list("start_date", flat=True)) == {datetime.date(2026, 1, 1)}
    new = funding.coverages.exclude(worker__coverages__funding_source__code="DBH-SAWIT-2025")
    assert new.count() == 120 and set(new.values_list("start_date", flat=True)) == {datetime.date(2026, 4, 1)}


def test_dbh_sawit_2027_exists_with_its_budget_awaiting_renewal(seeded):
    funding = FundingSource.objects.get(code="DBH-SAWIT-2027")
    assert (funding.period_start, funding.period_end, funding.quota) == (
        datetime.date(2027, 1, 1), datetime.date(2027, 12, 31), 4000)
    assert funding.budget == 4000 * Decimal("201600") and not funding.coverages.exists()


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
        coverages__funding_source__code="DBH-SAWIT-2025").filter(coverages__funding_source__code="DBH-SAWIT-2026").first()
    assert worker.coverages.count() == 3
    assert len(set(worker.coverages.values_list("kpj_number", flat=True))) == 1


def test_two_2024_workers_died_and_did_not_continue(seeded):
    dead = Worker.objects.filter(died_on__in=[datetime.date(2024, 11, 18), datetime.date(2024, 12, 9)])
    assert dead.count() == 2
    assert not Coverage.objects.filter(worker__in=dead, funding_source__fiscal_year__gte=2025).exists()
    # This year a worker's death claim was approved (claims/demo.py): the renewal will skip them.
    assert Worker.objects.filter(died_on__year=2026).count() == 1


def test_demo_accounts_have_their_roles(seeded, client):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    assert [g.name for g in users["operator"].groups.all()] == ["Operator Kabupaten"]
    assert [g.name for g in users["bpjs"].groups.all()] == ["Petugas BPJS"]
    assert [g.name for g in users["pimpinan"].groups.all()] == ["Pimpinan"]
    assert users["admin"].is_superuser
    assert [g.name for g in users["desa"].groups.all()] == ["Operator Desa"]
    assert [g.name for g in users["kecamatan"].groups.all()] == ["Operator Kecamatan"]
    response = client.post("/accounts/login/", {"username": "operator", "password": "demo-Pass-2025"})  # through axes
    assert response.status_code == 302 and response.wsgi_request.user.username == "operator"


def test_seed_demo_is_idempotent(seeded):
    before = (Worker.objects.count(), Coverage.objects.count(), Heir.objects.count(), FundingSource.objects.count(),
              Submission.objects.count(), OperatorArea.desa.through.objects.count(),
              OperatorArea.kecamatan.through.objects.count())
    with on_day(TODAY):
        call_command("seed_demo", password="demo-Pass-2025", force=True)
    assert (Worker.objects.count(), Coverage.objects.count(), Heir.objects.count(), FundingSource.objects.count(),
            Submission.objects.count(), OperatorArea.desa.through.objects.count(),
            OperatorArea.kecamatan.through.objects.count()) == before


def test_the_area_accounts_hold_bunut_and_bulik(seeded):
    from django.contrib.auth import get_user_model

    from enrollment.areas import scope_for

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["desa", "kecamatan"])}
    areas = {area.user.username: area for area in OperatorArea.objects.filter(user__in=users.values())}
    assert list(areas["desa"].desa.values_list("code", flat=True)) == ["62.09.03.2006"]
    assert list(areas["desa"].kecamatan.all()) == []
    assert list(areas["kecamatan"].kecamatan.values_list("code", flat=True)) == ["62.09.03"]
    bunut = scope_for(users["desa"])
    bulik = scope_for(users["kecamatan"])
    assert len(bunut.desa_ids) == 1 and bunut.desa_ids < bulik.desa_ids
    assert bulik.desa_ids == set(Desa.objects.filter(kecamatan__code="62.09.03").values_list("pk", flat=True))


def test_bunut_has_pending_village_submissions_with_their_audit_trail(seeded):
    from core.audit import history

    submissions = list(Submission.objects.select_related("worker__desa", "submitted_by", "checked_by", "decided_by")
                       .order_by("pk"))
    assert [s.status for s in submissions] == ["rejected", "checked", "submitted", "submitted"]
    assert {s.worker.desa.code for s in submissions} == {"62.09.03.2006"}
    assert {s.submitted_by.username for s in submissions} == {"desa"}
    assert {s.funding_source.fiscal_year for s in submissions} == {TODAY.year}
    rejected, checked = submissions[0], submissions[1]
    assert (rejected.decided_by.username, rejected.reason) == ("operator", Submission.Reason.IDENTITY) and rejected.note
    assert checked.checked_by.username == "kecamatan" and checked.coverage is None
    assert not Coverage.objects.filter(worker__in=[s.worker for s in submissions]).exists()  # nobody enrolled them
    trail = [(event.actor.username, event.note) for event in reversed(history(rejected.worker))]
    assert trail[0] == ("desa", "Dimasukkan oleh desa") and trail[-1][0] == "operator"
    assert [actor for actor, _note in reversed(history(checked.worker).values_list("actor__username", "note"))] == [
        "desa", "desa", "kecamatan"]
