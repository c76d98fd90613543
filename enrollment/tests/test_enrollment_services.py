"""The enrolment services the import shares with the admin form (refactored for batches): same behaviour."""

import datetime
from decimal import Decimal

import pytest

from core.models import AuditEvent
from demo.builders import make_funding, make_nik, make_worker
from enrollment.models import Coverage, Desa, ExternalCoverage, Worker
from enrollment.services import (
    CoverageError,
    EnrollmentError,
    activate_coverage,
    enroll_workers,
    overlap_problems,
    overlap_problems_by_nik,
    plan_enrollment,
    submit_coverage,
    submit_coverages,
)


@pytest.fixture
def kawa(db):
    return Desa.objects.get(name="Kawa")


@pytest.mark.django_db
def test_plan_enrollment_lists_every_problem(funding, kawa):
    ok = make_worker(desa=kawa)
    young = make_worker(desa=kawa, birth_date=datetime.date(2010, 1, 1))
    dead = make_worker(desa=kawa, died_on=datetime.date(2024, 11, 18))
    with pytest.raises(EnrollmentError) as raised:
        plan_enrollment(funding=funding, workers=[ok, young, dead, ok], start=funding.period_start)
    text = str(raised.value)
    assert "dipilih lebih dari sekali" in text and "R-AGE-1" in text and "meninggal pada 18-11-2024" in text
    plan = plan_enrollment(funding=funding, workers=[ok], start=funding.period_start)
    assert plan.count == 1 and plan.cost == Decimal(201600)  # R-COST-1: Rp16.800 x 12


@pytest.mark.django_db
def test_enroll_workers_writes_drafts_and_refuses_overlap_and_quota(kawa):
    funding = make_funding(quota=2)
    workers = [make_worker(desa=kawa) for _ in range(3)]
    created = enroll_workers(funding=funding, workers=workers[:2], start=funding.period_start, by=None)
    assert [c.status for c in created] == ["draft", "draft"]
    assert AuditEvent.objects.filter(action="create", content_type__model="coverage").count() == 2
    with pytest.raises(EnrollmentError, match="R-ENR-3"):
        enroll_workers(funding=make_funding(quota=10), workers=workers[:1], start=funding.period_start, by=None)
    with pytest.raises(EnrollmentError, match="Kuota"):
        enroll_workers(funding=funding, workers=workers[2:], start=funding.period_start, by=None)


@pytest.mark.django_db
def test_overlap_is_found_by_nik_for_workers_not_saved_yet(funding, kawa):
    worker = make_worker(desa=kawa)
    enroll_workers(funding=funding, workers=[worker], start=funding.period_start, by=None)
    ExternalCoverage.objects.create(nik="6209011205859999", payer="PT Lain", start_date=datetime.date(2025, 1, 1),
                                    end_date=datetime.date(2025, 12, 31))
    found = overlap_problems_by_nik([worker.nik, "6209011205859999", "6209011205858888"], datetime.date(2025, 6, 1),
                                    datetime.date(2026, 5, 31), ["JKK", "JKM"])
    assert set(found) == {worker.nik, "6209011205859999"}
    assert "R-ENR-3" in found[worker.nik] and "PT Lain" in found["6209011205859999"]
    assert overlap_problems([worker], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), ["JKK"]) == {}
    assert list(overlap_problems([worker], funding.period_start, funding.period_end, ["JKM"])) == [worker.pk]


@pytest.mark.django_db
def test_activation_checks_the_kpj_and_the_status(funding, kawa, bpjs_staff, official):
    first, second = make_worker(desa=kawa), make_worker(desa=kawa)
    c1, c2 = enroll_workers(funding=funding, workers=[first, second], start=funding.period_start, by=None)
    with pytest.raises(CoverageError, match="tidak dapat diubah"):  # still a draft
        activate_coverage(coverage=c1, kpj_number="24000000001", registered_on=None, by=bpjs_staff)
    submit_coverages(coverages=[c1, c2], by=official)
    with pytest.raises(CoverageError, match="tepat 11 angka"):
        activate_coverage(coverage=c1, kpj_number="123", registered_on=None, by=bpjs_staff)
    active = activate_coverage(coverage=c1, kpj_number="2400-0000-001", registered_on=datetime.date(2024, 12, 27),
                               by=bpjs_staff)
    assert (active.status, active.kpj_number) == ("active", "24000000001")
    with pytest.raises(CoverageError, match="sudah dipakai pekerja lain"):
        activate_coverage(coverage=c2, kpj_number="24000000001", registered_on=None, by=bpjs_staff)
    with pytest.raises(CoverageError):
        submit_coverage(coverage=c1, by=official)
    event = AuditEvent.objects.filter(object_id=str(c1.pk), action="transition").order_by("at", "pk").last()
    assert event.changes["status"] == ["submitted", "active"] and event.actor == bpjs_staff


