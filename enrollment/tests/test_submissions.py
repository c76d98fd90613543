"""Issue 14, village submissions (maker-checker): a village proposes, the kecamatan may check, the
district accepts (enrolled through the one gate) or rejects with a reason, the village resubmits.
Every verb checks its permission and the account's area itself; every step is audited."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, ProgramRules
from demo.builders import make_funding, make_worker, worker_in
from enrollment.models import Coverage, Desa, Submission, Worker
from enrollment.services import enroll_workers
from enrollment.submissions import (
    SubmissionError, accept_submissions, check_submissions, reject_submissions, resubmit, submit_workers,
)

BUNUT = "62.09.03.2006"  # the village_officer's desa, in Bulik (the subdistrict_officer's kecamatan)
GUCI = "62.09.03.2002"  # Bulik too, another village
KAWA = "62.09.01.2004"  # Kecamatan Lamandau


@pytest.fixture
def program(db):
    """A program running today (the verdict enrols from today)."""
    year = timezone.localdate().year
    return make_funding(code="DBH-SAWIT-JALAN", name="DBH Sawit Berjalan", fiscal_year=year,
                        period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31))


@pytest.fixture
def villager(db):
    return worker_in(BUNUT, full_name="WARGA BUNUT")


@pytest.fixture
def kecamatan_check():
    rules = ProgramRules.current()
    rules.kecamatan_check = True
    rules.save()
    return rules


def trail(worker):
    """The worker's submission audit rows, oldest first: (action, status change)."""
    submission_type = ContentType.objects.get_for_model(Submission)
    return [
        (event.action, event.changes.get("status"), event.actor.username if event.actor else None)
        for event in AuditEvent.objects.filter(
            content_type=submission_type, parent_type=ContentType.objects.get_for_model(Worker),
            parent_id=str(worker.pk)).order_by("at", "id")
    ]


# --- Submitting ----------------------------------------------------------------------------------


def test_a_village_submits_its_worker_and_enrols_nobody(village_officer, program, villager):
    [submission] = submit_workers([villager], program, village_officer)
    assert (submission.status, submission.submitted_by) == ("submitted", village_officer)
    assert not Coverage.objects.exists()
    assert trail(villager) == [("create", [None, "submitted"], "desa")]


def test_a_village_cannot_submit_a_worker_of_another_village(village_officer, program):
    neighbour = worker_in(GUCI)
    with pytest.raises(PermissionDenied):
        submit_workers([neighbour], program, village_officer)
    assert not Submission.objects.exists()


def test_a_village_account_never_enrols(village_officer, program, villager):
    with pytest.raises(PermissionDenied):
        enroll_workers(funding=program, workers=[villager], start=program.period_start, by=village_officer)
    [submission] = submit_workers([villager], program, village_officer)
    with pytest.raises(PermissionDenied):
        accept_submissions([submission], village_officer)
    with pytest.raises(PermissionDenied):
        check_submissions([submission], village_officer)
    with pytest.raises(PermissionDenied):
        reject_submissions([submission], village_officer, Submission.Reason.IDENTITY)
    assert not Coverage.objects.exists()


def test_submitting_goes_through_the_enrolment_gate_and_refuses_twice(village_officer, program, villager):
    too_old = worker_in(BUNUT, full_name="KAKEK TUA", birth_date=datetime.date(1950, 5, 12))
    with pytest.raises(SubmissionError) as refused:
        submit_workers([villager, too_old], program, village_officer)
    assert "KAKEK TUA" in str(refused.value) and "R-AGE-1" in str(refused.value)
    assert not Submission.objects.exists()  # all or none
    submit_workers([villager], program, village_officer)
    with pytest.raises(SubmissionError, match="sudah diajukan"):
        submit_workers([villager], program, village_officer)


def test_an_ended_program_takes_no_submissions(village_officer, villager, funding):
    assert funding.period_end < timezone.localdate()
    with pytest.raises(SubmissionError, match="sudah berakhir"):
        submit_workers([villager], funding, village_officer)


# --- The kecamatan check and the district's verdicts ----------------------------------------------


def test_without_the_kecamatan_check_the_district_accepts_directly(village_officer, official, program, villager):
    [submission] = submit_workers([villager], program, village_officer)
    enrolled, waiting = accept_submissions([submission], official)
    assert (len(enrolled), waiting) == (1, [])
    submission.refresh_from_db()
    coverage = Coverage.objects.get(worker=villager)
    assert (submission.status, submission.coverage, submission.decided_by) == ("enrolled", coverage, official)
    assert (coverage.status, coverage.start_date) == ("draft", max(program.period_start, timezone.localdate()))
    assert trail(villager) == [
        ("create", [None, "submitted"], "desa"),
        ("update", None, "operator"),  # the decision: who and when
        ("transition", ["submitted", "enrolled"], "operator"),
    ]


