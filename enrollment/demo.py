"""Synthetic but valid workers shaped like the real program (for seed_demo, tests and benchmarks).

Deterministic (seeded random), so two runs produce the same people. Every NIK passes R-NIK-1,
its sex and birth date match the worker (R-NIK-2), and most carry Lamandau's prefix 6209 with
the kecamatan of their desa; about one in eight are migrants with another regency's NIK (R-NIK-3).
"""

import datetime
import random
from dataclasses import dataclass, field

from .models import Desa, Heir, Occupation, Worker
from .nik import FEMALE, MALE

MALE_NAMES = [
    "Ahmad", "Budi", "Yohanes", "Dedi", "Eko", "Fransiskus", "Gusti", "Hendra", "Irwan", "Joko", "Kristian",
    "Lukas", "Markus", "Nanang", "Oktavianus", "Petrus", "Rahmat", "Slamet", "Tono", "Usman", "Viktor",
    "Wahyu", "Yulius", "Zainal", "Agus", "Bambang", "Darius", "Edi", "Firman", "Heri", "Imanuel", "Jumadi",
]
FEMALE_NAMES = [
    "Siti", "Maria", "Dewi", "Yuliana", "Sri", "Rina", "Agustina", "Fransiska", "Lestari", "Nur", "Ratna",
    "Susanti", "Theresia", "Wati", "Yanti", "Elisabet", "Herlina", "Imelda", "Juliana", "Kartini", "Lina",
    "Marta", "Novita", "Paulina", "Rosalia", "Sumiati", "Tini", "Veronika", "Winda", "Yohana",
]
FAMILY_NAMES = [
    "Santoso", "Saputra", "Wijaya", "Pratama", "Hidayat", "Simanjuntak", "Nugroho", "Siregar", "Gunawan",
    "Kurniawan", "Setiawan", "Harahap", "Anggraini", "Lestari", "Rahayu", "Susilo", "Ginting", "Tarigan",
    "Sinaga", "Purba", "Laia", "Bahen", "Ranying", "Antang", "Tingang", "Ringkai", "Damang", "Bulau",
]
MIGRANT_REGENCIES = ["3301", "3302", "3501", "3502", "3201", "5301", "5302", "6201", "6202", "6301", "7302", "9101"]
BANKS = ["Bank Kalteng", "BRI", "BNI", "Bank Mandiri", "BSI"]
# Weights of the occupation list (code -> weight): the program is mostly palm smallholders and labourers.
OCCUPATION_WEIGHTS = {
    "petani-sawit": 40, "buruh-harian-lepas": 20, "buruh-kebun": 12, "pekebun": 8, "pedagang": 6, "nelayan": 4,
    "ojek": 4, "tukang": 3, "peternak": 1, "sopir": 1, "lainnya": 1,
}


@dataclass
class DemoWorker:
    worker: Worker
    occupation_codes: list
    heirs: list = field(default_factory=list)


