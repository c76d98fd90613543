"""Demo data shaped like the real program of the news item (../shared/seed/), told up to today.

The news item's programs keep their real dates and figures:

- DBH-SAWIT-2024: 1,885 workers, 1 Aug – 31 Dec 2024, Rp158.340.000 (R-COST-1), and the two
  workers who died in November and December 2024, whose heirs were paid 2 × Rp42.000.000.
- DBH-SAWIT-2025: 3,200 workers, 400 in each of the 8 kecamatan, with heirs, 12 months of
  JKK+JKM coverage: Rp645.120.000 (R-COST-1). Most 2024 workers continue in 2025 (same KPJ).

From 2026 on, the story is anchored to the day of seeding (``timezone.localdate()``):

- every year from 2026 up to the current one has its program (quota 4,000), renewed from the
  year before through ``funding.renewal.renew_funding`` (same KPJ; the dead, those over the age
  limit and those covered elsewhere are skipped by its rules) plus a few new workers;
- every program whose period is over is ended by the nightly task's own verb
  (``funding.expiry.end_expired_coverages``);
- the current year's program runs, billed up to this month and paid up to two months ago, with
  claims in every status; next year's program exists with its budget, awaiting renewal.

Seeding on another day tells the same story shifted (tests pin the day with time-machine).
Accounts operator, bpjs, pimpinan, keuangan (one per role), admin (superuser), and the area
accounts of issue 14: desa (Operator Desa of Bunut) and kecamatan (Operator Kecamatan of Bulik),
with a few village submissions of Bunut pending (demo/submissions.py).

Idempotent: a second run changes nothing but the accounts' passwords. Refuses to run on a
production configuration (DEBUG off, DEMO_DATA_ALLOWED not set) unless --force.
"""

import datetime
import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone

from core import roles
from core.audit import record_many
from core.models import AuditEvent
from enrollment.models import Coverage, Desa, ExternalCoverage, Kecamatan
from enrollment.services import enroll_workers
from funding.expiry import end_expired_coverages
from funding.models import FundingSource, KecamatanTarget
from funding.renewal import next_year_values, renew_funding

from demo.billing import seed_billing
from demo.builders import WorkerFactory, assign_area, save_workers
from demo.claims import seed_claims
from demo.submissions import seed_village_submissions

ACCOUNTS = [
    ("operator", roles.OPERATOR, "Operator Disnakertrans", False),
    ("bpjs", roles.BPJS_STAFF, "Petugas BPJS KC Pangkalan Bun", False),
    ("pimpinan", roles.LEADERSHIP, "Staf Bupati Lamandau", False),
    ("keuangan", roles.FINANCE, "Staf BPKAD (Keuangan Daerah)", False),
    ("admin", None, "Administrator", True),
    ("desa", roles.OPERATOR_DESA, "Operator Desa Bunut", False),
    ("kecamatan", roles.OPERATOR_KECAMATAN, "Operator Kecamatan Bulik", False),
]
# The area accounts' "wilayah tugas" (issue 14; the administrator sets them in the user admin).
AREAS = {
    "desa": {"desa": ["62.09.03.2006"]},  # Bunut, kecamatan Bulik
    "kecamatan": {"kecamatan": ["62.09.03"]},  # Bulik
}

# The news item's programs: real dates and figures, whatever the day of seeding.
PROGRAMS = {
    "DBH-SAWIT-2024": dict(
        name="DBH Sawit 2024", fiscal_year=2024, period_start=datetime.date(2024, 8, 1),
        period_end=datetime.date(2024, 12, 31), coverage_months=5, quota=1885, budget=Decimal("158340000"),
    ),
    "DBH-SAWIT-2025": dict(
        name="DBH Sawit 2025", fiscal_year=2025, period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31), coverage_months=12, quota=3200, budget=Decimal("645120000"),
    ),
}
FIRST_ANCHORED_YEAR = 2026
# From 2026: quota 4,000; budget = quota × Rp201.600, a year of JKK+JKM at the minimum basis (R-RATE-3).
QUOTA_FROM_2026 = 4000
YEARLY_PACKAGE = Decimal("201600")

