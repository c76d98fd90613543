"""The command line: python manage.py import_workers FILE --funding CODE [...] (exit 0 / 2, --json)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from core.models import ProgramRules
from enrollment.models import Worker
from demo.builders import HEADERS, person, rows_of, simple_file, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
JSON_KEYS = ["rows", "valid", "created", "duplicates", "skipped_sheets", "errors", "warnings", "committed"]


def run_json(*args):
    out = io.StringIO()
    call_command("import_workers", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_json_has_exactly_the_documented_keys_and_places(tmp_path, funding):
    path = simple_file(tmp_path / "a.xlsx", [person(0), person(1, desa="Atlantis")], title_rows=())
    data = run_json(path, "--funding", funding.code, "--dry-run")
    assert list(data) == JSON_KEYS
    assert {k: data[k] for k in ("rows", "valid", "created", "duplicates", "committed")} == {
        "rows": 2, "valid": 1, "created": 0, "duplicates": 0, "committed": False}
    [error] = data["errors"]
    assert list(error) == ["sheet", "row", "column", "value", "message"]
    assert (error["sheet"], error["row"], error["column"], error["value"]) == ("Sheet1", 3, "Desa", "Atlantis")


@pytest.mark.django_db
def test_skip_invalid_commits_the_valid_rows_and_writes_the_rejected_ones(tmp_path, funding):
    path = simple_file(tmp_path / "a.xlsx", [person(0), person(1, NIK="123"), person(2)], title_rows=())
    rejected = tmp_path / "ditolak.xlsx"
    data = run_json(path, "--funding", funding.code, "--skip-invalid", "--errors-xlsx", str(rejected))
    assert (data["valid"], data["created"], data["committed"]) == (2, 2, True)
    rows = list(load_workbook(rejected).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "123" and "16 angka" in rows[1][-1]
    assert Worker.objects.count() == 2


@pytest.mark.django_db
def test_row_errors_without_skip_invalid_commit_nothing(tmp_path, funding):
    path = simple_file(tmp_path / "a.xlsx", [person(0), person(1, NIK="123")], title_rows=())
    data = run_json(path, "--funding", funding.code)
    assert (data["valid"], data["created"], data["committed"]) == (1, 0, False)
    assert Worker.objects.count() == 0


def encrypted_file(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = simple_file(tmp_path / "polos.xlsx", [person(0)])
    target = tmp_path / "bersandi.xlsx"
    with open(plain, "rb") as source, open(target, "wb") as out:
        OOXMLFile(source).encrypt("rahasia", out)
    return target


def no_header(tmp_path):
    return write_xlsx(tmp_path / "rekap.xlsx", {"Rekap": [["Kecamatan", "Jumlah"], ["Bulik", 3]]})


def missing_column(tmp_path):
    return write_xlsx(tmp_path / "kurang.xlsx", {"D": [["NIK", "Nama"], ["6209011205851000", "Budi"]]})


def not_xlsx(tmp_path):
    path = tmp_path / "daftar.xlsx"
    path.write_text("NIK;Nama;Desa\n6209011205851000;Budi;Kawa\n")
    return path


def old_xls(tmp_path):
    # An OLE2 compound file without an EncryptionInfo stream: what Excel 97-2003 saves.
    path = tmp_path / "lama.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + b"Workbook".decode().encode("utf-16-le") + b"\0" * 512)
    return path


def zip_not_workbook(tmp_path):
    import zipfile

    path = tmp_path / "arsip.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("catatan.txt", "bukan buku kerja")
    return path


def too_many_rows(tmp_path):
    ProgramRules.objects.update_or_create(pk=1, defaults={"import_max_rows": 2})
    return write_xlsx(tmp_path / "banyak.xlsx", {"D": [HEADERS, *rows_of([person(i) for i in range(3)])]})


def too_big(tmp_path):
    ProgramRules.objects.update_or_create(pk=1, defaults={"import_max_megabytes": 1})
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in range(2, 102):  # random text compresses to half: 3 MB of it is > 1 MB on disk
        workbook.active.cell(row=row, column=20, value=os.urandom(15_000).hex())
    workbook.save(tmp_path / "besar.xlsx")
    return tmp_path / "besar.xlsx"


@pytest.mark.django_db
@pytest.mark.parametrize("make,message", [
    (encrypted_file, "dilindungi kata sandi"),
    (old_xls, "format .xls lama"),
    (not_xlsx, "bukan berkas Excel .xlsx"),
    (zip_not_workbook, "bukan buku kerja Excel"),
    (no_header, "tidak memuat baris judul"),
    (missing_column, "kolom Desa/Kelurahan tidak ditemukan"),
    (too_many_rows, "lebih dari 2 baris"),
    (too_big, "melebihi batas 1 MB"),
])
def test_a_file_level_problem_is_one_message_with_exit_status_2_and_nothing_happens(tmp_path, funding, make, message):
    path = make(tmp_path)
    with pytest.raises(CommandError, match=message) as raised:
        call_command("import_workers", str(path), "--funding", funding.code, "--json", stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert Worker.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_funding_code_is_exit_status_2(tmp_path):
    with pytest.raises(CommandError, match="Sumber dana TIDAK-ADA tidak ada") as raised:
        call_command("import_workers", simple_file(tmp_path / "a.xlsx", [person(0)]), "--funding", "TIDAK-ADA")
    assert raised.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_the_real_command_line_prints_json_and_exits_0_or_2_with_the_message_on_stderr(tmp_path, funding):
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "lamandau_bpjs.settings"}
    command = [sys.executable, str(ROOT / "manage.py"), "import_workers"]
    good = simple_file(tmp_path / "a.xlsx", [person(0), person(1, desa="Atlantis")])
    done = subprocess.run([*command, good, "--funding", funding.code, "--json"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout.strip().splitlines()[-1])
    assert (data["rows"], data["valid"], data["committed"]) == (2, 1, False)
    bad = not_xlsx(tmp_path)
    done = subprocess.run([*command, str(bad), "--funding", funding.code, "--json"], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stdout == "" and "bukan berkas Excel .xlsx" in done.stderr


def _database_url():
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db
@pytest.mark.parametrize("command,args", [
    ("import_workers", lambda path, code: [path, "--funding", code]),
    ("import_workers", lambda path, code: [path, "--funding", code, "--dry-run", "--json"]),
    ("import_bpjs_answer", lambda path, code: [path, "--funding", code]),
    ("export_bpjs", lambda path, code: ["--funding", code, "--output", path + ".keluar.xlsx"]),
])
def test_a_user_without_the_permission_gets_a_message_and_exit_status_2(tmp_path, funding, leader, command, args):
    path = simple_file(tmp_path / "a.xlsx", [person(0)])
    with pytest.raises(CommandError, match=f"Pengguna {leader.username} tidak berwenang") as raised:
        call_command(command, *args(path, funding.code), "--user", leader.username, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert Worker.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_real_command_line_refuses_a_user_without_the_permission_without_a_traceback(tmp_path, funding, leader):
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "lamandau_bpjs.settings"}
    path = simple_file(tmp_path / "a.xlsx", [person(0)])
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "import_workers", path, "--funding", funding.code,
                           "--user", leader.username], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert f"Pengguna {leader.username} tidak berwenang" in done.stderr and "enrollment.import_workers" not in done.stderr
    assert Worker.objects.count() == 0
