"""Issue 14: every path an area account can reach shows it only its area. The role matrix
(test_role_matrix.py) proves each URL's in-area object answers and another area's is a 404; these
tests look inside the answers: lists, searches, autocomplete, history, exports (streamed too),
downloads, and the files Celery tasks make for an area account (imports, monthly reports)."""

import datetime
import io

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from core.areas import area_scope, current_scope, unscoped
from core.models import ProgramRules
from core.tests.access import BUNUT, ELSEWHERE
from demo.builders import file_claim, make_coverage, make_heir, person, simple_file, upload, worker_in
from enrollment.areas import AreaScopeMiddleware, scope_for
from enrollment.models import Coverage, Desa, ImportBatch, Worker

GUCI = "62.09.03.2002"  # Bulik, not Bunut: the kecamatan account's, not the village account's


@pytest.fixture
def people(db, funding, official):
    """One covered worker with a claim in Bunut, in Guci (same kecamatan) and in another kecamatan."""
    far_desa = Desa.objects.filter(kecamatan__code=ELSEWHERE).order_by("code").first().code
    made = {}
    for key, code, name in (("bunut", BUNUT, "WARGA BUNUT"), ("guci", GUCI, "WARGA GUCI"), ("far", far_desa, "WARGA JAUH")):
        worker = worker_in(code, full_name=name)
        heir = make_heir(worker, full_name=f"AHLI {name}")
        coverage = make_coverage(worker, funding)
        claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 6, 14), claimant=heir)
        made[key] = (worker, coverage, claim)
    return made


def names_in(text: str) -> set[str]:
    return {name for name in ("WARGA BUNUT", "WARGA GUCI", "WARGA JAUH") if name in text}


# --- Streamed responses: the middleware re-enters the scope for every chunk -------------------------


def test_a_streamed_export_of_an_area_account_holds_only_its_area(village_officer, people):
    def rows():  # produced after the view returned, as a streamed export's are
        for worker in Worker.objects.order_by("pk"):
            yield f"{worker.full_name}\n"

    request = RequestFactory().get("/ekspor/")
    request.user = village_officer
    response = AreaScopeMiddleware(lambda request: StreamingHttpResponse(rows()))(request)
    assert current_scope() is None  # the request is over: nothing left scoped
    body = b"".join(response.streaming_content).decode()
    assert names_in(body) == {"WARGA BUNUT"}


def test_the_district_streams_the_whole_regency(official, people):
    request = RequestFactory().get("/ekspor/")
    request.user = official
    response = AreaScopeMiddleware(lambda request: StreamingHttpResponse(
        f"{w.full_name}\n" for w in Worker.objects.order_by("pk")))(request)
    assert names_in(b"".join(response.streaming_content).decode()) == {"WARGA BUNUT", "WARGA GUCI", "WARGA JAUH"}


def test_a_plain_response_is_built_inside_the_scope(subdistrict_officer, people):
    request = RequestFactory().get("/")
    request.user = subdistrict_officer
    response = AreaScopeMiddleware(lambda request: HttpResponse(
        ",".join(w.full_name for w in Worker.objects.all())))(request)
    assert names_in(response.content.decode()) == {"WARGA BUNUT", "WARGA GUCI"}


# --- Claims: queue, counts, search, export -------------------------------------------------------


@pytest.mark.parametrize("role, seen", [("village_officer", {"WARGA BUNUT"}),
                                        ("subdistrict_officer", {"WARGA BUNUT", "WARGA GUCI"}),
                                        ("official", {"WARGA BUNUT", "WARGA GUCI", "WARGA JAUH"})])
def test_claims_queue_tabs_and_export(client, request, people, role, seen):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("claims:queue"), {"status": "all"})
    assert page.status_code == 200 and names_in(page.content.decode()) == seen
    # The tab counts are the area's too (a count is a fact about other villages' claims).
    assert f"({len(seen)})" in page.content.decode() or f">{len(seen)}<" in page.content.decode()
    far_nik = people["far"][0].nik
    assert "WARGA JAUH" not in client.get(reverse("claims:queue"), {"status": "all", "q": far_nik}).content.decode() \
        or role == "official"
    export = client.get(reverse("claims:export"), {"status": "all"})
    cells = " ".join(str(c) for sheet in load_workbook(io.BytesIO(export.content)) for row in sheet.iter_rows(values_only=True)
                     for c in row if c)
    assert names_in(cells) == seen


# --- Admin: lists, search, autocomplete, history, audit -------------------------------------------


