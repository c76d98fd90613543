"""Quota by area and the fair waiting list (issue 14): area shares in the one enrolment gate, the
waiting list's order and reorder, the offer when a place frees up, the program page's figures."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from demo.builders import make_coverage, make_funding, make_worker
from enrollment.models import AreaShare, Coverage, Desa, Submission
from enrollment.services import (
    EnrollmentError, cancel_coverage, end_coverages_at_death, enroll_workers, record_external_coverage,
)
from enrollment.waiting import area_figures, enroll_or_wait, offers, reorder_waiting, waiting_list

START = datetime.date(2025, 1, 1)
T0 = datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def bunut(db):
    return Desa.objects.get(code="62.09.03.2006")  # Kecamatan Bulik


@pytest.fixture
def other_bulik(bunut):
    return Desa.objects.filter(kecamatan=bunut.kecamatan).exclude(pk=bunut.pk).order_by("code").first()


@pytest.fixture
def elsewhere(bunut):
    return Desa.objects.exclude(kecamatan=bunut.kecamatan).order_by("code").first()


def share(funding, kecamatan, places, desa=None):
    row = AreaShare(funding_source=funding, kecamatan=kecamatan, desa=desa, places=places)
    row.full_clean()
    row.save()
    return row


def submit(funding, desa, minutes, **worker):
    """A village submission, checked, proposed ``minutes`` after T0 (its place in the queue)."""
    return Submission.objects.create(worker=make_worker(desa=desa, **worker), funding_source=funding,
                                     status=Submission.Status.CHECKED, submitted_at=T0 + datetime.timedelta(minutes=minutes))


def current_funding(**values):
    """A program running today (the waiting list's offers are for a start today)."""
    today = timezone.localdate()
    return make_funding(fiscal_year=today.year, period_start=today - datetime.timedelta(days=30),
                        period_end=today + datetime.timedelta(days=300), **values)


# --- Validation of the shares ---------------------------------------------------------------------


@pytest.mark.django_db
def test_shares_fit_in_the_quota_and_in_each_other(bunut, other_bulik, elsewhere):
    funding = make_funding(quota=100)
    share(funding, bunut.kecamatan, 60)
    with pytest.raises(ValidationError) as exc:
        share(funding, elsewhere.kecamatan, 41)
    assert "Jumlah jatah kecamatan DBH Sawit Uji menjadi 101, melebihi kuota 100." in str(exc.value)
    share(funding, elsewhere.kecamatan, 40)

    share(funding, bunut.kecamatan, 30, desa=bunut)
    with pytest.raises(ValidationError) as exc:
        share(funding, bunut.kecamatan, 31, desa=other_bulik)
    assert "melebihi jatah Kecamatan Bulik (60)" in str(exc.value)

    with pytest.raises(ValidationError) as exc:
        share(funding, elsewhere.kecamatan, 5, desa=bunut)
    assert "tidak berada di Kecamatan" in str(exc.value)

    kecamatan_share = AreaShare.objects.get(funding_source=funding, kecamatan=bunut.kecamatan, desa=None)
    kecamatan_share.places = 20
    with pytest.raises(ValidationError) as exc:
        kecamatan_share.full_clean()
    assert "sudah 30" in str(exc.value)


# --- The gate ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enrolling_beyond_a_share_is_refused_by_the_gate_naming_the_area(funding, bunut, other_bulik, elsewhere):
    share(funding, bunut.kecamatan, 3)
    share(funding, bunut.kecamatan, 1, desa=bunut)
    enroll_workers(funding=funding, workers=[make_worker(desa=other_bulik)], start=START, by=None)
    with pytest.raises(EnrollmentError) as exc:
        enroll_workers(funding=funding, workers=[make_worker(desa=bunut), make_worker(desa=bunut)], start=START, by=None)
    assert "Jatah Desa/Kelurahan Bunut untuk DBH Sawit Uji terlampaui: 0 terdaftar + 2 baru > jatah 1." in exc.value.messages
    with pytest.raises(EnrollmentError) as exc:
        enroll_workers(funding=funding, workers=[make_worker(desa=other_bulik) for _ in range(3)], start=START, by=None)
    assert "Jatah Kecamatan Bulik untuk DBH Sawit Uji terlampaui: 1 terdaftar + 3 baru > jatah 3." in exc.value.messages
    enroll_workers(funding=funding, workers=[make_worker(desa=bunut), make_worker(desa=other_bulik)], start=START, by=None)
    # No share for the other kecamatan: only the quota limits it.
    enroll_workers(funding=funding, workers=[make_worker(desa=elsewhere) for _ in range(5)], start=START, by=None)


@pytest.mark.django_db
def test_a_share_counts_places_as_the_quota_does_a_death_frees_one(funding, bunut, bpjs_staff):
    share(funding, bunut.kecamatan, 1)
    held = make_coverage(make_worker(desa=bunut), funding)
    with pytest.raises(EnrollmentError):
        enroll_workers(funding=funding, workers=[make_worker(desa=bunut)], start=START, by=None)
    end_coverages_at_death(worker=held.worker, died_on=datetime.date(2025, 6, 14), by=bpjs_staff)
    enroll_workers(funding=funding, workers=[make_worker(desa=bunut)], start=START, by=None)


# --- enroll_or_wait ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepted_rows_beyond_a_share_wait_in_order_of_submission(funding, official, bunut, elsewhere):
    share(funding, bunut.kecamatan, 2)
    late, first, second = submit(funding, bunut, 30), submit(funding, bunut, 10), submit(funding, bunut, 20)
    outside = submit(funding, elsewhere, 40)
    enrolled, waiting = enroll_or_wait([late, first, second, outside], by=official, start=START)
    assert [s.pk for s in enrolled] == [first.pk, second.pk, outside.pk]
    assert [s.pk for s in waiting] == [late.pk]
    late.refresh_from_db()
    assert late.status == Submission.Status.WAITING and late.queue_at == late.submitted_at
    assert late.decided_by == official
    first.refresh_from_db()
    assert first.status == Submission.Status.ENROLLED and first.coverage.status == Coverage.Status.DRAFT
    audit = AuditEvent.objects.filter(object_id=str(late.pk), content_type__model="submission").get()
    assert audit.changes["status"] == [Submission.Status.CHECKED, Submission.Status.WAITING]
    assert "Jatah Kecamatan Bulik untuk DBH Sawit Uji sudah penuh: 2 dari 2 tempat." in audit.note


@pytest.mark.django_db
def test_the_quota_edge_and_the_budget_edge_put_rows_on_the_waiting_list(official, bunut, elsewhere):
    funding = make_funding(quota=2, budget=Decimal("201600") * 10)
    rows = [submit(funding, bunut, 1), submit(funding, elsewhere, 2), submit(funding, bunut, 3)]
    enrolled, waiting = enroll_or_wait(rows, by=official, start=START)
    assert (len(enrolled), [s.pk for s in waiting]) == (2, [rows[2].pk])

    poor = make_funding(quota=10, budget=Decimal("201600"))  # one year's contribution for one worker
    rows = [submit(poor, bunut, 1), submit(poor, bunut, 2)]
    enrolled, waiting = enroll_or_wait(rows, by=official, start=START)
    assert ([s.pk for s in enrolled], [s.pk for s in waiting]) == ([rows[0].pk], [rows[1].pk])
    assert "anggaran" in waiting_list(poor, start=START)[0].reason


@pytest.mark.django_db
def test_a_row_refused_for_its_own_reasons_is_an_error_and_nothing_is_written(funding, official, bunut):
    fine, young = submit(funding, bunut, 1), submit(funding, bunut, 2, birth_date=datetime.date(2012, 1, 1))
    with pytest.raises(EnrollmentError) as exc:
        enroll_or_wait([fine, young], by=official, start=START)
    assert any("R-AGE-1" in message for message in exc.value.messages)
    assert not Coverage.objects.filter(funding_source=funding).exists()
    assert set(Submission.objects.values_list("status", flat=True)) == {Submission.Status.CHECKED}


@pytest.mark.django_db
def test_a_village_account_cannot_decide(funding, village_officer, bunut):
    with pytest.raises(PermissionDenied):
        enroll_or_wait([submit(funding, bunut, 1)], by=village_officer, start=START)


# --- Order and reorder ---------------------------------------------------------------------------


@pytest.fixture
def full_bulik(official, bunut):
    """A running program whose Bulik share is full, three Bulik rows waiting (a, b, c)."""
    funding = current_funding()
    share(funding, bunut.kecamatan, 1)
    enroll_or_wait([submit(funding, bunut, 0)], by=official)
    a, b, c = submit(funding, bunut, 10), submit(funding, bunut, 20), submit(funding, bunut, 30)
    enrolled, waiting = enroll_or_wait([c, a, b], by=official)
    assert enrolled == [] and len(waiting) == 3
    return funding, a, b, c


def order(funding):
    return [row.submission.pk for row in waiting_list(funding)]


@pytest.mark.django_db
def test_the_waiting_list_is_in_order_of_submission_and_moves_only_with_a_reason(full_bulik, official, village_officer):
    funding, a, b, c = full_bulik
    assert order(funding) == [a.pk, b.pk, c.pk]
    with pytest.raises(ValidationError):
        reorder_waiting(c, before=a, reason="  ", by=official)
    with pytest.raises(PermissionDenied):
        reorder_waiting(c, before=a, reason="Janda dengan tiga anak", by=village_officer)
    reorder_waiting(c, before=a, reason="Janda dengan tiga anak", by=official)
    assert order(funding) == [c.pk, a.pk, b.pk]
    reorder_waiting(c, after=a, reason="Salah pindah", by=official)
    assert order(funding) == [a.pk, c.pk, b.pk]
    event = AuditEvent.objects.filter(object_id=str(c.pk), content_type__model="submission",
                                      action=AuditEvent.Action.UPDATE).order_by("at", "pk").first()
    assert event.note == "Janda dengan tiga anak" and event.actor == official and "queue_at" in event.changes


@pytest.mark.django_db
def test_rows_with_the_same_time_keep_a_strict_order_when_one_moves(official, bunut):
    funding = current_funding()
    share(funding, bunut.kecamatan, 0)
    rows = [submit(funding, bunut, 5) for _ in range(3)]  # one upload: the same time
    enroll_or_wait(rows, by=official)
    assert order(funding) == [r.pk for r in rows]
    reorder_waiting(rows[2], after=rows[0], reason="Prioritas desa", by=official)
    assert order(funding) == [rows[0].pk, rows[2].pk, rows[1].pk]
    reorder_waiting(rows[1], before=rows[0], reason="Prioritas desa", by=official)
    assert order(funding) == [rows[1].pk, rows[0].pk, rows[2].pk]


# --- A place frees up: the first waiting row of that area is offered ------------------------------


def free_by_death(coverage, bpjs_staff, official):
    end_coverages_at_death(worker=coverage.worker, died_on=timezone.localdate(), by=bpjs_staff)


def free_by_cancel(coverage, bpjs_staff, official):
    cancel_coverage(coverage=coverage, by=official, reason="Pindah ke luar daerah")


def free_by_covered_elsewhere(coverage, bpjs_staff, official):
    record_external_coverage(coverage=coverage, payer="PT Sawit Jaya", start=coverage.start_date,
                             end=coverage.end_date, source="jawaban-bpjs.xlsx", by=bpjs_staff)


@pytest.mark.django_db
@pytest.mark.parametrize("free", [free_by_death, free_by_cancel, free_by_covered_elsewhere])
def test_a_freed_place_is_offered_to_the_first_waiting_row_of_that_area(free, official, bpjs_staff, bunut, elsewhere):
    funding = current_funding()
    share(funding, bunut.kecamatan, 1)
    share(funding, elsewhere.kecamatan, 1)
    held = make_coverage(make_worker(desa=bunut), funding, start=funding.period_start)
    make_coverage(make_worker(desa=elsewhere), funding, start=funding.period_start)
    first, second, other = submit(funding, bunut, 10), submit(funding, bunut, 20), submit(funding, elsewhere, 5)
    assert enroll_or_wait([first, second, other], by=official)[0] == []
    assert offers(funding) == []

    free(held, bpjs_staff, official)
    assert [s.pk for s in offers(funding)] == [first.pk]  # not the other area's, not the second
    figures = {area.label: area for area in area_figures(funding)["areas"]}
    assert (figures["Bulik"].enrolled, figures["Bulik"].waiting, figures["Bulik"].offered) == (0, 2, 1)

    # A row accepted now, though submitted later, does not overtake the one offered.
    late = submit(funding, bunut, 60)
    assert enroll_or_wait([late], by=official) == ([], [late])
    enrolled, _waiting = enroll_or_wait([first], by=official)  # the district takes the offer: through the gate
    assert [s.pk for s in enrolled] == [first.pk]
    assert offers(funding) == []
    assert Coverage.objects.holding_place().filter(funding_source=funding, worker__desa__kecamatan=bunut.kecamatan).count() == 1


# --- The program page and the waiting-list pages -------------------------------------------------


@pytest.mark.django_db
def test_the_program_page_shows_each_area_in_the_same_number_of_queries(client, official, bunut,
                                                                        django_assert_max_num_queries):
    funding = current_funding()
    share(funding, bunut.kecamatan, 1)
    enroll_or_wait([submit(funding, bunut, 1), submit(funding, bunut, 2)], by=official)
    client.force_login(official)
    url = reverse("funding:detail", args=[funding.code])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    text = response.content.decode()
    assert 'id="area-shares"' in text and "Tempat tersedia" not in text
    row = text.split("Kecamatan Bulik")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('class="num">')[1:]] == ["1", "1", "0", "1", "0"]

    for index, desa in enumerate(Desa.objects.exclude(kecamatan=bunut.kecamatan).order_by("code")[:12]):
        if not AreaShare.objects.filter(funding_source=funding, kecamatan=desa.kecamatan, desa=None).exists():
            share(funding, desa.kecamatan, 20)
        share(funding, desa.kecamatan, 1, desa=desa)
        enroll_or_wait([submit(funding, desa, 10 + index), submit(funding, desa, 40 + index)], by=official)
    with django_assert_max_num_queries(len(few)):  # 13 areas and 25 rows waiting cost what 1 and 1 cost
        response = client.get(url)
    assert response.content.decode().count("Desa/Kel.") == 12