# 2024: uneven reach across kecamatan (the dashboard shows where it was thin).
WORKERS_2024 = {"01": 210, "02": 150, "03": 330, "04": 260, "05": 245, "06": 300, "07": 165, "08": 225}
# 2025: quota 3,200 over 8 kecamatan with targets of 250-400 each.
WORKERS_2025_PER_KECAMATAN = 400
TARGETS_2025 = {"01": 400, "02": 400, "03": 400, "04": 400, "05": 400, "06": 400, "07": 400, "08": 400}
TARGETS_FROM_2026 = {"01": 480, "02": 420, "03": 620, "04": 520, "05": 500, "06": 560, "07": 400, "08": 500}
# The two workers of DBH Sawit 2024 whose heirs received JKM at the handover (news item).
DECEASED_2024 = [datetime.date(2024, 11, 18), datetime.date(2024, 12, 9)]
# Of the 400 workers of each kecamatan in 2025, the last OLD_PER_KECAMATAN turn 65 during the
# current year: renewed into it, over the age limit for next year's program (R-AGE-1).
OLD_PER_KECAMATAN = 2
# New workers per kecamatan in each program from 2026, starting in its fourth month (or now).
NEW_PER_KECAMATAN = 15
# Workers of the current program whom BPJS reports as registered through an employer for next
# year (R-ENR-5: covered elsewhere; the renewal skips them).
COVERED_ELSEWHERE = 3
EMPLOYER = "PT Sawit Lamandau Lestari (BPJS penerima upah)"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def anchored_values(year: int) -> dict:
    return dict(
        name=f"DBH Sawit {year}", fiscal_year=year, period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31), coverage_months=12, quota=QUOTA_FROM_2026,
        budget=QUOTA_FROM_2026 * YEARLY_PACKAGE,
    )