def test_with_the_kecamatan_check_only_checked_rows_are_accepted(village_officer, subdistrict_officer, official,
                                                                  program, villager, kecamatan_check):
    [submission] = submit_workers([villager], program, village_officer)
    with pytest.raises(SubmissionError, match="Belum diperiksa kecamatan"):
        accept_submissions([submission], official)
    check_submissions([submission], subdistrict_officer, note="KTP cocok")
    submission.refresh_from_db()
    assert (submission.status, submission.checked_by) == ("checked", subdistrict_officer)
    accept_submissions([submission], official)
    submission.refresh_from_db()
    assert submission.status == "enrolled"
    assert [step[:2] for step in trail(villager)] == [
        ("create", [None, "submitted"]), ("transition", ["submitted", "checked"]), ("update", None),
        ("transition", ["checked", "enrolled"]),
    ]


def test_the_district_may_reject_an_unchecked_row_even_with_the_check_on(village_officer, official, program, villager,
                                                                         kecamatan_check):
    [submission] = submit_workers([villager], program, village_officer)
    reject_submissions([submission], official, Submission.Reason.NOT_RESIDENT, "Pindah ke Guci")
    submission.refresh_from_db()
    assert (submission.status, submission.reason, submission.note) == ("rejected", "not_resident", "Pindah ke Guci")


def test_a_kecamatan_checks_only_its_own_kecamatan(subdistrict_officer, superuser, program):
    far = worker_in(KAWA)
    [submission] = submit_workers([far], program, superuser)
    with pytest.raises(PermissionDenied):
        check_submissions([submission], subdistrict_officer)
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_rejection_needs_a_listed_reason_and_a_note_for_other(village_officer, official, program, villager):
    [submission] = submit_workers([villager], program, village_officer)
    with pytest.raises(SubmissionError, match="Pilih alasan"):
        reject_submissions([submission], official, "bosan")
    with pytest.raises(SubmissionError, match="wajib disertai catatan"):
        reject_submissions([submission], official, Submission.Reason.OTHER, "  ")
    reject_submissions([submission], official, Submission.Reason.OTHER, "Foto KTP buram")
    submission.refresh_from_db()
    assert (submission.reason, submission.note, submission.decided_by) == ("other", "Foto KTP buram", official)
    with pytest.raises(SubmissionError, match="tidak dapat diterima"):
        accept_submissions([submission], official)


def test_bulk_verdicts_are_all_or_nothing(village_officer, official, program):
    workers = [worker_in(BUNUT, full_name=f"WARGA {i}") for i in range(3)]
    rows = submit_workers(workers, program, village_officer)
    reject_submissions(rows[:1], official, Submission.Reason.DOCUMENTS)
    with pytest.raises(SubmissionError):
        accept_submissions(rows, official)  # one of them was rejected: nothing is accepted
    assert not Coverage.objects.exists()
    enrolled, _waiting = accept_submissions(rows[1:], official)
    assert len(enrolled) == 2 and Coverage.objects.count() == 2


def test_the_village_fixes_and_resubmits_a_rejected_row(village_officer, official, program, villager):
    [submission] = submit_workers([villager], program, village_officer)
    reject_submissions([submission], official, Submission.Reason.IDENTITY, "Nama beda dengan KTP")
    villager.full_name = "WARGA BUNUT SEJATI"
    villager.save()
    resubmit(submission, village_officer)
    submission.refresh_from_db()
    assert (submission.status, submission.reason, submission.note, submission.decided_at) == ("submitted", "", "", None)
    # The verdict stays in the audit trail.
    rejected = AuditEvent.objects.get(object_id=str(submission.pk), changes__status=["submitted", "rejected"])
    assert rejected.changes["reason"] == ["", "identity"] and rejected.note == "Nama beda dengan KTP"
    assert [step[1] for step in trail(villager)][-1] == ["rejected", "submitted"]
    with pytest.raises(SubmissionError, match="tidak dapat diajukan ulang"):
        resubmit(submission, village_officer)
    accept_submissions([submission], official)
    assert Coverage.objects.filter(worker=villager).exists()


def test_another_village_cannot_resubmit(village_officer, official, superuser, program, django_user_model):
    from core import roles
    from demo.builders import assign_area
    from django.contrib.auth.models import Group

    neighbour = worker_in(GUCI)
    [submission] = submit_workers([neighbour], program, superuser)
    reject_submissions([submission], official, Submission.Reason.DOCUMENTS)
    with pytest.raises(PermissionDenied):
        resubmit(submission, village_officer)
    guci_officer = django_user_model.objects.create_user(username="desa-guci", password="x", is_staff=True)
    guci_officer.groups.add(Group.objects.get(name=roles.OPERATOR_DESA))
    assign_area(guci_officer, desa=[GUCI])
    assert resubmit(submission, guci_officer).status == "submitted"


# --- The admin pages --------------------------------------------------------------------------------


