"""The one builders module of the project, for tests, benchmarks and the demo (``seed_demo``).

Valid objects with unique NIKs, overridable per call: workers, heirs, funding sources, coverages,
claims (written directly, or taken through the real claim verbs so every rule and the audit trail
apply), contribution payments, real .xlsx files for the import, and PDF/QR readers for the
certificates. No factory library: these functions are enough (see ../shared/style.md, Tests).
It sits in the top layer (``demo``), so it may build from every app; no production module imports it.
"""

import datetime
import io
import random
import itertools
import struct
import subprocess
import tempfile
import threading
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from claims.documents import required_documents
from claims.models import Claim
from claims.services import approve_claim, pay_claim, payment_terms, submit_claim, upload_document, verify_claim
from enrollment.models import Coverage, Desa, Heir, Occupation, Worker
from enrollment.nik import FEMALE, MALE
from funding.billing import prepare_bill, record_payment
from funding.models import ContributionPayment, FundingSource


# --- People and funding sources ---------------------------------------------------------------


_serial = itertools.count(1)


def make_nik(*, birth_date=datetime.date(1985, 5, 12), sex=MALE, regency="6209", kecamatan="01", serial=None) -> str:
    """A valid NIK (R-NIK-1) encoding ``birth_date`` and ``sex``; unique per call unless ``serial`` is given."""
    day = birth_date.day + (40 if sex == FEMALE else 0)
    serial = serial if serial is not None else (next(_serial) % 9999) + 1
    return f"{regency}{kecamatan}{day:02d}{birth_date:%m%y}{serial:04d}"


def make_funding(**overrides) -> FundingSource:
    values = dict(
        code=f"TEST-{next(_serial)}",
        name="DBH Sawit Uji",
        kind=FundingSource.Kind.DBH_SAWIT,
        fiscal_year=2025,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        coverage_months=12,
        quota=100,
        budget=Decimal("201600") * 100,
    )
    values.update(overrides)
    return FundingSource.objects.create(**values)


def make_worker(*, desa=None, occupations=(), **overrides) -> Worker:
    birth_date = overrides.pop("birth_date", datetime.date(1985, 5, 12))
    sex = overrides.pop("sex", MALE)
    desa = desa or Desa.objects.select_related("kecamatan").order_by("code").first()
    values = dict(
        nik=make_nik(birth_date=birth_date, sex=sex, kecamatan=desa.kecamatan.code[-2:]),
        full_name="BUDI SANTOSO",
        birth_place="NANGA BULIK",
        birth_date=birth_date,
        sex=sex,
        address="RT 01",
        desa=desa,
        phone="+6281234567890",
    )
    values.update(overrides)
    worker = Worker.objects.create(**values)
    if occupations:
        worker.occupations.set(occupations)
    return worker


def make_heir(worker, **overrides) -> Heir:
    values = dict(
        worker=worker,
        relationship=Heir.Relationship.SPOUSE,
        full_name="SITI AMINAH",
        bank_name="Bank Kalteng",
        bank_account_number="1234567890",
        bank_account_holder="SITI AMINAH",
    )
    values.update(overrides)
    return Heir.objects.create(**values)


def assign_area(user, *, desa=(), kecamatan=()):
    """Give an Operator Desa/Kecamatan its areas by code (issue 14; the admin does it by hand)."""
    from enrollment.models import Kecamatan, OperatorArea

    area, _created = OperatorArea.objects.get_or_create(user=user)
    area.desa.add(*Desa.objects.filter(code__in=desa))
    area.kecamatan.add(*Kecamatan.objects.filter(code__in=kecamatan))
    return user


def on_day(day: datetime.date, hour: int = 9):
    """time-machine travel to ``day`` at ``hour`` WIB (the project's time zone): "today" pinned."""
    import zoneinfo

    import time_machine

    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=zoneinfo.ZoneInfo("Asia/Pontianak")))


# --- Synthetic workers shaped like the real program (for seed_demo, tests and benchmarks) ---------

# Synthetic but valid workers shaped like the real program.
#
# Deterministic (seeded random), so two runs produce the same people. Every NIK passes R-NIK-1,
# its sex and birth date match the worker (R-NIK-2), and most carry Lamandau's prefix 6209 with
# the kecamatan of their desa; about one in eight are migrants with another regency's NIK (R-NIK-3).

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
        while True:
            serial = (self.serial % 9999) + 1
            self.serial += 1
            nik = make_nik(birth_date=birth_date, sex=sex, regency=regency, kecamatan=kecamatan_code, serial=serial)
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


