import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from claims.models import Claim
from demo.builders import make_funding
from enrollment.models import Coverage, Desa, Occupation
from enrollment.nik import FEMALE

from demo.builders import claim, cover, pay, worker_in

# Two kecamatan of Lamandau and their desa (../shared/data/lamandau_wilayah.csv).
KEC_A, DESA_A1, DESA_A2 = "62.09.01", "62.09.01.2001", "62.09.01.1012"  # Lamandau: Sungai Tuat, Tapin Bini
KEC_B = "62.09.02"


@dataclass
class Program:
    today: datetime.date
    past: object
    current: object
    workers: dict
    coverages: dict


def _years_ago(today, years, days=0):
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=days)


@pytest.fixture
def program(db):
    """Two funding sources around today, with every coverage state and claims.

    - ``past``: last fiscal year, period over; ``current``: this year, period runs 65 more days.
    - covered: w1 (past + current: once in "all"), w2, w3, w4 (current, active), w9 (past, ended).
    - not covered: w5 draft, w6 submitted, w7 cancelled, w8 ended early in the running program,
      w10 cancelled in the past program.
    - ending: w1 in 20 days, w2 in 45, w3 in 80 (w4 with the period, in 65).
    """
    today = timezone.localdate()
    past = make_funding(
        code="PAST", name="Program lalu", fiscal_year=today.year - 1, quota=10,
        period_start=datetime.date(today.year - 1, 1, 1), period_end=datetime.date(today.year - 1, 12, 31),
    )
    current = make_funding(
        code="NOW", name="Program berjalan", fiscal_year=today.year, quota=20,
        period_start=today - datetime.timedelta(days=200), period_end=today + datetime.timedelta(days=65),
    )
    desa_b = Desa.objects.filter(kecamatan__code=KEC_B).order_by("code").first().code
    w = {
        1: worker_in(DESA_A1, birth_date=_years_ago(today, 30)),
        2: worker_in(DESA_A1, birth_date=_years_ago(today, 50), sex=FEMALE, full_name="SITI RAHAYU"),
        3: worker_in(DESA_A2, birth_date=_years_ago(today, 25)),  # 25 today: band 25–34
        4: worker_in(desa_b, birth_date=_years_ago(today, 25, days=-1)),  # 25 tomorrow: band < 25
        5: worker_in(desa_b),
        6: worker_in(desa_b),
        7: worker_in(desa_b),
        8: worker_in(DESA_A1),
        9: worker_in(desa_b, birth_date=_years_ago(today, 64), sex=FEMALE),
        10: worker_in(DESA_A2),
    }
    w[1].occupations.set(Occupation.objects.filter(code__in=["petani-sawit", "ojek"]))
    w[2].occupations.set(Occupation.objects.filter(code="petani-sawit"))
    day = datetime.timedelta(days=1)
    c = {
        "1past": cover(w[1], past, status=Coverage.Status.ENDED),
        "1": cover(w[1], current, end=today + 20 * day),
        "2": cover(w[2], current, end=today + 45 * day, jkk=False),
        "3": cover(w[3], current, end=today + 80 * day),
        "4": cover(w[4], current),
        "5": cover(w[5], current, status=Coverage.Status.DRAFT),
        "6": cover(w[6], current, status=Coverage.Status.SUBMITTED),
        "7": cover(w[7], current, status=Coverage.Status.CANCELLED),
        "8": cover(w[8], current, status=Coverage.Status.ENDED, end=today - 10 * day),
        "9past": cover(w[9], past, status=Coverage.Status.ENDED),
        "10past": cover(w[10], past, status=Coverage.Status.CANCELLED),
    }
    last_year = timezone.make_aware(datetime.datetime(today.year - 1, 6, 3, 10))
    claim(c["1past"], status=Claim.Status.PAID, kind=Claim.Kind.JKM_DEATH, filed=last_year, paid_amount=42_000_000)
    claim(c["9past"], status=Claim.Status.PAID, kind=Claim.Kind.JKM_DEATH, filed=last_year, paid_amount=42_000_000)
    claim(c["2"], status=Claim.Status.SUBMITTED)
    claim(c["3"], status=Claim.Status.APPROVED)
    claim(c["4"], status=Claim.Status.REJECTED)
    pay(past, 1_000_000)
    pay(past, 500_000)
    pay(current, 2_000_000)
    return Program(today=today, past=past, current=current, workers=w, coverages=c)
