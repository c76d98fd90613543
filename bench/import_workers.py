"""Benchmark: import a realistic workers file of N rows through the service the admin uses.

    make bench-import                      # 100,000 rows
    make bench-import BENCH_ARGS="--rows 3200"

Needs DATABASE_URL pointing to PostgreSQL (the Makefile gives a default); the benchmark creates
a throwaway database next to it ("test_" + its name) and drops it at the end.

It writes the file (not timed), imports it with ``enrollment.imports.import_workers`` (read,
validate every row, check the database, commit workers, heirs, occupations, draft coverage and
audit rows), then measures the baseline on the same file in the same run: openpyxl read-only
reading every row, plus a PostgreSQL COPY of those rows into a staging table and an
``INSERT ... ON CONFLICT DO NOTHING`` into a table with a unique NIK (the physical floor of this
job, ../shared/stack.md). The last line printed is one JSON object:
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


def run_import(path, rows, *, preview=False):
    from enrollment.imports import import_workers
    from funding.models import FundingSource

    funding = FundingSource.objects.create(
        code="BENCH-2026", name="Bench 2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31), coverage_months=12, quota=rows, budget=Decimal(201600) * rows,
    )
    if preview:  # the admin's path: a dry run for the preview, then the confirmed import below
        started = time.perf_counter()
        checked = import_workers(path, funding=funding, by=None, dry_run=True)
        print(f"preview (dry run): {checked.valid:,} valid rows in {time.perf_counter() - started:.2f} s", flush=True)
    started = time.perf_counter()
    result = import_workers(path, funding=funding, by=None, display_name=pathlib.Path(path).name)
    seconds = time.perf_counter() - started
    if not result.committed or result.created != rows:
        summary = {k: v for k, v in result.as_dict().items() if k not in ("errors", "warnings")}
        raise SystemExit(f"import did not commit every row: {summary}; first errors: {result.errors[:5]}")
    return seconds, result


def run_baseline(path):
    """openpyxl read-only + COPY into a staging table + INSERT ... ON CONFLICT (the floor)."""
    from django.db import connection
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    columns = len(HEADERS)
    column_list = ", ".join(f"c{i}" for i in range(columns))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_staging ({', '.join(f'c{i} text' for i in range(columns))})")
        cursor.execute(f"CREATE TABLE bench_baseline ({', '.join(f'c{i} text' for i in range(columns))}, UNIQUE (c1))")
        with cursor.cursor.copy(f"COPY bench_staging ({column_list}) FROM STDIN") as copy:
            header_seen = False
            for values in sheet.iter_rows(values_only=True):
                if not header_seen:
                    header_seen = values[:2] == ("No", "NIK")
                    continue
                if len(values) < 2 or values[1] is None:
                    continue
                copy.write_row([None if v is None else str(v) for v in values[:columns]] + [None] * (columns - len(values)))
        cursor.execute("INSERT INTO bench_baseline SELECT * FROM bench_staging ON CONFLICT (c1) DO NOTHING")
        inserted = cursor.rowcount
    workbook.close()
    return time.perf_counter() - started, inserted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated file (default 100,000)")
    parser.add_argument("--keep-file", help="also save the generated file here")
    parser.add_argument("--preview", action="store_true", help="also time the preview (dry run) the admin shows first")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("bench/import_workers.py needs DATABASE_URL pointing to PostgreSQL (see `make bench-import`).")
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, f"pekerja-{args.rows}.xlsx")
            started = time.perf_counter()
            write_file(path, args.rows)
            print(f"file: {args.rows:,} rows, {os.path.getsize(path) / 1e6:.1f} MB, written in "
                  f"{time.perf_counter() - started:.1f} s (not timed)", flush=True)
            if args.keep_file:
                pathlib.Path(args.keep_file).write_bytes(pathlib.Path(path).read_bytes())
            seconds, result = run_import(path, args.rows, preview=args.preview)
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"import: {result.rows:,} rows read, {result.valid:,} valid, {result.created:,} workers created "
                  f"in {seconds:.2f} s ({result.rows / seconds:,.0f} rows/s), peak {peak_mb:.0f} MB", flush=True)
            with transaction.atomic():
                baseline_seconds, inserted = run_baseline(path)
            print(f"baseline: openpyxl read-only + COPY + ON CONFLICT of {inserted:,} rows in {baseline_seconds:.2f} s "
                  f"({inserted / baseline_seconds:,.0f} rows/s)", flush=True)
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
