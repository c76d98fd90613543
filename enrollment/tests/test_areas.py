"""Issue 14: the one area scope (core/areas.py, enrollment/areas.py) filters every query of an
area-bound account; the district and the system see the whole regency."""

import pytest
from django.urls import reverse

from core.areas import area_scope, current_scope
from demo.builders import assign_area, make_coverage, make_heir, worker_in
from enrollment.areas import scope_for
from enrollment.models import Coverage, Desa, Heir, Kecamatan, Worker

BUNUT = "62.09.03.2006"  # Bulik
GUCI = "62.09.03.2002"  # Bulik too
OTHER_KECAMATAN_DESA = "62.09.01.2001"


@pytest.fixture
def villagers(db, funding):
    bunut = worker_in(BUNUT, full_name="WARGA BUNUT")
    guci = worker_in(GUCI, full_name="WARGA GUCI")
    far = worker_in(Desa.objects.exclude(kecamatan__code="62.09.03").order_by("code").first().code,
                    full_name="WARGA JAUH")
    for worker in (bunut, guci, far):
        make_heir(worker)
        make_coverage(worker, funding)
    return bunut, guci, far


def test_scope_of_each_account(village_officer, subdistrict_officer, official, superuser):
    bunut = Desa.objects.get(code=BUNUT)
    assert scope_for(village_officer).desa_ids == {bunut.pk}
    assert scope_for(village_officer).kecamatan_ids == {bunut.kecamatan_id}
    assert scope_for(subdistrict_officer).desa_ids == set(
        Desa.objects.filter(kecamatan__code="62.09.03").values_list("pk", flat=True))
    assert scope_for(official) is None and scope_for(superuser) is None


def test_an_officer_with_no_area_sees_nothing(village_officer, villagers):
    village_officer.operator_area.desa.clear()
    with area_scope(scope_for(village_officer)):
        assert not Worker.objects.exists() and not Desa.objects.exists() and not Kecamatan.objects.exists()


def test_every_scoped_model_is_filtered(village_officer, subdistrict_officer, villagers):
    bunut, guci, far = villagers
    with area_scope(scope_for(village_officer)):
        assert list(Worker.objects.all()) == [bunut]
        assert {h.worker_id for h in Heir.objects.all()} == {bunut.pk}
        assert {c.worker_id for c in Coverage.objects.all()} == {bunut.pk}
        assert not Worker.objects.filter(pk=guci.pk).exists()
        assert list(Kecamatan.objects.values_list("code", flat=True)) == ["62.09.03"]
        # Related managers are the default manager's class: scoped too.
        assert bunut.coverages.count() == 1
    with area_scope(scope_for(subdistrict_officer)):
        assert set(Worker.objects.all()) == {bunut, guci}
    assert current_scope() is None and Worker.objects.count() == 3


def test_admin_lists_and_objects_of_another_area(client, village_officer, villagers):
    bunut, guci, far = villagers
    client.force_login(village_officer)
    page = client.get(reverse("admin:enrollment_worker_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "WARGA BUNUT" in text and "WARGA GUCI" not in text and "WARGA JAUH" not in text
    assert client.get(reverse("admin:enrollment_worker_change", args=[bunut.pk])).status_code == 200
    # Another village's worker does not exist for this account.
    other = client.get(reverse("admin:enrollment_worker_change", args=[guci.pk]))
    assert other.status_code in (302, 404)
    assert "WARGA GUCI" not in client.get(other.get("Location", "/admin/"), follow=True).content.decode()


def test_unique_nik_looks_at_the_whole_regency(village_officer, villagers):
    from django.core.exceptions import ValidationError

    _bunut, guci, _far = villagers
    with area_scope(scope_for(village_officer)):
        twin = Worker(nik=guci.nik, full_name="X", birth_date=guci.birth_date, sex=guci.sex,
                      desa=Desa.objects.get(code=BUNUT))
        with pytest.raises(ValidationError) as error:
            twin.validate_constraints()
    assert "NIK ini sudah terdaftar." in str(error.value)


def test_assigning_areas_in_the_admin(client, superuser, django_user_model):
    from core import roles
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username="desa2", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OPERATOR_DESA))
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert page.status_code == 200 and "wilayah tugas" in page.content.decode().lower()
    assign_area(user, desa=[BUNUT])
    assert scope_for(user).desa_ids == {Desa.objects.get(code=BUNUT).pk}