# --- Claims through the real verbs, and small valid documents (formerly claims/testing.py) ----


def pdf_bytes(text: str = "Dokumen contoh") -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII), built by hand: no renderer needed."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text.replace('(', '[').replace(')', ']')}) Tj ET".encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes() -> bytes:
    """A valid 1×1 white PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


# The first bytes of a JPEG (SOI + JFIF APP0): sniffing says JPEG, the whole parse does not.
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def jpeg_bytes() -> bytes:
    """A valid 8×8 grey JPEG, encoded by Pillow."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (8, 8), 128).save(out, "JPEG")
    return out.getvalue()


def upload(name="dokumen.pdf", content=None, content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type=content_type)


def make_coverage(worker, funding, *, start=None, end=None, status=Coverage.Status.ACTIVE, jkk=True, jkm=True, kpj=None,
                  paid=True):
    """A coverage registered at BPJS (active by default) without going through enrolment, its
    contributions billed and paid in advance unless ``paid=False`` (R-PAY-2: only paid months protect)."""
    start = start or funding.period_start
    end = end or funding.period_end
    registered = status in Coverage.REGISTERED
    coverage = Coverage.objects.create(
        worker=worker, funding_source=funding, jkk=jkk, jkm=jkm, start_date=start, end_date=end,
        income_basis=funding.income_basis, status=status,
        kpj_number=(kpj or f"24{worker.pk:09d}") if registered else "",
        registered_on=start if registered else None,
        cancelled_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) if status == Coverage.Status.CANCELLED else None,
    )
    if registered and paid:
        pay_contributions(coverage)
    return coverage


def pay_contributions(coverage, *, paid_on=None):
    """Bill the coverage's months and pay the bill in full, as the regency does (R-PAY-1)."""
    bill = prepare_bill(funding=coverage.funding_source, first_month=coverage.start_date, last_month=coverage.end_date, by=None)
    record_payment(
        funding=coverage.funding_source, paid_on=paid_on or coverage.start_date, amount=bill.total,
        reference=f"IURAN-{bill.pk}", bills=[bill], by=None,
    )
    return bill


def file_claim(*, coverage, by, kind=Claim.Kind.JKM_DEATH, event_date=None, children=(), **fields) -> Claim:
    """Submit a claim through ``submit_claim``."""
    claim = Claim(
        worker=coverage.worker, coverage=coverage, kind=kind,
        event_date=event_date or coverage.start_date + datetime.timedelta(days=120), **fields,
    )
    return submit_claim(claim=claim, by=by, children=children)


def upload_required(claim: Claim, *, by) -> None:
    """Upload one small PDF for each document kind the claim requires."""
    claim.refresh_from_db()
    for kind in required_documents(claim):
        upload_document(claim=claim, kind=kind, uploaded=upload(f"{kind}.pdf", pdf_bytes(kind)), by=by)


def pay_in_full(claim: Claim, *, by, reference: str, paid_on=None) -> Claim:
    """Record payment of exactly what is due on ``paid_on`` (today by default)."""
    claim.refresh_from_db()
    paid_on = paid_on or timezone.localdate()
    due = payment_terms(claim, on=paid_on).amount_due
    return pay_claim(claim=claim, by=by, paid_on=paid_on, amount=due, reference=reference)


def make_paid_claim(*, coverage, submitter, staff, reference="TRF-0001", **fields) -> Claim:
    """A claim taken through the whole workflow: submitted, documents, verified, approved, paid."""
    claim = file_claim(coverage=coverage, by=submitter, **fields)
    upload_required(claim, by=submitter)
    verify_claim(claim=claim, by=staff)
    approve_claim(claim=claim, by=staff)
    return pay_in_full(claim, by=staff, reference=reference)


# --- Certificates: registered coverages, a paid death claim row, reading PDFs and QR codes ----


_certificate_kpj = itertools.count(1)


def make_active_coverage(funding, *, worker=None, status=Coverage.Status.ACTIVE, **worker_overrides) -> Coverage:
    """A coverage registered with BPJS (KPJ number given), as after activate_coverage."""
    worker = worker or make_worker(**worker_overrides)
    now = timezone.now()
    return Coverage.objects.create(
        worker=worker, funding_source=funding, start_date=funding.period_start, end_date=funding.period_end,
        income_basis=funding.income_basis, status=status, kpj_number=f"25{next(_certificate_kpj):09d}",
        registered_on=funding.period_start, submitted_at=now, activated_at=now,
        cancelled_at=now if status == Coverage.Status.CANCELLED else None,
    )


