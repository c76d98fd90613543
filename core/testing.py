"""Builders for tests and benchmarks: valid objects with unique NIKs, overridable per test.

No factory library yet: these few functions are enough (see ../shared/style.md, Tests).
"""

import datetime
import itertools
from decimal import Decimal

from enrollment.models import Desa, Heir, Worker
from enrollment.nik import FEMALE, MALE
from funding.models import FundingSource

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


def on_day(day: datetime.date, hour: int = 9):
    """time-machine travel to ``day`` at ``hour`` WIB (the project's time zone): "today" pinned."""
    import zoneinfo

    import time_machine

    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=zoneinfo.ZoneInfo("Asia/Pontianak")))