def test_admin_search_and_autocomplete_see_only_the_area(client, village_officer, people):
    client.force_login(village_officer)
    far = people["far"][0]
    listing = client.get(reverse("admin:enrollment_worker_changelist"), {"q": far.nik})
    assert listing.status_code == 200 and "WARGA JAUH" not in listing.content.decode()
    coverages = client.get(reverse("admin:enrollment_coverage_changelist"), {"q": "WARGA"})
    assert names_in(coverages.content.decode()) == {"WARGA BUNUT"}
    found = client.get(reverse("admin:autocomplete"), {
        "app_label": "enrollment", "model_name": "coverage", "field_name": "worker", "term": "WARGA"})
    assert found.status_code == 200
    assert {row["text"].split(" (")[0] for row in found.json()["results"]} <= {"WARGA BUNUT"}
    assert names_in(found.content.decode()) == {"WARGA BUNUT"}
    certificates = client.get(reverse("admin:certificates_certificate_changelist"), {"q": "WARGA"})
    assert "WARGA JAUH" not in certificates.content.decode()


def test_history_pages_only_of_visible_objects_and_no_audit_list(client, village_officer, people):
    client.force_login(village_officer)
    bunut, far = people["bunut"][0], people["far"][0]
    assert client.get(reverse("admin:enrollment_worker_history", args=[bunut.pk])).status_code == 200
    assert client.get(reverse("admin:enrollment_worker_history", args=[far.pk])).status_code == 404
    assert client.get(reverse("admin:enrollment_coverage_history", args=[people["far"][1].pk])).status_code == 404
    # The audit trail itself (names in object_repr) is the administrator's only.
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "auditevent" not in index


def test_claim_detail_and_document_of_another_area(client, village_officer, people):
    client.force_login(village_officer)
    claim = people["far"][2]
    assert client.get(reverse("claims:detail", args=[claim.pk])).status_code == 404
    document = claim.documents.first()
    if document is not None:
        assert client.get(reverse("claims:document", args=[claim.pk, document.pk])).status_code == 404


# --- Tasks started by an area account -------------------------------------------------------------


def _checked_batch(tmp_path, funding, by, rows):
    from enrollment import import_batches

    path = simple_file(tmp_path / "desa.xlsx", rows)
    with open(path, "rb") as handle, area_scope(scope_for(by)):
        batch = import_batches.create_batch(kind=ImportBatch.Kind.WORKERS, upload=upload("desa.xlsx", handle.read()),
                                            by=by, funding=funding)
    import_batches.check_batch(batch.pk)  # the check task's body, unscoped as a task runs
    with unscoped():
        batch.refresh_from_db()
    return batch


def test_an_area_upload_names_nobody_outside_the_area(tmp_path, village_officer, people):
    from django.utils import timezone

    from demo.builders import make_funding

    year = timezone.localdate().year  # a village submits to a program running today
    funding = make_funding(code="DBH-SAWIT-JALAN", fiscal_year=year, period_start=datetime.date(year, 1, 1),
                           period_end=datetime.date(year, 12, 31))
    bunut, far = people["bunut"][0], people["far"][0]
    rows = [person(0, nik=far.nik, name="NAMA LAIN", desa="Bunut", kecamatan="Bulik"),
            person(1, nik=bunut.nik, name="NAMA LAIN", desa="Bunut", kecamatan="Bulik")]
    batch = _checked_batch(tmp_path, funding, village_officer, rows)
    text = str(batch.result)
    assert "WARGA JAUH" not in text  # the other village's worker is not named
    assert "di luar wilayah tugas Anda" in text


def test_the_district_upload_still_names_the_registered_worker(tmp_path, funding, official, people):
    far = worker_in(people["far"][0].desa.code, full_name="WARGA JAUH")  # registered, not yet covered
    batch = _checked_batch(tmp_path, funding, official, [person(0, nik=far.nik, name="NAMA LAIN")])
    assert "WARGA JAUH" in str(batch.result) and "di luar wilayah" not in str(batch.result)


def test_writing_coverage_needs_the_right_to_enrol_whoever_imports(tmp_path, funding, village_officer):
    """The import's writer is the last gate: a file reaching it as an area account never enrols."""
    from django.core.exceptions import PermissionDenied

    from enrollment.imports.reading import WorkerFile
    from enrollment.imports.write import write_candidates

    path = simple_file(tmp_path / "desa.xlsx", [person(5, desa="Bunut", kecamatan="Bulik")])
    file = WorkerFile(path, start=funding.period_start, rules=ProgramRules.current()).read(None)
    with unscoped():
        before = Coverage.objects.count()
    with pytest.raises(PermissionDenied):
        write_candidates(file, funding=funding, start=funding.period_start, by=village_officer)
    with unscoped():
        assert Coverage.objects.count() == before