@pytest.mark.django_db
def test_submitting_many_is_all_or_none(funding, kawa, official):
    c1, c2 = enroll_workers(funding=funding, workers=[make_worker(desa=kawa), make_worker(desa=kawa)],
                            start=funding.period_start, by=None)
    submit_coverage(coverage=c1, by=official)
    with pytest.raises(CoverageError):
        submit_coverages(coverages=[c1, c2], by=official)
    assert Coverage.objects.get(pk=c2.pk).status == "draft"


@pytest.mark.django_db
def test_the_any_lookup_matches_like_in(kawa):
    workers = [make_worker(desa=kawa, nik=make_nik(serial=500 + i)) for i in range(3)]
    niks = [workers[0].nik, workers[2].nik, "0000000000000000"]
    assert set(Worker.objects.filter(nik__any=niks)) == {workers[0], workers[2]}
    assert set(Worker.objects.filter(pk__any=[workers[1].pk])) == {workers[1]}
    assert list(Worker.objects.filter(nik__any=[])) == []


@pytest.mark.django_db
def test_the_gate_checks_any_number_of_applicants_in_the_same_few_queries(funding, kawa, django_assert_num_queries):
    # The one enrolment gate (check_enrollment) that the admin, the import and renewal call: set-based,
    # so the import's 100,000 rows cost what 10 cost. Queries: overlaps (coverages, BPJS's other
    # payers), then R-ENR-4: the program's area shares (issue 14; none here), places taken and
    # committed cost. With shares, places are counted per desa and the desa's kecamatan read: 6.
    from core.models import ProgramRules
    from enrollment.services import AGE, COVERED, DEATH, Applicant, check_enrollment
    from funding.contributions import RateTable

    rules, rates = ProgramRules.current(), RateTable.load()

    def applicants(count):
        return [Applicant(nik=make_nik(serial=5000 + i), birth_date=datetime.date(1985, 5, 12)) for i in range(count)]

    for count in (10, 1000):
        people = applicants(count)
        with django_assert_num_queries(5):
            check = check_enrollment(funding=funding, applicants=people, start=funding.period_start, rules=rules,
                                     rates=rates)
        assert check.refused == {} and check.count == count

    from enrollment.models import AreaShare

    AreaShare.objects.create(funding_source=funding, kecamatan=kawa.kecamatan, places=5)
    AreaShare.objects.create(funding_source=funding, kecamatan=kawa.kecamatan, desa=kawa, places=3)
    for count in (10, 1000):
        people = applicants(count)
        for person in people:
            person.desa_id = kawa.pk
        with django_assert_num_queries(6):
            check = check_enrollment(funding=funding, applicants=people, start=funding.period_start, rules=rules,
                                     rates=rates)
        assert len(check.beyond) == count - 3 and check.batch
    AreaShare.objects.all().delete()

    covered = make_worker(desa=kawa)
    enroll_workers(funding=funding, workers=[covered], start=funding.period_start, by=None)
    young = Applicant(nik=make_nik(serial=5900), birth_date=datetime.date(2010, 1, 1))
    dead = Applicant(nik=make_nik(serial=5901), birth_date=datetime.date(1985, 5, 12), died_on=datetime.date(2024, 11, 18))
    again = Applicant(nik=covered.nik, birth_date=covered.birth_date)
    check = check_enrollment(funding=funding, applicants=[young, dead, again], start=funding.period_start)
    assert [rule for rule, _message in check.refused[young]] == [AGE]
    assert [rule for rule, _message in check.refused[dead]] == [DEATH]
    assert [rule for rule, _message in check.refused[again]] == [COVERED]
    assert check.count == 0 and check.batch == []  # refused applicants take no place (R-ENR-4)