def paid_death_claim(coverage, *, heir=None, breakdown=None, **overrides) -> Claim:
    """A paid JKM death claim (R-JKM-1: Rp42.000.000), created directly as the claims module would leave it."""
    heir = heir or make_heir(coverage.worker)
    breakdown = breakdown if breakdown is not None else [
        {"code": "lump_sum", "label": "Santunan sekaligus", "amount": "20000000"},
        {"code": "periodic", "label": "Santunan berkala 24 bulan", "amount": "12000000"},
        {"code": "funeral", "label": "Biaya pemakaman", "amount": "10000000"},
    ]
    values = dict(
        worker=coverage.worker, coverage=coverage, kind=Claim.Kind.JKM_DEATH, status=Claim.Status.PAID,
        event_date=coverage.start_date + datetime.timedelta(days=200), claimant=heir,
        benefit_amount=Decimal("42000000"), benefit_breakdown=breakdown,
        submitted_at=timezone.now(), verified_at=timezone.now(), approved_at=timezone.now(), paid_at=timezone.now(),
        paid_on=coverage.start_date + datetime.timedelta(days=210), paid_amount=Decimal("42000000"),
        payment_reference=f"TRF-2025-{next(_certificate_kpj):06d}",
    )
    values.update(overrides)
    return Claim.objects.create(**values)


def pdf_pages(data_or_path) -> list[str]:
    """The text of each page of a PDF (bytes or a path)."""
    from pypdf import PdfReader

    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return [page.extract_text() for page in PdfReader(source).pages]


def decode_qr(pdf: bytes, page: int = 1) -> list[str]:
    """Rasterise one page with poppler's pdftoppm and read the QR codes on it with zbar."""
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol, decode

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(source),
             str(Path(folder) / "page")],
            check=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return [symbol.data.decode() for symbol in decode(image, symbols=[ZBarSymbol.QRCODE])]


def race(*calls) -> list:
    """Run the calls at the same moment in threads, each on its own database connection; return, in
    call order, what each returned or the exception it raised (the outcome is what a test asserts)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    finished = [False] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001  collected for the test
            results[index] = exc
        finally:
            finished[index] = True
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(finished), "a thread did not finish"
    return results


def wait_for(condition, *, timeout=60.0, interval=0.1, what="condition"):
    """Poll until ``condition()`` is truthy (work done by a real worker); fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def flat(text: str) -> str:
    """PDF text with line breaks and repeated spaces folded, for phrases that wrap."""
    return " ".join(text.split())


# --- Workbooks for the import tests, written with openpyxl the way people's files look --------


HEADERS = ["No", "NIK", "Nama Lengkap", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin", "Alamat", "Desa", "Kecamatan",
           "Pekerjaan", "No HP"]


