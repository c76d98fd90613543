"""Who may see what: the public verification page, its rate limit, role-checked downloads."""

import datetime

import pytest
from django.urls import reverse

from core.privacy import mask_name, mask_nik
from certificates.batches import assemble_batch, start_certificate_batch
from certificates.rendering import certificate_for, render_certificate_document
from certificates.models import CertificateBatch
from enrollment.models import Coverage

from demo.builders import make_active_coverage, paid_death_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(funding):
    coverage = make_active_coverage(funding, full_name="RATNA SIREGAR")
    return render_certificate_document(certificate_for("participation", coverage).pk)


def _verify(client, code, ip="10.0.0.1"):
    return client.get(reverse("verify", args=[code]), REMOTE_ADDR=ip)


def test_verify_page_shows_only_kind_masked_name_and_nik_period_and_status(client, rendered):
    worker = rendered.coverage.worker

    response = _verify(client, rendered.code)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Sertifikat kepesertaan" in page
    assert mask_name("RATNA SIREGAR") in page and "RATNA SIREGAR" not in page
    assert mask_nik(worker.nik) in page and worker.nik not in page
    assert rendered.coverage.kpj_number not in page and worker.desa.name not in page
    assert "1 Januari 2025 s.d. 31 Desember 2025" in page
    assert 'id="verify-status" class="status-ended"' in page or 'id="verify-status" class="status-active"' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_verify_page_says_active_ended_or_cancelled(client, funding):
    from certificates.rendering import verify_certificate

    coverage = make_active_coverage(funding)
    certificate = render_certificate_document(certificate_for("participation", coverage).pk)

    assert verify_certificate(certificate.code, today=datetime.date(2025, 6, 1)).status_code == "active"
    assert verify_certificate(certificate.code, today=datetime.date(2026, 1, 2)).status_code == "ended"
    Coverage.objects.filter(pk=coverage.pk).update(status="cancelled", cancelled_at=datetime.datetime.now(datetime.UTC))
    response = _verify(client, certificate.code)
    assert 'class="status-cancelled">Dibatalkan<' in response.content.decode()


def test_verify_page_of_a_benefit_certificate_names_the_worker_masked(client, funding):
    claim = paid_death_claim(make_active_coverage(funding, full_name="AGUS PURBA"))
    certificate = render_certificate_document(certificate_for("benefit", claim).pk)

    page = _verify(client, certificate.code).content.decode()

    assert "Sertifikat serah terima manfaat" in page and mask_name("AGUS PURBA") in page
    assert "SITI AMINAH" not in page and "Rp42.000.000" not in page


def test_unknown_or_never_rendered_code_is_not_found(client, funding):
    pending = certificate_for("participation", make_active_coverage(funding))

    for code in ("tidak-ada-kode-seperti-ini", pending.code, "x" * 200):
        response = _verify(client, code)
        assert response.status_code == 404
        assert "Dokumen tidak ditemukan" in response.content.decode()


def test_verify_page_is_rate_limited_per_client_ip(client, rendered, settings):
    settings.VERIFY_RATE_LIMIT = 5

    statuses = [_verify(client, rendered.code, ip="10.0.0.9").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    limited = _verify(client, "apa-saja", ip="10.0.0.9")
    assert limited.status_code == 429 and "Terlalu banyak permintaan" in limited.content.decode()
    assert _verify(client, rendered.code, ip="10.0.0.10").status_code == 200  # another client is not affected


def test_verify_page_refuses_post(client, rendered):
    assert client.post(reverse("verify", args=[rendered.code])).status_code == 405


@pytest.mark.parametrize("persona, status", [("official", 200), ("bpjs_staff", 200), ("leader", 403), ("outsider", 403)])
def test_only_roles_that_hand_over_documents_may_download_them(client, request, rendered, persona, status):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("certificates:download", args=[rendered.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_anonymous_download_goes_to_login(client, rendered):
    response = client.get(reverse("certificates:download", args=[rendered.pk]))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona, status", [("official", 200), ("bpjs_staff", 200), ("leader", 403), ("outsider", 403)])
def test_batch_files_only_to_roles_that_may_download(client, request, funding, persona, status):
    make_active_coverage(funding)
    batch = start_certificate_batch(funding=funding, by=None)
    for item in batch.items.all():
        render_certificate_document(item.certificate_id)
    batch.items.update(state="done")
    CertificateBatch.objects.filter(pk=batch.pk).update(status="assembling")
    assemble_batch(batch.pk)
    client.force_login(request.getfixturevalue(persona))

    for fmt in ("pdf", "zip"):
        assert client.get(reverse("certificates:batch_download", args=[batch.pk, fmt])).status_code == status


@pytest.mark.parametrize("persona, status", [("official", 200), ("bpjs_staff", 403), ("leader", 403)])
def test_starting_a_batch_in_the_admin_needs_the_render_permission(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("admin:certificates_certificatebatch_add")).status_code == status


def test_resume_is_post_only(client, official, funding):
    make_active_coverage(funding)
    batch = start_certificate_batch(funding=funding, by=None)
    client.force_login(official)

    assert client.get(reverse("admin:certificates_certificatebatch_resume", args=[batch.pk])).status_code == 405


def test_certificate_list_keeps_a_constant_number_of_queries(client, official, funding, django_assert_max_num_queries):
    client.force_login(official)
    url = reverse("admin:certificates_certificate_changelist")
    for size in (3, 30):
        for _ in range(size - (3 if size == 30 else 0)):
            claim = paid_death_claim(make_active_coverage(funding))
            render_certificate_document(certificate_for("benefit", claim).pk)
            render_certificate_document(certificate_for("participation", claim.coverage).pk)
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