class Command(BaseCommand):
    help = "Load the demo program (DBH Sawit 2024, 2025, … up to next year; workers, heirs, claims, bills, accounts). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the demo accounts (default: a random one, printed).")
        parser.add_argument("--force", action="store_true", help="Run even on a production configuration.")

    def handle(self, *args, password=None, force=False, **options):
        if not (settings.DEBUG or settings.DEMO_DATA_ALLOWED or force):
            raise CommandError(
                "Menolak memuat data demo pada konfigurasi produksi (DEBUG mati). Gunakan --force bila memang disengaja."
            )
        today = timezone.localdate()
        if today.year < FIRST_ANCHORED_YEAR:
            raise CommandError(f"Data demo menceritakan program sampai hari ini: tanggal {today} sebelum {FIRST_ANCHORED_YEAR}.")
        started = time.monotonic()
        password = password or secrets.token_urlsafe(9)
        with transaction.atomic():
            self.seed_accounts(password)
            sources = self.seed_funding(today)
            created = self.seed_workers(sources, today)
            created += self.seed_later_years(sources, today)
        # The nightly task's verb ends every coverage whose period is over (each chunk durable).
        ended = end_expired_coverages(today=today)
        with transaction.atomic():
            seed_billing(sources, today=today)
        # Claims go through the durable claim verbs, so they run after the blocks above commit.
        claims = seed_claims(today=today)
        # Village submissions go through the durable submission verbs too.
        users = {user.username: user for user in get_user_model().objects.filter(username__in=["desa", "kecamatan", "operator"])}
        seed_village_submissions(today=today, village=users["desa"], subdistrict=users["kecamatan"],
                                 district=users["operator"])
        self.stdout.write(f"Hari ini {today:%d-%m-%Y}: {ended} kepesertaan diakhiri, {claims} klaim demo baru.")
        self.stdout.write(self.style.SUCCESS(
            f"Data demo siap dalam {time.monotonic() - started:.1f} s ({created} pekerja baru)."
        ))
        self.stdout.write("Akun demo (nama pengguna / kata sandi):")
        for username, group, _label, _superuser in ACCOUNTS:
            self.stdout.write(f"  {username:<9} / {password}   {group or 'superuser'}")

    def seed_accounts(self, password):
        User = get_user_model()
        for username, group_name, label, superuser in ACCOUNTS:
            user, _created = User.objects.get_or_create(username=username)
            user.first_name = label
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            if username in AREAS:
                assign_area(user, **AREAS[username])

    def seed_funding(self, today):
        """The news item's programs and one program per year from 2026 to next year."""
        programs = dict(PROGRAMS)
        for year in range(FIRST_ANCHORED_YEAR, today.year + 2):
            programs[f"DBH-SAWIT-{year}"] = anchored_values(year)
        sources = {}
        for code, values in programs.items():
            source, _created = FundingSource.objects.get_or_create(
                code=code, defaults={**values, "kind": FundingSource.Kind.DBH_SAWIT}
            )
            sources[code] = source
        kecamatan = {k.code[-2:]: k for k in Kecamatan.objects.all()}
        for code, source in sources.items():
            if source.fiscal_year < 2025:
                continue
            targets = TARGETS_2025 if source.fiscal_year == 2025 else TARGETS_FROM_2026
            for kec, target in targets.items():
                KecamatanTarget.objects.get_or_create(
                    funding_source=source, kecamatan=kecamatan[kec], defaults={"target": target}
                )
        return sources

    def _desa_by_kecamatan(self):
        desa_by_kecamatan = {}
        for desa in Desa.objects.select_related("kecamatan").order_by("code"):
            desa_by_kecamatan.setdefault(desa.kecamatan.code[-2:], []).append(desa)
        return desa_by_kecamatan

    def seed_workers(self, sources, today):
        source_2024, source_2025 = sources["DBH-SAWIT-2024"], sources["DBH-SAWIT-2025"]
        if Coverage.objects.filter(funding_source__in=[source_2024, source_2025]).exists():
            return 0  # already seeded
        factory = WorkerFactory(seed=2025)
        desa_by_kecamatan = self._desa_by_kecamatan()
        # Turning 65 during the current year: 64 on its first day, 65 on next year's (R-AGE-1).
        old_from, old_until = datetime.date(today.year - 65, 1, 2), datetime.date(today.year - 65, 12, 31)
        demo = {}
        for kec, desas in sorted(desa_by_kecamatan.items()):
            # Desa near the kecamatan's centre get more workers.
            weights = [len(desas) - i for i in range(len(desas))]
            demo[kec] = [
                factory.worker(factory.random.choices(desas, weights)[0]) for _ in range(WORKERS_2025_PER_KECAMATAN - OLD_PER_KECAMATAN)
            ] + [
                factory.worker(desas[0], born_from=old_from, born_until=old_until) for _ in range(OLD_PER_KECAMATAN)
            ]
        # 2024 workers: the first WORKERS_2024[kec] of each kecamatan; the two who died in 2024
        # are extra workers of Bulik and Delang who did not continue into 2025.
        deceased = [factory.worker(desa_by_kecamatan["03"][0]), factory.worker(desa_by_kecamatan["02"][1])]
        for demo_worker, died_on in zip(deceased, DECEASED_2024):
            demo_worker.worker.died_on = died_on
        everyone = [d for kec in sorted(demo) for d in demo[kec]] + deceased
        save_workers(everyone)
        workers_2025 = [d.worker for kec in sorted(demo) for d in demo[kec]]
        workers_2024 = [d.worker for kec in sorted(demo) for d in demo[kec][: WORKERS_2024[kec]]]
        # Continuing workers of 2024 make room for the two who died (1,883 + 2 = 1,885).
        workers_2024 = workers_2024[: len(workers_2024) - len(deceased)] + [d.worker for d in deceased]
        record_many(actor=None, objs=[d.worker for d in everyone], action=AuditEvent.Action.CREATE, note="seed_demo")

        # Enrol through the same service as the admin: every rule is checked on the demo data too.
        coverages_2024 = enroll_workers(funding=source_2024, workers=workers_2024, start=source_2024.period_start, by=None, note="seed_demo")
        coverages_2025 = enroll_workers(funding=source_2025, workers=workers_2025, start=source_2025.period_start, by=None, note="seed_demo")
        self._register(coverages_2024, datetime.date(2024, 7, 29))
        self._register(coverages_2025, datetime.date(2024, 12, 27))
        return len(everyone)

    def seed_later_years(self, sources, today) -> int:
        """Each program from 2026 to this year: renewed from the year before, plus a few new workers."""
        operator = get_user_model().objects.get(username="operator")
        desa_by_kecamatan = self._desa_by_kecamatan()
        created = 0
        for year in range(FIRST_ANCHORED_YEAR, today.year + 1):
            source, target = sources[f"DBH-SAWIT-{year - 1}"], sources[f"DBH-SAWIT-{year}"]
            if target.coverages.exists():
                continue  # already seeded
            # The real renewal service: next year's values, skipping by its own rules.
            renew_funding(source=source, target_values=next_year_values(source) | {"code": target.code}, by=operator)
            self._register(
                list(target.coverages.filter(status=Coverage.Status.DRAFT)), target.period_start - datetime.timedelta(days=5)
            )
            factory = WorkerFactory(seed=year, serial_start=5000 + 97 * year)
            new = [
                factory.worker(desas[(i * 7) % len(desas)])
                for _kec, desas in sorted(desa_by_kecamatan.items()) for i in range(NEW_PER_KECAMATAN)
            ]
            save_workers(new)
            record_many(actor=None, objs=[d.worker for d in new], action=AuditEvent.Action.CREATE, note="seed_demo")
            start = month_start(min(today, target.period_start.replace(month=4)))
            coverages = enroll_workers(funding=target, workers=[d.worker for d in new], start=start, by=None, note="seed_demo")
            self._register(coverages, start - datetime.timedelta(days=3))
            created += len(new)
        current = sources[f"DBH-SAWIT-{today.year}"]
        if not ExternalCoverage.objects.filter(payer=EMPLOYER).exists():
            # BPJS's answer: a few of this year's workers are registered by an employer next year (R-ENR-5).
            nxt = sources[f"DBH-SAWIT-{today.year + 1}"]
            niks = current.coverages.filter(status=Coverage.Status.ACTIVE, worker__died_on__isnull=True).order_by("-worker_id")
            ExternalCoverage.objects.bulk_create([
                ExternalCoverage(nik=nik, payer=EMPLOYER, start_date=nxt.period_start, end_date=nxt.period_end,
                                 source="seed_demo: jawaban BPJS")
                for nik in niks.values_list("worker__nik", flat=True)[5:5 + COVERED_ELSEWHERE]
            ])
        return created

    def _register(self, coverages, registered_on):
        """Move seeded coverage from draft to active (BPJS registered it) in one update, audited.

        The KPJ number is derived from the worker's id, so a renewed worker keeps it. Coverage
        whose period is over is ended afterwards by the nightly task's verb.
        """
        now = timezone.now()
        status = Coverage.Status.ACTIVE
        Coverage.objects.filter(pk__in=[c.pk for c in coverages]).update(
            status=status,
            kpj_number=Concat(Value("24"), LPad(Cast("worker_id", CharField()), 9, Value("0"))),
            registered_on=registered_on,
            submitted_at=now,
            activated_at=now,
        )
        record_many(
            actor=None,
            objs=coverages,
            action=AuditEvent.Action.TRANSITION,
            changes_for=lambda c: {"status": ["draft", status], "kpj_number": ["", f"24{c.worker_id:09d}"]},
            note="seed_demo",
            parent_for=lambda c: c.worker,
        )