def write_xlsx(path, sheets: dict) -> str:
    """sheets: {title: [row, ...]}, each row a list of cell values (None = empty cell)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return str(path)


def person(index=0, *, birth_date=datetime.date(1985, 5, 12), sex=MALE, desa="Kawa", kecamatan="Lamandau",
           occupation="Petani sawit", phone="0812 3456 7890", name=None, kecamatan_code="01", **overrides):
    """One valid row in HEADERS order (a unique NIK per index)."""
    nik = overrides.pop("nik", None) or make_nik(birth_date=birth_date, sex=sex, kecamatan=kecamatan_code, serial=1000 + index)
    row = {
        "No": index + 1,
        "NIK": nik,
        "Nama Lengkap": name or f"pekerja  uji {index}",
        "Tempat Lahir": "Nanga Bulik",
        "Tanggal Lahir": birth_date.strftime("%d-%m-%Y"),
        "Jenis Kelamin": "L" if sex == MALE else "P",
        "Alamat": "RT 01",
        "Desa": desa,
        "Kecamatan": kecamatan,
        "Pekerjaan": occupation,
        "No HP": phone,
    }
    row.update(overrides)
    return row


def rows_of(people, headers=HEADERS):
    return [[p.get(h) for h in headers] for p in people]


def simple_file(path, people, *, headers=HEADERS, title_rows=(("DAFTAR PEKERJA RENTAN DESA KAWA",), ()), footer=()):
    rows = [list(r) for r in title_rows] + [list(headers)] + rows_of(people, headers) + [list(r) for r in footer]
    return write_xlsx(path, {"Sheet1": rows})


# --- Records in the states the dashboard counts, written directly -----------------------------


_dashboard_kpj = itertools.count(10_000_000_001)
_factory_seed = itertools.count(1)


def cover(worker, funding, *, status=Coverage.Status.ACTIVE, start=None, end=None, jkk=True, jkm=True) -> Coverage:
    """A coverage of ``worker`` by ``funding`` in ``status`` (dates default to the period)."""
    registered = status in Coverage.REGISTERED
    return Coverage.objects.create(
        worker=worker,
        funding_source=funding,
        jkk=jkk,
        jkm=jkm,
        start_date=start or funding.period_start,
        end_date=end or funding.period_end,
        income_basis=funding.income_basis,
        status=status,
        kpj_number=str(next(_dashboard_kpj)) if registered else "",
        cancelled_at=timezone.now() if status == Coverage.Status.CANCELLED else None,
    )


def claim(coverage, *, status=Claim.Status.SUBMITTED, kind=Claim.Kind.JKK_MEDICAL, filed=None, paid_amount=None,
          **fields) -> Claim:
    """A claim on ``coverage`` in ``status``, filed at ``filed`` (an aware datetime; default now),
    with the timestamps the claims workflow's constraints ask of that status (``fields``: e.g. the
    death claim of a yearly scholarship)."""
    filed = filed or timezone.now()
    return Claim.objects.create(
        worker=coverage.worker, coverage=coverage, kind=kind, status=status, event_date=coverage.start_date,
        submitted_at=filed, **claim_workflow_fields(status, filed, paid_amount), **fields,
    )


def claim_workflow_fields(status, at, paid_amount) -> dict:
    reached = {
        Claim.Status.SUBMITTED: 0, Claim.Status.VERIFIED: 1, Claim.Status.APPROVED: 2, Claim.Status.PAID: 3,
        Claim.Status.REJECTED: 0,
    }[status]
    paid = status == Claim.Status.PAID
    return dict(
        verified_at=at if reached >= 1 else None,
        approved_at=at if reached >= 2 else None,
        rejected_at=at if status == Claim.Status.REJECTED else None,
        reject_reason="Dokumen tidak lengkap" if status == Claim.Status.REJECTED else "",
        paid_at=at if paid else None,
        paid_on=at.date() if paid else None,
        paid_amount=Decimal(paid_amount) if paid else None,
        benefit_amount=Decimal(paid_amount) if paid else None,
        payment_reference=f"TRF-{next(_dashboard_kpj)}" if paid else "",
    )


def pay(funding, amount, *, reference=None, paid_on=None) -> ContributionPayment:
    return ContributionPayment.objects.create(
        funding_source=funding,
        amount=Decimal(amount),
        paid_on=paid_on or funding.period_start,
        reference=reference or f"TRF-{next(_dashboard_kpj)}",
    )


def worker_in(desa_code=None, **overrides):
    """make_worker in a given desa (by code)."""
    desa = Desa.objects.select_related("kecamatan").get(code=desa_code) if desa_code else None
    return make_worker(desa=desa, **overrides)


def populate(funding, count, *, status=Coverage.Status.ACTIVE, claims=0):
    """``count`` synthetic workers spread over every desa, each covered by ``funding``, and
    ``claims`` claims on the first of them (bulk inserts: a few queries per thousand)."""
    run = next(_factory_seed)
    factory = WorkerFactory(seed=run, serial_start=run * 997)  # other serials than earlier calls
    desas = list(Desa.objects.select_related("kecamatan").order_by("code"))
    demo = [factory.worker(desas[index % len(desas)]) for index in range(count)]
    workers = save_workers(demo)
    coverages = Coverage.objects.bulk_create(
        [
            Coverage(
                worker=worker,
                funding_source=funding,
                start_date=funding.period_start,
                end_date=funding.period_end,
                income_basis=funding.income_basis,
                status=status,
                kpj_number=str(next(_dashboard_kpj)),
            )
            for worker in workers
        ]
    )
    filed = timezone.make_aware(datetime.datetime.combine(funding.period_start, datetime.time(9)))
    Claim.objects.bulk_create(
        [
            Claim(
                worker_id=coverage.worker_id,
                coverage=coverage,
                kind=Claim.Kind.JKK_MEDICAL,
                status=Claim.Status.SUBMITTED,
                event_date=coverage.start_date,
                submitted_at=filed,
            )
            for coverage in coverages[:claims]
        ]
    )
    return coverages
