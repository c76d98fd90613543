"""The BPJS exchange: the collective registration export and BPJS's answer file, round trip."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from openpyxl import load_workbook

from core.models import AuditEvent
from demo.builders import make_funding, make_nik, make_worker
from enrollment.bpjs import EXPORT_COLUMNS, ExportError, export_bpjs, import_bpjs_answer
from enrollment.imports import import_workers
from enrollment.models import Coverage, Desa, ExternalCoverage
from enrollment.services import enroll_workers
from demo.builders import person, simple_file, write_xlsx
from core.xlsx import FileProblem

KPJ = "24000000{:03d}"


@pytest.fixture
def drafts(funding):
    desa = Desa.objects.get(name="Kawa")
    workers = [make_worker(desa=desa, nik=make_nik(serial=100 + i), full_name=f"PEKERJA {i}") for i in range(3)]
    return enroll_workers(funding=funding, workers=workers, start=funding.period_start, by=None)


def exported_rows(export):
    with export.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    return sheet, list(sheet.iter_rows(values_only=True))


def answer_from_export(tmp_path, export, kpj_for=lambda nik, i: KPJ.format(i), registered="27-12-2024"):
    """BPJS's answer as it often comes back: our file with the KPJ and registration date filled in."""
    with export.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    sheet = workbook.active
    width = sheet.max_column
    sheet.cell(row=1, column=width + 1, value="Nomor KPJ")
    sheet.cell(row=1, column=width + 2, value="Tgl Terdaftar")
    for row in range(2, sheet.max_row + 1):
        nik = sheet.cell(row=row, column=2).value
        sheet.cell(row=row, column=width + 1, value=kpj_for(nik, row))
        sheet.cell(row=row, column=width + 2, value=registered)
    path = tmp_path / "jawaban.xlsx"
    workbook.save(path)
    return path


@pytest.mark.django_db
def test_export_writes_the_documented_layout_and_marks_the_drafts_submitted(drafts, funding, official):
    export = export_bpjs(funding=funding, by=official)
    sheet, rows = exported_rows(export)
    assert rows[0] == tuple(header for header, _width, _text in EXPORT_COLUMNS)
    assert export.rows == 3 and len(rows) == 4
    first = dict(zip(rows[0], rows[1]))
    worker = drafts[0].worker
    assert (first["NIK"], first["Nama Lengkap"], first["Tanggal Lahir"]) == (worker.nik, "PEKERJA 0", "12-05-1985")
    assert (first["Program"], first["Tanggal Mulai"], first["Dasar Penghasilan"]) == ("JKK+JKM", "01-01-2025", 1000000)
    assert first["Nomor HP"] == "081234567890" and first["Nomor Referensi"] == str(drafts[0].pk)
    assert sheet["B2"].number_format == "@" and sheet["B2"].data_type == "s"  # NIK as text, never a number
    assert set(Coverage.objects.values_list("status", flat=True)) == {"submitted"}
    assert AuditEvent.objects.filter(action="transition", actor=official, changes__status=["draft", "submitted"]).count() == 3
    with pytest.raises(ExportError, match="Tidak ada kepesertaan berstatus draf"):
        export_bpjs(funding=funding, by=official)


@pytest.mark.django_db
def test_exported_text_that_looks_like_a_formula_is_never_evaluated(funding, official):
    desa = Desa.objects.get(name="Kawa")
    worker = make_worker(desa=desa, full_name="@SUM(A1)", address='=HYPERLINK("http://contoh.invalid","klik")',
                         birth_place="-2+3", kk_number="+6209010101100001"[1:])
    enroll_workers(funding=funding, workers=[worker], start=funding.period_start, by=None)
    export = export_bpjs(funding=funding, by=official)
    with export.file.open("rb") as handle:
        raw = handle.read()
    sheet_xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(raw)).active
    row = {header: cell for header, cell in zip([c.value for c in sheet[1]], sheet[2])}
    for header, text in (("Nama Lengkap", "@SUM(A1)"), ("Alamat", worker.address), ("Tempat Lahir", "-2+3")):
        assert row[header].value == text and row[header].data_type == "s" and row[header].quotePrefix