class WorkerFactory:
    """Builds unsaved Worker/Heir objects with unique, valid NIKs."""

    def __init__(self, seed=2025, serial_start=1):
        self.random = random.Random(seed)
        self.serial = serial_start
        self.used = set()

    def nik(self, regency, kecamatan_code, birth_date, sex):
        day = birth_date.day + (40 if sex == FEMALE else 0)
        while True:
            serial = (self.serial % 9999) + 1
            self.serial += 1
            nik = f"{regency}{kecamatan_code}{day:02d}{birth_date:%m%y}{serial:04d}"
            if nik not in self.used:
                self.used.add(nik)
                return nik

    def person(self, sex, born_from, born_until):
        first = self.random.choice(MALE_NAMES if sex == MALE else FEMALE_NAMES)
        name = f"{first} {self.random.choice(FAMILY_NAMES)}".upper()
        span = (born_until - born_from).days
        birth_date = born_from + datetime.timedelta(days=self.random.randrange(span))
        return name, birth_date

    def phone(self):
        return "+628" + "".join(str(self.random.randrange(10)) for _ in range(self.random.choice((9, 10))))

    def worker(self, desa: Desa, *, born_from=datetime.date(1964, 1, 1), born_until=datetime.date(2004, 12, 31)):
        sex = MALE if self.random.random() < 0.72 else FEMALE
        name, birth_date = self.person(sex, born_from, born_until)
        if self.random.random() < 0.125:
            regency, kec = self.random.choice(MIGRANT_REGENCIES), f"{self.random.randrange(1, 20):02d}"
        else:
            regency, kec = "6209", desa.kecamatan.code[-2:]
        worker = Worker(
            nik=self.nik(regency, kec, birth_date, sex),
            kk_number=f"6209{kec}{self.random.randrange(10**9, 10**10)}",
            full_name=name,
            birth_place=self.random.choice(["NANGA BULIK", "KUDANGAN", "SUKAMARA", "PANGKALAN BUN", "BATU HAMBAWANG", "CILACAP"]),
            birth_date=birth_date,
            sex=sex,
            address=f"RT {self.random.randrange(1, 15):02d} {desa.name.upper()}",
            desa=desa,
            phone=self.phone() if self.random.random() < 0.85 else "",
            monthly_income=1_000_000 + 100_000 * self.random.randrange(0, 20),
        )
        codes = list(OCCUPATION_WEIGHTS)
        weights = list(OCCUPATION_WEIGHTS.values())
        occupation_codes = {self.random.choices(codes, weights)[0]}
        if self.random.random() < 0.2:
            occupation_codes.add(self.random.choices(codes, weights)[0])
        return DemoWorker(worker=worker, occupation_codes=sorted(occupation_codes), heirs=self.heirs(worker))

    def heirs(self, worker: Worker):
        heirs = []
        family = worker.full_name.split()[-1]
        account = lambda: str(self.random.randrange(10**9, 10**12))  # noqa: E731
        if self.random.random() < 0.8:
            spouse_sex = FEMALE if worker.sex == MALE else MALE
            first = self.random.choice(FEMALE_NAMES if spouse_sex == FEMALE else MALE_NAMES)
            born = worker.birth_date + datetime.timedelta(days=self.random.randrange(-2000, 2000))
            born = min(born, datetime.date(2005, 12, 31))
            name = f"{first} {family}".upper()
            heirs.append(Heir(
                relationship=Heir.Relationship.SPOUSE, full_name=name,
                nik=self.nik(worker.nik[:4], worker.nik[4:6], born, spouse_sex), birth_date=born,
                phone=self.phone(), bank_name=self.random.choice(BANKS), bank_account_number=account(),
                bank_account_holder=name,
            ))
            for _ in range(self.random.randrange(0, 3)):
                child_born = worker.birth_date + datetime.timedelta(days=365 * self.random.randrange(20, 35))
                if child_born > datetime.date(2024, 6, 30):
                    break
                child_sex = self.random.choice((MALE, FEMALE))
                first = self.random.choice(MALE_NAMES if child_sex == MALE else FEMALE_NAMES)
                heirs.append(Heir(
                    relationship=Heir.Relationship.CHILD, full_name=f"{first} {family}".upper(),
                    nik=self.nik(worker.nik[:4], worker.nik[4:6], child_born, child_sex), birth_date=child_born,
                ))
        else:
            parent_sex = self.random.choice((MALE, FEMALE))
            first = self.random.choice(MALE_NAMES if parent_sex == MALE else FEMALE_NAMES)
            name = f"{first} {family}".upper()
            heirs.append(Heir(
                relationship=Heir.Relationship.PARENT, full_name=name, phone=self.phone(),
                bank_name=self.random.choice(BANKS), bank_account_number=account(), bank_account_holder=name,
            ))
        return heirs


def save_workers(demo_workers: list[DemoWorker]) -> list[Worker]:
    """Write workers, their occupations and heirs with bulk inserts (a few queries per thousand)."""
    workers = Worker.objects.bulk_create([d.worker for d in demo_workers], batch_size=2000)
    occupations = dict(Occupation.objects.values_list("code", "pk"))
    through = Worker.occupations.through
    through.objects.bulk_create(
        [through(worker_id=d.worker.pk, occupation_id=occupations[code]) for d in demo_workers for code in d.occupation_codes],
        batch_size=5000,
    )
    heirs = []
    for d in demo_workers:
        for heir in d.heirs:
            heir.worker = d.worker
            heirs.append(heir)
    Heir.objects.bulk_create(heirs, batch_size=5000)
    return workers
