"""The certificates' admin moved from the enrollment app label to its own app (issue 12): the old
addresses still land, and the groups kept their certificate permissions under the new label."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from core import roles


def test_the_old_admin_address_of_a_batch_redirects_to_the_new_one_with_its_query(client):
    response = client.get("/admin/enrollment/certificatebatch/7/change/?status=done")
    assert response.status_code == 302
    assert response["Location"] == "/admin/certificates/certificatebatch/7/change/?status=done"


def test_the_old_admin_list_of_documents_redirects_to_the_new_list(client):
    response = client.get("/admin/enrollment/certificate/")
    assert response["Location"] == "/admin/certificates/certificate/"


def test_other_enrollment_admin_pages_are_not_redirected(client):
    assert "/admin/login/" in client.get("/admin/enrollment/coverage/")["Location"]


@pytest.mark.django_db
def test_the_certificate_models_and_their_permissions_carry_the_certificates_label():
    labels = set(ContentType.objects.filter(model__startswith="certificate").values_list("app_label", "model"))
    assert labels == {("certificates", "certificate"), ("certificates", "certificatebatch"),
                      ("certificates", "certificatebatchitem")}
    operators = Permission.objects.filter(group__name=roles.OPERATOR, content_type__app_label="certificates")
    assert {"render_certificate", "download_certificate", "view_certificate", "view_certificatebatch"} <= set(
        operators.values_list("codename", flat=True))
