"""Demo data shaped like the real program of the news item (../shared/seed/).

- DBH-SAWIT-2024: 1,885 workers, 1 Aug – 31 Dec 2024 (ended), Rp158.340.000 (R-COST-1).
- DBH-SAWIT-2025: 3,200 workers, 400 in each of the 8 kecamatan, with heirs, 12 months of
  active JKK+JKM coverage: Rp645.120.000 (R-COST-1). Most 2024 workers continue in 2025.
- DBH-SAWIT-2026: the planned continuation, 1 Jan – 31 Dec 2026, quota 4,000, no workers yet.
- Accounts operator, bpjs, pimpinan (one per role) and admin (superuser).

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

from claims.demo import seed_claims
from core import roles
from core.audit import record_many
from core.models import AuditEvent
from enrollment.demo import WorkerFactory, save_workers
from enrollment.models import Coverage, Desa, Kecamatan
from enrollment.services import enroll_workers
from funding.demo import seed_billing
from funding.models import FundingSource, KecamatanTarget

ACCOUNTS = [
    ("operator", roles.OPERATOR, "Operator Disnakertrans", False),
    ("bpjs", roles.BPJS_STAFF, "Petugas BPJS KC Pangkalan Bun", False),
    ("pimpinan", roles.LEADERSHIP, "Staf Bupati Lamandau", False),
    ("keuangan", roles.FINANCE, "Staf BPKAD (Keuangan Daerah)", False),
    ("admin", None, "Administrator", True),
]

PROGRAMS = {
    "DBH-SAWIT-2024": dict(
        name="DBH Sawit 2024", fiscal_year=2024, period_start=datetime.date(2024, 8, 1),
        period_end=datetime.date(2024, 12, 31), coverage_months=5, quota=1885, budget=Decimal("158340000"),
    ),
    "DBH-SAWIT-2025": dict(
        name="DBH Sawit 2025", fiscal_year=2025, period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31), coverage_months=12, quota=3200, budget=Decimal("645120000"),
    ),
    "DBH-SAWIT-2026": dict(
        name="DBH Sawit 2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31), coverage_months=12, quota=4000, budget=Decimal("806400000"),
    ),
}

# 2024: uneven reach across kecamatan (the dashboard shows where it was thin).
WORKERS_2024 = {"01": 210, "02": 150, "03": 330, "04": 260, "05": 245, "06": 300, "07": 165, "08": 225}
# 2025: quota 3,200 over 8 kecamatan with targets of 250-400 each.
WORKERS_2025_PER_KECAMATAN = 400
TARGETS_2025 = {"01": 400, "02": 400, "03": 400, "04": 400, "05": 400, "06": 400, "07": 400, "08": 400}
TARGETS_2026 = {"01": 480, "02": 420, "03": 620, "04": 520, "05": 500, "06": 560, "07": 400, "08": 500}
# The two workers of DBH Sawit 2024 whose heirs received JKM at the handover (news item).
DECEASED_2024 = [datetime.date(2024, 11, 18), datetime.date(2024, 12, 9)]


class Command(BaseCommand):
    help = "Load the demo program (DBH Sawit 2024/2025/2026, workers, heirs, accounts). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the demo accounts (default: a random one, printed).")
        parser.add_argument("--force", action="store_true", help="Run even on a production configuration.")

    def handle(self, *args, password=None, force=False, **options):
        if not (settings.DEBUG or settings.DEMO_DATA_ALLOWED or force):
            raise CommandError(
                "Menolak memuat data demo pada konfigurasi produksi (DEBUG mati). Gunakan --force bila memang disengaja."
            )
        started = time.monotonic()
        password = password or secrets.token_urlsafe(9)
        with transaction.atomic():
            self.seed_accounts(password)
            sources = self.seed_funding()
            created = self.seed_workers(sources)
            seed_billing(sources)
        # Claims go through the durable claim verbs, so they run after the block above commits.
        claims = seed_claims()
        self.stdout.write(f"Klaim demo: {claims} baru.")
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

    def seed_funding(self):
        sources = {}
        for code, values in PROGRAMS.items():
            source, _created = FundingSource.objects.update_or_create(
                code=code, defaults={**values, "kind": FundingSource.Kind.DBH_SAWIT}
            )
            sources[code] = source
        kecamatan = {k.code[-2:]: k for k in Kecamatan.objects.all()}
        for code, targets in (("DBH-SAWIT-2025", TARGETS_2025), ("DBH-SAWIT-2026", TARGETS_2026)):
            for kec, target in targets.items():
                KecamatanTarget.objects.update_or_create(
                    funding_source=sources[code], kecamatan=kecamatan[kec], defaults={"target": target}
                )
        return sources

    def seed_workers(self, sources):
        source_2024, source_2025 = sources["DBH-SAWIT-2024"], sources["DBH-SAWIT-2025"]
        if Coverage.objects.filter(funding_source__in=[source_2024, source_2025]).exists():
            return 0  # already seeded
        factory = WorkerFactory(seed=2025)
        desa_by_kecamatan = {}
        for desa in Desa.objects.select_related("kecamatan"):
            desa_by_kecamatan.setdefault(desa.kecamatan.code[-2:], []).append(desa)
        demo = {}
        for kec, desas in sorted(desa_by_kecamatan.items()):
            # Desa near the kecamatan's centre get more workers.
            weights = [len(desas) - i for i in range(len(desas))]
            demo[kec] = [
                factory.worker(factory.random.choices(desas, weights)[0]) for _ in range(WORKERS_2025_PER_KECAMATAN)
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
        self._register(coverages_2024, datetime.date(2024, 7, 29), ended=True)
        self._register(coverages_2025, datetime.date(2024, 12, 27), ended=False)
        return len(everyone)

    def _register(self, coverages, registered_on, *, ended):
        """Move seeded coverage through submitted -> active (-> ended) in one update, audited.

        The KPJ number is derived from the worker's id, so a renewed worker keeps it.
        """
        now = timezone.now()
        status = Coverage.Status.ENDED if ended else Coverage.Status.ACTIVE
        Coverage.objects.filter(pk__in=[c.pk for c in coverages]).update(
            status=status,
            kpj_number=Concat(Value("24"), LPad(Cast("worker_id", CharField()), 9, Value("0"))),
            registered_on=registered_on,
            submitted_at=now,
            activated_at=now,
            ended_at=now if ended else None,
        )
        record_many(
            actor=None,
            objs=coverages,
            action=AuditEvent.Action.TRANSITION,
            changes_for=lambda c: {"status": ["draft", status], "kpj_number": ["", f"24{c.worker_id:09d}"]},
            note="seed_demo",
            parent_for=lambda c: c.worker,
        )