@pytest.mark.django_db
def test_the_answer_file_round_trip_activates_the_coverage(tmp_path, drafts, funding, official, bpjs_staff):
    export = export_bpjs(funding=funding, by=official)
    path = answer_from_export(tmp_path, export)
    preview = import_bpjs_answer(path, by=bpjs_staff, dry_run=True)
    assert (preview.rows, preview.valid, preview.errors, preview.committed) == (3, 3, [], False)
    assert set(Coverage.objects.values_list("status", flat=True)) == {"submitted"}
    result = import_bpjs_answer(path, by=bpjs_staff)
    assert (result.activated, result.committed) == (3, True)
    for coverage in Coverage.objects.select_related("worker"):
        assert coverage.status == "active" and coverage.registered_on == datetime.date(2024, 12, 27)
        assert len(coverage.kpj_number) == 11
    assert AuditEvent.objects.filter(actor=bpjs_staff, changes__status=["submitted", "active"]).count() == 3
    again = import_bpjs_answer(path, by=bpjs_staff)  # the same answer twice changes nothing
    assert (again.errors, again.activated, again.already) == ([], 0, 3)


@pytest.mark.django_db
def test_unknown_niks_and_conflicts_are_reported_and_nothing_changes(tmp_path, drafts, funding, official, bpjs_staff):
    export_bpjs(funding=funding, by=official)
    other = make_worker(desa=Desa.objects.get(name="Kawa"), nik=make_nik(serial=900))
    Coverage.objects.create(worker=other, funding_source=make_funding(code="LAMA", fiscal_year=2023,
                            period_start=datetime.date(2023, 1, 1), period_end=datetime.date(2023, 12, 31)),
                            start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 12, 31),
                            income_basis=1000000, status="ended", kpj_number="24000000999")
    niks = [c.worker.nik for c in drafts]
    path = write_xlsx(tmp_path / "jawaban.xlsx", {"Jawaban": [
        ["JAWABAN BPJS KC PANGKALAN BUN"],
        ["No", "NIK", "Nama", "No KPJ", "Tanggal Terdaftar"],
        [1, niks[0], "PEKERJA 0", "24000000001", "27-12-2024"],
        [2, make_nik(serial=4321), "ORANG LAIN", "24000000002", "27-12-2024"],  # unknown NIK
        [3, niks[1], "PEKERJA 1", "24000000999", "27-12-2024"],  # KPJ of another worker
        [4, niks[2], "PEKERJA 2", 24000000003, "27-12-2024"],  # KPJ typed as a number
    ]})
    result = import_bpjs_answer(path, by=bpjs_staff)
    assert not result.committed and set(Coverage.objects.filter(pk__in=[c.pk for c in drafts]).values_list(
        "status", flat=True)) == {"submitted"}
    by_row = {e.row: e for e in result.errors}
    assert set(by_row) == {4, 5, 6}
    assert "tidak terdaftar" in by_row[4].message and by_row[4].column == "NIK"
    assert "sudah dipakai pekerja lain" in by_row[5].message and by_row[5].column == "No KPJ"
    assert "Teks" in by_row[6].message
    partial = import_bpjs_answer(path, by=bpjs_staff, skip_invalid=True)
    assert (partial.activated, partial.committed) == (1, True)
    assert Coverage.objects.get(pk=drafts[0].pk).kpj_number == "24000000001"


@pytest.mark.django_db
def test_the_signature_block_under_the_answer_is_not_read_as_rows(tmp_path, drafts, funding, official, bpjs_staff):
    # R-IMP-3 holds for BPJS's answer too: its NIK column may carry the branch's place, date and NIP.
    export_bpjs(funding=funding, by=official)
    niks = [c.worker.nik for c in drafts]
    path = write_xlsx(tmp_path / "jawaban.xlsx", {"Jawaban": [
        ["No", "NIK", "Nama", "No KPJ", "Tanggal Terdaftar"],
        *[[i + 1, nik, f"PEKERJA {i}", KPJ.format(i), "27-12-2024"] for i, nik in enumerate(niks)],
        [None, "Jumlah: 3 peserta"],
        [None, "Pangkalan Bun, 27-12-2024"],
        [None, "Kepala Kantor Cabang Pangkalan Bun"],
        [None, "(BUDI SANTOSO)"],
        [None, "NIP. 19800512 200501 1 001"],
        [None, "NPP 12345678"],
    ]})
    result = import_bpjs_answer(path, by=bpjs_staff)
    assert (result.rows, result.errors, result.activated, result.committed) == (3, [], 3, True)


