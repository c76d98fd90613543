"""The worker admin form for district officials: validation messages, heirs inline, enrolment."""

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEvent
from demo.builders import make_funding, make_nik, make_worker
from enrollment.models import Coverage, Desa, Heir, Occupation, Worker

ADD_URL = reverse("admin:enrollment_worker_add")


def form_data(**overrides):
    desa = Desa.objects.select_related("kecamatan").get(name="Sungai Tuat")
    data = {
        "nik": "6209011205800001",
        "kk_number": "",
        "full_name": "  budi   santoso ",
        "birth_place": "Nanga Bulik",
        "birth_date": "1980-05-12",
        "sex": "L",
        "address": "RT 02",
        "desa": desa.pk,
        "phone": "0812 3456 7890",
        "monthly_income": "1500000",
        "heirs-TOTAL_FORMS": "1",
        "heirs-INITIAL_FORMS": "0",
        "heirs-MIN_NUM_FORMS": "0",
        "heirs-MAX_NUM_FORMS": "1000",
        "heirs-0-relationship": "spouse",
        "heirs-0-full_name": "siti aminah",
        "heirs-0-nik": "",
        "heirs-0-bank_name": "Bank Kalteng",
        "heirs-0-bank_account_number": "001-234-567",
        "heirs-0-bank_account_holder": "siti aminah",
        "coverages-TOTAL_FORMS": "0",
        "coverages-INITIAL_FORMS": "0",
        "coverages-MIN_NUM_FORMS": "0",
        "coverages-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def as_official(client, official):
    client.force_login(official)
    return client


def test_official_adds_a_worker_with_an_heir(as_official, official):
    response = as_official.post(ADD_URL, form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    worker = Worker.objects.get(nik="6209011205800001")
    assert worker.full_name == "BUDI SANTOSO"
    assert worker.phone == "+6281234567890"
    heir = worker.heirs.get()
    assert heir.full_name == "SITI AMINAH" and heir.bank_account_number == "001234567"
    actions = set(AuditEvent.objects.filter(actor=official).values_list("content_type__model", "action"))
    assert actions == {("worker", "create"), ("heir", "create")}


def test_invalid_nik_shows_a_clear_indonesian_error(as_official):
    response = as_official.post(ADD_URL, form_data(nik="6209011205800"))
    assert response.status_code == 200
    assert "NIK harus tepat 16 angka" in response.content.decode()
    assert not Worker.objects.exists()


def test_sex_not_matching_the_nik_is_refused_naming_both(as_official):
    response = as_official.post(ADD_URL, form_data(sex="P"))
    errors = response.context["adminform"].form.errors["sex"][0]
    assert "Perempuan" in errors and "Laki-laki" in errors


def test_birth_date_not_matching_the_nik_is_refused(as_official):
    response = as_official.post(ADD_URL, form_data(birth_date="1980-05-13"))
    assert "12-05-1980" in response.context["adminform"].form.errors["birth_date"][0]


def test_duplicate_nik_is_refused(as_official):
    make_worker(nik="6209011205800001", birth_date=datetime.date(1980, 5, 12))
    response = as_official.post(ADD_URL, form_data())
    assert "sudah terdaftar" in response.content.decode()


def test_more_than_two_occupations_is_refused_r_enr_6(as_official):
    three = list(Occupation.objects.values_list("pk", flat=True)[:3])
    response = as_official.post(ADD_URL, form_data(occupations=three))
    assert "Paling banyak 2 pekerjaan" in response.content.decode()


def test_unusable_phone_is_refused_in_the_form(as_official):
    response = as_official.post(ADD_URL, form_data(phone="12"))
    assert "tidak dapat dipakai" in response.content.decode()


def test_heir_with_an_invalid_nik_is_refused(as_official):
    response = as_official.post(ADD_URL, form_data(**{"heirs-0-nik": "123"}))
    assert "NIK harus tepat 16 angka" in response.content.decode()
    assert not Worker.objects.exists()


def test_changing_a_worker_is_audited_with_old_and_new_values(as_official, official):
    worker = make_worker(full_name="BUDI")
    data = form_data(
        nik=worker.nik, birth_date=worker.birth_date.isoformat(), full_name="Budi Hartono",
        desa=worker.desa_id, **{"heirs-TOTAL_FORMS": "0"},
    )
    response = as_official.post(reverse("admin:enrollment_worker_change", args=[worker.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(actor=official, action="update")
    assert event.changes["full_name"] == ["BUDI", "BUDI HARTONO"]


def test_deleting_an_heir_inline_is_audited(as_official, official):
    worker = make_worker()
    heir = Heir.objects.create(worker=worker, relationship="child", full_name="ANAK")
    data = form_data(
        nik=worker.nik, birth_date=worker.birth_date.isoformat(), full_name=worker.full_name, desa=worker.desa_id,
        **{
            "heirs-TOTAL_FORMS": "1", "heirs-INITIAL_FORMS": "1", "heirs-0-id": heir.pk, "heirs-0-worker": worker.pk,
            "heirs-0-relationship": "child", "heirs-0-full_name": "ANAK", "heirs-0-DELETE": "on",
            "heirs-0-bank_name": "", "heirs-0-bank_account_number": "", "heirs-0-bank_account_holder": "",
        },
    )
    response = as_official.post(reverse("admin:enrollment_worker_change", args=[worker.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(actor=official, action="delete")
    assert event.content_type.model == "heir" and event.changes["full_name"] == ["ANAK", None]
    # The worker's History page shows the heir's deletion.
    history = as_official.get(reverse("admin:enrollment_worker_history", args=[worker.pk]))
    assert "ANAK" in history.content.decode()


def test_bpjs_staff_can_view_but_not_change_a_worker(client, bpjs_staff):
    worker = make_worker()
    client.force_login(bpjs_staff)
    url = reverse("admin:enrollment_worker_change", args=[worker.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, form_data(nik=worker.nik)).status_code == 403


def test_enrol_action_creates_draft_coverage_for_selected_workers(as_official, official):
    funding = make_funding()
    workers = [make_worker(), make_worker()]
    response = as_official.post(
        reverse("admin:enrollment_worker_changelist"),
        {"action": "enroll_action", "_selected_action": [w.pk for w in workers], "apply": "1",
         "funding_source": funding.pk, "start_date": "2025-01-01"},
    )
    assert response.status_code == 302
    assert Coverage.objects.filter(funding_source=funding, status="draft").count() == 2


def test_enrol_action_lists_every_problem_and_writes_nothing(as_official):
    funding = make_funding()
    young = make_worker(birth_date=datetime.date(2010, 3, 3), nik=make_nik(birth_date=datetime.date(2010, 3, 3)))
    response = as_official.post(
        reverse("admin:enrollment_worker_changelist"),
        {"action": "enroll_action", "_selected_action": [young.pk, make_worker().pk], "apply": "1",
         "funding_source": funding.pk, "start_date": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "R-AGE-1" in response.content.decode()
    assert not Coverage.objects.exists()


@pytest.mark.parametrize("rows", [10, 1000])
def test_worker_list_uses_a_constant_number_of_queries(as_official, django_assert_max_num_queries, rows):
    funding = make_funding(quota=2000, budget=10**10)
    desa = list(Desa.objects.select_related("kecamatan"))
    workers = Worker.objects.bulk_create(
        Worker(nik=make_nik(kecamatan=desa[i % 88].kecamatan.code[-2:]), full_name=f"PEKERJA {i}",
               birth_date=datetime.date(1985, 5, 12), sex="L", desa=desa[i % 88])
        for i in range(rows)
    )
    Worker.occupations.through.objects.bulk_create(
        Worker.occupations.through(worker_id=w.pk, occupation_id=Occupation.objects.first().pk) for w in workers
    )
    Coverage.objects.bulk_create(
        Coverage(worker=w, funding_source=funding, start_date=datetime.date(2025, 1, 1),
                 end_date=datetime.date(2025, 12, 31), income_basis=1000000) for w in workers
    )
    # session, user, 2 counts, page rows, occupations prefetch, filters (kecamatan, desa, funding)...
    with django_assert_max_num_queries(14):
        assert as_official.get(reverse("admin:enrollment_worker_changelist")).status_code == 200
    with django_assert_max_num_queries(14):
        assert as_official.get(reverse("admin:enrollment_coverage_changelist")).status_code == 200
    with django_assert_max_num_queries(14):
        response = as_official.get(reverse("admin:enrollment_worker_changelist"), {"q": "PEKERJA 1"})
        assert response.status_code == 200


def test_an_heir_cannot_carry_the_workers_own_nik(as_official):
    response = as_official.post(ADD_URL, form_data(**{"heirs-0-nik": "6209011205800001"}))
    assert "NIK ahli waris tidak boleh sama dengan NIK pekerja" in response.content.decode()
    assert not Worker.objects.exists()


def test_a_declared_income_below_one_million_is_refused_r_rate_1(as_official):
    response = as_official.post(ADD_URL, form_data(monthly_income="500000"))
    assert "di bawah minimal Rp1.000.000" in response.content.decode()
    assert not Worker.objects.exists()