@pytest.mark.django_db
def test_the_district_enrols_an_offered_row_and_moves_rows_from_the_waiting_list_page(client, official, full_bulik,
                                                                                     leader):
    funding, a, b, c = full_bulik
    held = Coverage.objects.get(funding_source=funding)
    cancel_coverage(coverage=held, by=official, reason="Pindah")
    client.force_login(official)
    url = reverse("funding:waiting", args=[funding.code])
    text = client.get(url).content.decode()
    assert text.count("Tempat tersedia: tawarkan") == 1 and text.index("Tempat tersedia") > text.index(f'id="waiting-{a.pk}"')

    response = client.post(reverse("funding:waiting_move", args=[funding.code, c.pk]),
                           {"target": a.pk, "place": "before", "reason": ""})
    assert response.status_code == 302 and order(funding) == [a.pk, b.pk, c.pk]  # no reason, no move
    client.post(reverse("funding:waiting_move", args=[funding.code, c.pk]),
                {"target": a.pk, "place": "before", "reason": "Tulang punggung keluarga"})
    assert order(funding) == [c.pk, a.pk, b.pk]

    client.post(reverse("funding:waiting_enroll", args=[funding.code, c.pk]))
    c.refresh_from_db()
    assert c.status == Submission.Status.ENROLLED
    client.post(reverse("funding:waiting_enroll", args=[funding.code, a.pk]))  # no place left: keeps waiting
    a.refresh_from_db()
    assert a.status == Submission.Status.WAITING

    client.force_login(leader)  # figures only: no names, no verbs
    assert client.get(url).status_code == 403
    assert client.post(reverse("funding:waiting_enroll", args=[funding.code, a.pk])).status_code == 403