def test_a_village_enters_a_worker_with_the_district_form_and_submits_it(client, village_officer, program):
    client.force_login(village_officer)
    add = reverse("admin:enrollment_worker_add")
    page = client.get(add)
    choices = page.context["adminform"].form.fields["desa"].queryset
    assert list(choices.values_list("code", flat=True)) == [BUNUT]  # their desa only
    bunut = Desa.objects.get(code=BUNUT)
    data = {
        "nik": "6209 0312 0585 0042", "full_name": "budi  warga", "birth_date": "12-05-1985", "sex": "L",
        "desa": bunut.pk, "_save": "1",
        "heirs-TOTAL_FORMS": "0", "heirs-INITIAL_FORMS": "0",
        "coverages-TOTAL_FORMS": "0", "coverages-INITIAL_FORMS": "0",
    }
    # Another village's desa is not a choice.
    refused = client.post(add, {**data, "desa": Desa.objects.get(code=GUCI).pk})
    assert refused.status_code == 200 and not Worker.objects.exists()
    response = client.post(add, data)
    worker = Worker.objects.get(nik="6209031205850042")
    assert response.status_code == 302 and response["Location"].endswith(f"/worker/submit/?ids={worker.pk}")
    page = client.get(response["Location"])
    assert "BUDI WARGA" in page.content.decode()
    done = client.post(response["Location"], {"funding_source": program.pk})
    assert done.status_code == 302 and done["Location"] == reverse("admin:enrollment_submission_changelist")
    submission = Submission.objects.get(worker=worker)
    assert submission.status == "submitted" and not Coverage.objects.exists()


def test_the_submit_action_is_the_villages_only(client, official, village_officer, villager, program):
    client.force_login(official)
    changelist = reverse("admin:enrollment_worker_changelist")
    response = client.post(changelist, {"action": "submit_village_action", "_selected_action": [villager.pk]})
    assert not Submission.objects.exists()
    assert client.get(reverse("admin:enrollment_worker_submit") + f"?ids={villager.pk}").status_code == 403
    client.force_login(village_officer)
    response = client.post(changelist, {"action": "submit_village_action", "_selected_action": [villager.pk]})
    assert response.status_code == 302 and "submit/?ids=" in response["Location"]


def test_the_district_verdicts_in_the_admin_and_the_village_sees_them(client, village_officer, official, program):
    accepted, rejected = worker_in(BUNUT, full_name="DITERIMA"), worker_in(BUNUT, full_name="DITOLAK")
    rows = submit_workers([accepted, rejected], program, village_officer)
    changelist = reverse("admin:enrollment_submission_changelist")
    client.force_login(official)
    assert client.get(changelist + "?status__exact=submitted").status_code == 200
    client.post(changelist, {"action": "accept_action", "_selected_action": [rows[0].pk]})
    form = client.post(changelist, {"action": "reject_action", "_selected_action": [rows[1].pk]})
    assert form.status_code == 200 and "DITOLAK" in form.content.decode()
    client.post(changelist, {"action": "reject_action", "_selected_action": [rows[1].pk], "apply": "1",
                             "reason": "documents", "note": "Lampirkan KK"})
    assert list(Submission.objects.order_by("pk").values_list("status", flat=True)) == ["enrolled", "rejected"]

    client.force_login(village_officer)
    listing = client.get(changelist).content.decode()
    assert "Dokumen pendukung kurang" in listing and "Lampirkan KK" in listing and "Didaftarkan" in listing
    worker_page = client.get(reverse("admin:enrollment_worker_change", args=[rejected.pk])).content.decode()
    assert "Dokumen pendukung kurang" in worker_page and "Lampirkan KK" in worker_page
    client.post(changelist, {"action": "resubmit_action", "_selected_action": [rows[1].pk]})
    assert Submission.objects.get(pk=rows[1].pk).status == "submitted"


def test_each_account_lists_its_own_areas_submissions(client, village_officer, subdistrict_officer, superuser, program):
    mine, neighbour, far = worker_in(BUNUT, full_name="WARGA BUNUT"), worker_in(GUCI, full_name="WARGA GUCI"), \
        worker_in(KAWA, full_name="WARGA KAWA")
    submit_workers([mine, neighbour, far], program, superuser)
    changelist = reverse("admin:enrollment_submission_changelist")
    client.force_login(village_officer)
    text = client.get(changelist).content.decode()
    assert "WARGA BUNUT" in text and "WARGA GUCI" not in text and "WARGA KAWA" not in text
    other = Submission.objects.get(worker=neighbour)
    assert client.get(reverse("admin:enrollment_submission_change", args=[other.pk])).status_code in (302, 404)
    client.force_login(subdistrict_officer)
    text = client.get(changelist).content.decode()
    assert "WARGA BUNUT" in text and "WARGA GUCI" in text and "WARGA KAWA" not in text
    client.post(changelist, {"action": "check_action", "_selected_action": [other.pk]})
    assert Submission.objects.get(pk=other.pk).status == "checked"
