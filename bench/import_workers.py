"""Benchmark: import a realistic workers file of N rows through the service the admin uses.

    make bench-import                      # 100,000 rows
    make bench-import BENCH_ARGS="--rows 3200"

Needs DATABASE_URL pointing to PostgreSQL (the Makefile gives a default); the benchmark creates
a throwaway database next to it ("test_" + its name) and drops it at the end.

It writes the file (not timed), imports it as a district operator (Operator Kabupaten) with
``enrollment.imports.import_workers`` (read, validate every row, check the database through the
enrolment gate, commit workers, heirs, occupations, draft coverage and audit rows), then measures in the same run the job's physical
floor: python-calamine reading the same file plus a PostgreSQL COPY of as many rows as the import
wrote into the same tables (their indexes and foreign keys included), no validation. It also prints
openpyxl's read time of the file, for the record. The last line printed is one JSON object:
rows, seconds, rows_per_s, peak_mb, baseline_seconds, ratio_to_baseline.
"""

import argparse
import datetime
import json
import os
import pathlib
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamandau_bpjs.settings")

HEADERS = [
    "No", "NIK", "Nama Lengkap", "Tempat Lahir", "Tgl. Lahir", "L/P", "Alamat", "Desa/Kel", "Kec.", "Pekerjaan",
    "No. HP/WA", "Nama Ahli Waris", "Hubungan Ahli Waris",
]
RELATIONSHIP_WORDS = {"spouse": ["Istri", "Suami"], "child": ["Anak"], "parent": ["Orang tua", "Ibu", "Ayah"]}
OCCUPATION_WORDS = {
    "petani-sawit": ["Petani Sawit", "petani kelapa sawit"], "buruh-harian-lepas": ["Buruh Harian Lepas", "BHL"],
    "buruh-kebun": ["Buruh Kebun", "buruh perkebunan"], "pekebun": ["Petani/Pekebun", "Pekebun"],
    "pedagang": ["Pedagang"], "nelayan": ["Nelayan"], "ojek": ["Ojek"], "tukang": ["Tukang Bangunan", "tukang kayu"],
    "peternak": ["Peternak"], "sopir": ["Sopir"], "lainnya": ["Lainnya"],
}
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November",
          "Desember"]


def write_file(path, rows: int, seed=2026):
    """A district list as officials make it: title rows, aliased headers, mixed date and phone
    formats, desa written with prefixes, heirs, and a signature block under the list."""
    from openpyxl import Workbook

    from demo.builders import WorkerFactory
    from enrollment.models import Desa

    factory = WorkerFactory(seed=seed)
    rng = random.Random(seed)
    desas = list(Desa.objects.select_related("kecamatan"))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data Pekerja")
    sheet.append(["DAFTAR PEKERJA RENTAN PENERIMA BANTUAN IURAN BPJS KETENAGAKERJAAN"])
    sheet.append(["KABUPATEN LAMANDAU TAHUN 2026"])
    sheet.append([])
    sheet.append(HEADERS)
    for index in range(rows):
        demo = factory.worker(rng.choice(desas))
        worker = demo.worker
        born = worker.birth_date
        style = index % 4
        if style == 0:
            birth = datetime.datetime(born.year, born.month, born.day)  # a date cell
        elif style == 1:
            birth = born.strftime("%d-%m-%Y")
        elif style == 2:
            birth = f"{born.day} {MONTHS[born.month - 1]} {born.year}"
        else:
            birth = born.strftime("%d/%m/%Y")
        phone = worker.phone.replace("+62", "0") if worker.phone else None
        if phone and index % 3 == 0:
            phone = int(phone)  # a number cell: the leading 0 is lost (R-IMP-4 restores it)
        desa = worker.desa.name if index % 2 else f"Desa {worker.desa.name}"
        occupations = [rng.choice(OCCUPATION_WORDS[code]) for code in demo.occupation_codes]
        heir = demo.heirs[0] if demo.heirs else None
        sheet.append([
            index + 1, worker.nik, worker.full_name.title(), worker.birth_place.title(), birth,
            "L" if worker.sex == "L" else "P", worker.address, desa, worker.desa.kecamatan.name,
            ", ".join(occupations), phone,
            heir.full_name if heir else None, rng.choice(RELATIONSHIP_WORDS[heir.relationship]) if heir else None,
        ])
    sheet.append([])
    sheet.append([None, None, "Nanga Bulik, 1 Desember 2026"])
    sheet.append([None, None, "Mengetahui,"])
    sheet.append([None, None, "Kepala Dinas Tenaga Kerja"])
    sheet.append([])
    sheet.append([None, None, "(NAMA PEJABAT)"])
    workbook.save(path)


