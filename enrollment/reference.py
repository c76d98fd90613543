"""Reference data owned by the repository: Lamandau's regions and the occupation list.

Loaded by data migrations and again, idempotently, after every ``migrate`` or test-database
flush (post_migrate), so the rows exist wherever the schema does.
"""

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# (code, name, transport sector) — the informal occupations of the program (R-ENR-6: at most 2).
OCCUPATIONS = [
    ("petani-sawit", "Petani sawit", False),
    ("pekebun", "Pekebun/petani", False),
    ("buruh-harian-lepas", "Buruh harian lepas", False),
    ("buruh-kebun", "Buruh kebun/perkebunan", False),
    ("nelayan", "Nelayan", False),
    ("pedagang", "Pedagang", False),
    ("peternak", "Peternak", False),
    ("tukang", "Tukang bangunan", False),
    ("pengrajin", "Pengrajin", False),
    ("penambang-rakyat", "Penambang rakyat", False),
    ("ojek", "Ojek", True),
    ("sopir", "Sopir angkutan", True),
    ("motoris", "Motoris/perahu", True),
    ("lainnya", "Lainnya", False),
]


# How occupations are written in the district lists (and on the KTP), mapped to the codes above.
# The names and codes themselves match too; anything else is imported as "lainnya" with a warning.
OCCUPATION_ALIASES = {
    "petani sawit": "petani-sawit", "petani kelapa sawit": "petani-sawit", "pekebun sawit": "petani-sawit",
    "kebun sawit": "petani-sawit", "sawit": "petani-sawit", "petani plasma": "petani-sawit",
    "pekebun": "pekebun", "petani": "pekebun", "petani/pekebun": "pekebun", "petani pekebun": "pekebun",
    "berkebun": "pekebun", "bertani": "pekebun", "petani karet": "pekebun", "petani sayur": "pekebun",
    "peladang": "pekebun", "tani": "pekebun",
    "buruh harian lepas": "buruh-harian-lepas", "bhl": "buruh-harian-lepas", "buruh harian": "buruh-harian-lepas",
    "buruh": "buruh-harian-lepas", "buruh lepas": "buruh-harian-lepas", "pekerja harian lepas": "buruh-harian-lepas",
    "buruh kebun": "buruh-kebun", "buruh perkebunan": "buruh-kebun", "buruh sawit": "buruh-kebun",
    "buruh tani": "buruh-kebun", "buruh tani/perkebunan": "buruh-kebun", "karyawan kebun": "buruh-kebun",
    "pemanen sawit": "buruh-kebun", "pemanen": "buruh-kebun", "penyadap karet": "buruh-kebun",
    "nelayan": "nelayan", "nelayan/perikanan": "nelayan", "pencari ikan": "nelayan", "perikanan": "nelayan",
    "pedagang": "pedagang", "dagang": "pedagang", "berdagang": "pedagang", "pedagang kecil": "pedagang",
    "pedagang keliling": "pedagang", "warung": "pedagang",
    "peternak": "peternak", "peternakan": "peternak",
    "tukang": "tukang", "tukang bangunan": "tukang", "tukang kayu": "tukang", "tukang batu": "tukang",
    "pengrajin": "pengrajin", "perajin": "pengrajin", "kerajinan": "pengrajin",
    "penambang": "penambang-rakyat", "penambang rakyat": "penambang-rakyat", "penambang emas": "penambang-rakyat",
    "pendulang": "penambang-rakyat", "pendulang emas": "penambang-rakyat",
    "ojek": "ojek", "tukang ojek": "ojek", "ojek online": "ojek", "ojol": "ojek",
    "sopir": "sopir", "supir": "sopir", "driver": "sopir", "sopir angkutan": "sopir", "sopir truk": "sopir",
    "motoris": "motoris", "motoris perahu": "motoris", "motoris/perahu": "motoris", "motorist": "motoris",
    "perahu": "motoris", "klotok": "motoris", "speedboat": "motoris", "serang": "motoris",
    "lainnya": "lainnya", "lain-lain": "lainnya", "lain lain": "lainnya",
}


def region_rows():
    with (DATA_DIR / "lamandau_wilayah.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_regions(apps):
    Kecamatan = apps.get_model("enrollment", "Kecamatan")
    Desa = apps.get_model("enrollment", "Desa")
    rows = region_rows()
    if Desa.objects.count() == sum(row["level"] in ("desa", "kelurahan") for row in rows):
        return
    kecamatan = {k.code: k for k in Kecamatan.objects.all()}
    for row in rows:
        if row["level"] == "kecamatan" and row["code"] not in kecamatan:
            kecamatan[row["code"]] = Kecamatan.objects.create(code=row["code"], name=row["name"])
    existing = set(Desa.objects.values_list("code", flat=True))
    Desa.objects.bulk_create(
        Desa(
            code=row["code"],
            name=row["name"],
            kecamatan=kecamatan[row["parent_code"]],
            is_kelurahan=row["level"] == "kelurahan",
        )
        for row in rows
        if row["level"] in ("desa", "kelurahan") and row["code"] not in existing
    )


def load_occupations(apps):
    Occupation = apps.get_model("enrollment", "Occupation")
    existing = set(Occupation.objects.values_list("code", flat=True))
    Occupation.objects.bulk_create(
        Occupation(code=code, name=name, is_transport=transport)
        for code, name, transport in OCCUPATIONS
        if code not in existing
    )