@pytest.mark.django_db
def test_a_wrong_nik_with_a_kpj_in_the_answer_is_still_an_error(tmp_path, drafts, funding, official, bpjs_staff):
    export_bpjs(funding=funding, by=official)
    path = write_xlsx(tmp_path / "jawaban.xlsx", {"Jawaban": [
        ["NIK", "No KPJ", "Tanggal Terdaftar"], ["620901120585", "24000000001", "27-12-2024"], ["-", "24000000002", "27-12-2024"]]})
    result = import_bpjs_answer(path, by=bpjs_staff, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "NIK"), (3, "NIK")]


@pytest.mark.django_db
def test_another_payer_in_the_answer_is_recorded_and_blocks_enrolling_again(tmp_path, drafts, funding, official,
                                                                            bpjs_staff):
    # R-ENR-5: BPJS says the worker is already registered through another payer in this period.
    export_bpjs(funding=funding, by=official)
    nik = drafts[0].worker.nik
    path = write_xlsx(tmp_path / "jawaban.xlsx", {"Jawaban": [
        ["NIK", "Nomor KPJ", "Tanggal Terdaftar", "Pembayar Lain"],
        [nik, None, None, "PT Sawit Makmur"],
        [drafts[1].worker.nik, "24000000002", "27-12-2024", None],
    ]})
    result = import_bpjs_answer(path, by=bpjs_staff)
    assert (result.activated, result.external, result.committed) == (1, 1, True)
    external = ExternalCoverage.objects.get(nik=nik)
    assert (external.payer, external.start_date, external.end_date) == ("PT Sawit Makmur", funding.period_start,
                                                                        datetime.date(2024, 12, 31) + datetime.timedelta(days=365))
    cancelled = Coverage.objects.get(pk=drafts[0].pk)
    assert cancelled.status == "cancelled" and "R-ENR-5" in cancelled.cancel_reason
    # A later list with this NIK for an overlapping period is refused.
    again = make_funding(code="APBD-2025", period_start=datetime.date(2025, 7, 1), period_end=datetime.date(2025, 12, 31))
    listed = simple_file(tmp_path / "lagi.xlsx", [person(0, NIK=nik, name="PEKERJA 0")])
    refused = import_workers(listed, funding=again, by=None, dry_run=True)
    assert "PT Sawit Makmur" in refused.errors[0].message and refused.duplicates == 1


@pytest.mark.django_db
def test_an_answer_without_a_registration_date_column_is_a_file_problem(tmp_path, bpjs_staff):
    path = write_xlsx(tmp_path / "j.xlsx", {"J": [["NIK", "KPJ"], ["6209011205851000", "24000000001"]]})
    with pytest.raises(FileProblem, match="Tanggal Terdaftar"):
        import_bpjs_answer(path, by=bpjs_staff, dry_run=True)


@pytest.mark.django_db
def test_roles_of_the_exchange(tmp_path, drafts, funding, official, bpjs_staff):
    with pytest.raises(PermissionDenied):
        export_bpjs(funding=funding, by=bpjs_staff)
    path = write_xlsx(tmp_path / "j.xlsx", {"J": [["NIK", "KPJ", "Tgl Terdaftar"]]})
    with pytest.raises(PermissionDenied):
        import_bpjs_answer(path, by=official, dry_run=True)


@pytest.mark.django_db
def test_the_exchange_commands(tmp_path, drafts, funding):
    target = tmp_path / "ke-bpjs.xlsx"
    out = io.StringIO()
    call_command("export_bpjs", "--funding", funding.code, "--output", str(target), stdout=out)
    assert "3 peserta" in out.getvalue()
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 4
    answer = write_xlsx(tmp_path / "jawaban.xlsx", {"J": [
        ["NIK", "No. KPJ", "Tgl. Terdaftar"],
        *[[row[1], KPJ.format(i), "27-12-2024"] for i, row in enumerate(rows[1:])],
    ]})
    out = io.StringIO()
    call_command("import_bpjs_answer", str(answer), "--funding", funding.code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert list(data) == ["rows", "valid", "activated", "external", "skipped_sheets", "errors", "warnings", "committed"]
    assert (data["activated"], data["committed"]) == (3, True)
    assert set(Coverage.objects.values_list("status", flat=True)) == {"active"}