def district_operator():
    """The user an import runs as in the admin: an Operator Kabupaten (the actor of every audit row)."""
    from django.contrib.auth.models import Group, User

    from core.roles import OPERATOR

    user = User.objects.create_user("bench-operator", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATOR))
    return User.objects.get(pk=user.pk)  # permissions read afresh, as a request would


def run_import(path, rows, *, preview=False):
    from enrollment.imports import import_workers
    from funding.models import FundingSource

    by = district_operator()

    funding = FundingSource.objects.create(
        code="BENCH-2026", name="Bench 2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31), coverage_months=12, quota=rows, budget=Decimal(201600) * rows,
    )
    if preview:  # the admin's path: a dry run for the preview, then the confirmed import below
        started = time.perf_counter()
        checked = import_workers(path, funding=funding, by=by, dry_run=True)
        print(f"preview (dry run): {checked.valid:,} valid rows in {time.perf_counter() - started:.2f} s", flush=True)
    cpu = cpu_seconds()
    started = time.perf_counter()
    result = import_workers(path, funding=funding, by=by, display_name=pathlib.Path(path).name)
    seconds = time.perf_counter() - started
    result.cpu = [after - before for before, after in zip(cpu, cpu_seconds())]
    if not result.committed or result.created != rows:
        summary = {k: v for k, v in result.as_dict().items() if k not in ("errors", "warnings")}
        raise SystemExit(f"import did not commit every row: {summary}; first errors: {result.errors[:5]}")
    result.funding_id, result.actor_id = funding.pk, by.pk
    return seconds, result


def cpu_seconds():
    """(this process, the database connection's PostgreSQL backend) CPU seconds so far: what the job
    costs whatever else runs on the machine (a loaded machine stretches the wall clock, not these).
    The backend's is read from /proc, so only with PostgreSQL on this machine (else NaN)."""
    from django.db import connection

    usage = resource.getrusage(resource.RUSAGE_SELF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        backend = float("nan")
    return usage.ru_utime + usage.ru_stime, backend


IMPORT_TABLES = ["enrollment_worker", "enrollment_worker_occupations", "enrollment_heir", "enrollment_coverage",
                 "core_auditevent"]


def written_counts():
    """Rows per table the import wrote (the bench database held none before)."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in IMPORT_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our table names)
            counts[table] = cursor.fetchone()[0]
    return counts


def openpyxl_read(path):
    """For the record: the same file read by openpyxl (read-only, values), as the import did before calamine."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _values in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return time.perf_counter() - started, rows


def run_baseline(path, counts, funding_id, actor_id):
    """The job's physical floor, no validation: python-calamine reading the file, then COPY of as many
    rows as the import wrote into the same tables (occupations, workers, heirs, coverage, audit; in the
    import's order), with their indexes, foreign keys and the dashboard's triggers, committed; the
    coverage and audit rows name the same user as the import's. Run after the import's rows are
    removed again."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from core.bulk import reserve_ids
    from enrollment.models import Coverage, Desa, Occupation, Worker

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(IMPORT_TABLES)} CASCADE")  # the bench database holds nothing else
    desa_id = Desa.objects.values_list("pk", flat=True).first()
    occupation_ids = list(Occupation.objects.values_list("pk", flat=True)[:2])
    worker_type, coverage_type = (ContentType.objects.get_for_model(m).pk for m in (Worker, Coverage))
    now = timezone.now()

    cpu = cpu_seconds()
    started = time.perf_counter()
    values = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    header = next(i for i, row in enumerate(values) if len(row) > 1 and row[1] == "NIK")
    people = [row for row in values[header + 1:] if len(row) > 1 and str(row[1]).isdigit()]
    workers = counts["enrollment_worker"]
    with transaction.atomic(), connection.cursor() as cursor:
        ids = reserve_ids(Worker, workers)
        # Occupations first, as the import writes them (the foreign keys are checked at commit): the
        # dashboard's trigger then computes each worker's summary row once, not twice.
        second = counts["enrollment_worker_occupations"] - workers
        copy_rows(cursor, "enrollment_worker_occupations", ["worker_id", "occupation_id"], (
            *((pk, occupation_ids[0]) for pk in ids), *((pk, occupation_ids[1]) for pk in ids[:second])))
        copy_rows(cursor, "enrollment_worker", ["id", "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex",
                                               "address", "desa_id", "phone", "created_at", "updated_at"], (
            (pk, row[1], "", row[2], row[3] or "", datetime.date(1985, 5, 12), row[5], row[6] or "", desa_id, "", now, now)
            for pk, row in zip(ids, people)
        ))
        copy_rows(cursor, "enrollment_heir", ["worker_id", "relationship", "full_name", "nik", "phone", "bank_name",
                                             "bank_account_number", "bank_account_holder", "created_at", "updated_at"], (
            (pk, "spouse", row[11] or "-", "", "", "", "", "", now, now)
            for pk, row, _n in zip(ids, people, range(counts["enrollment_heir"]))
        ))
        copy_rows(cursor, "enrollment_coverage", ["worker_id", "funding_source_id", "jkk", "jkm", "start_date", "end_date",
                                                 "income_basis", "status", "kpj_number", "cancel_reason", "created_by_id",
                                                 "created_at", "updated_at"], (
            (pk, funding_id, True, True, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 1000000, "draft", "", "",
             actor_id, now, now)
            for pk in ids
        ))
        copy_rows(cursor, "core_auditevent", ["at", "actor_id", "action", "content_type_id", "object_id", "object_repr",
                                             "parent_type_id", "parent_id", "changes", "note"], (
            (now, actor_id, "import", coverage_type, str(ids[n % workers]), people[n % workers][2], worker_type,
             str(ids[n % workers]), '{"nik": [null, "%s"]}' % people[n % workers][1], f"Impor Excel baris {n}")
            for n in range(counts["core_auditevent"])
        ))
    seconds = time.perf_counter() - started
    return seconds, [after - before for before, after in zip(cpu, cpu_seconds())]


def copy_rows(cursor, table, columns, rows):
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated file (default 100,000)")
    parser.add_argument("--keep-file", help="also save the generated file here")
    parser.add_argument("--file", help="import this file (one --keep-file saved, of --rows rows) instead of writing one")
    parser.add_argument("--preview", action="store_true", help="also time the preview (dry run) the admin shows first")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/import_workers.py needs DATABASE_URL pointing to PostgreSQL (see `make bench-import`).")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, f"pekerja-{args.rows}.xlsx")
            started = time.perf_counter()
            if args.file:
                path = args.file
            else:
                write_file(path, args.rows)
            print(f"file: {args.rows:,} rows, {os.path.getsize(path) / 1e6:.1f} MB, written in "
                  f"{time.perf_counter() - started:.1f} s (not timed)", flush=True)
            if args.keep_file:
                pathlib.Path(args.keep_file).write_bytes(pathlib.Path(path).read_bytes())
            seconds, result = run_import(path, args.rows, preview=args.preview)
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"import: {result.rows:,} rows read, {result.valid:,} valid, {result.created:,} workers created "
                  f"in {seconds:.2f} s ({result.rows / seconds:,.0f} rows/s), peak {peak_mb:.0f} MB; "
                  f"CPU {result.cpu[0]:.2f} s Python + {result.cpu[1]:.2f} s PostgreSQL", flush=True)
            counts = written_counts()
            baseline_seconds, cpu = run_baseline(path, counts, result.funding_id, result.actor_id)
            print(f"baseline (floor): python-calamine read + COPY of {sum(counts.values()):,} rows "
                  f"({', '.join(f'{table} {n:,}' for table, n in counts.items())}) in {baseline_seconds:.2f} s; "
                  f"CPU {cpu[0]:.2f} s Python + {cpu[1]:.2f} s PostgreSQL", flush=True)
            openpyxl_seconds, _rows = openpyxl_read(path)
            print(f"for the record: openpyxl (read-only) reads the same file in {openpyxl_seconds:.2f} s", flush=True)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    print(json.dumps({
        "rows": result.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.rows / seconds),
        "peak_mb": round(peak_mb, 1),
        "baseline_seconds": round(baseline_seconds, 2),
        "ratio_to_baseline": round(seconds / baseline_seconds, 2),
    }))


if __name__ == "__main__":
    main()
