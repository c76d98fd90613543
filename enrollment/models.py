import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.areas import NOTHING, area_rule, scoped_manager, unscoped
from core.queued_work import QueuedWork
from funding.contributions import validate_income_basis
from funding.models import programs_of

from . import normalize
from .nik import FEMALE, MALE, heir_nik_error, identity_errors, parse_nik, validate_kk_number, validate_nik

MAX_OCCUPATIONS = 2  # R-ENR-6


class Kecamatan(models.Model):
    """A kecamatan of Kabupaten Lamandau (Kemendagri code 62.09.CC)."""

    code = models.CharField(_("kode"), max_length=8, unique=True)
    name = models.CharField(_("nama"), max_length=80)

    objects = scoped_manager(lambda scope: Q(pk__in=scope.kecamatan_ids))  # core/areas.py

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Desa(models.Model):
    """R-ENR-1: one of the 88 desa/kelurahan of Lamandau (62.09.CC.NNNN; NNNN 1xxx kelurahan, 2xxx desa)."""

    code = models.CharField(_("kode"), max_length=13, unique=True)
    name = models.CharField(_("nama"), max_length=80)
    kecamatan = models.ForeignKey(Kecamatan, verbose_name=_("kecamatan"), on_delete=models.PROTECT, related_name="desa")
    is_kelurahan = models.BooleanField(_("kelurahan"), default=False)

    objects = scoped_manager(area_rule("pk"))  # core/areas.py

    class Meta:
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")
        ordering = ["kecamatan__code", "name"]

    def __str__(self):
        return self.name


class Occupation(models.Model):
    """The managed list of informal occupations (petani sawit, buruh harian lepas, ojek, ...)."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=80)
    is_transport = models.BooleanField(
        _("sektor transportasi"), default=False, help_text=_("R-RATE-4: jadwal potongan PP 50/2025 berbeda.")
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("pekerjaan")
        verbose_name_plural = _("daftar pekerjaan")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Worker(models.Model):
    """A participant (peserta BPU): an informal worker whose contributions the regency pays."""

    class Sex(models.TextChoices):
        MALE = MALE, _("Laki-laki")
        FEMALE = FEMALE, _("Perempuan")

    nik = models.CharField(
        _("NIK"),
        max_length=16,
        validators=[validate_nik],
        help_text=_("16 angka sesuai KTP."),
        error_messages={"unique": _("NIK ini sudah terdaftar.")},
    )
    kk_number = models.CharField(_("nomor KK"), max_length=16, blank=True, validators=[validate_kk_number])
    full_name = models.CharField(_("nama lengkap"), max_length=150, help_text=_("Sesuai KTP."))
    birth_place = models.CharField(_("tempat lahir"), max_length=100, blank=True)
    birth_date = models.DateField(_("tanggal lahir"))
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    desa = models.ForeignKey(Desa, verbose_name=_("desa/kelurahan domisili"), on_delete=models.PROTECT, related_name="workers")
    occupations = models.ManyToManyField(
        Occupation,
        verbose_name=_("pekerjaan"),
        blank=True,
        related_name="workers",
        help_text=_("Paling banyak 2 pekerjaan (R-ENR-6)."),
    )
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True, help_text=_("Disimpan sebagai +62…"))
    monthly_income = models.DecimalField(
        _("dasar penghasilan per bulan"), max_digits=15, decimal_places=0, null=True, blank=True,
        validators=[validate_income_basis],
        help_text=_("Penghasilan yang dideklarasikan, minimal Rp1.000.000 (R-RATE-1); kosongkan bila tidak diketahui."),
    )
    died_on = models.DateField(_("tanggal meninggal"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = scoped_manager(area_rule("desa"))  # core/areas.py: a village account sees its villagers

    class Meta:
        verbose_name = _("pekerja")
        verbose_name_plural = _("pekerja")
        ordering = ["full_name", "pk"]
        constraints = [
            # A UniqueConstraint, not unique=True: one index, no extra varchar_pattern_ops index.
            models.UniqueConstraint(fields=["nik"], name="worker_nik_unique",
                                    violation_error_message=_("NIK ini sudah terdaftar.")),
        ]
        indexes = [models.Index(fields=["full_name"], name="worker_name_idx")]

    def __str__(self):
        return self.full_name

    def validate_constraints(self, exclude=None):
        # A NIK registered in another village is taken too: the unique check looks at the whole
        # regency, and its message says only that the NIK is registered, not where or to whom.
        with unscoped():
            super().validate_constraints(exclude=exclude)

    def clean(self):
        """Normalise, then R-NIK-2: sex and birth date must match what the NIK encodes."""
        self.full_name = normalize.person_name(self.full_name)
        self.nik = self.nik.strip() if self.nik else self.nik
        if self.phone:
            phone = normalize.phone(self.phone)
            if phone is None:
                raise ValidationError({"phone": _("Nomor HP %(value)s tidak dapat dipakai.") % {"value": self.phone}})
            self.phone = phone
        try:
            info = parse_nik(self.nik)
        except ValidationError:
            return  # reported by the field validator
        errors = identity_errors(info, sex=self.sex, birth_date=self.birth_date)
        if errors:
            raise ValidationError(errors)


class Heir(models.Model):
    """An ahli waris of a worker, with the bank account the benefit is transferred to."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("Istri/suami")
        CHILD = "child", _("Anak")
        PARENT = "parent", _("Orang tua")
        GRANDPARENT = "grandparent", _("Kakek/nenek")
        GRANDCHILD = "grandchild", _("Cucu")
        SIBLING = "sibling", _("Saudara kandung")
        PARENT_IN_LAW = "parent_in_law", _("Mertua")
        WILL = "will", _("Ditunjuk dalam wasiat")

    # R-HEIR-1 (PP 44/2015 art. 37 and 40): the class of each relationship; class 1 first.
    PRIORITY = {
        Relationship.SPOUSE: 1,
        Relationship.CHILD: 1,
        Relationship.PARENT: 2,
        Relationship.GRANDPARENT: 2,
        Relationship.GRANDCHILD: 2,
        Relationship.SIBLING: 3,
        Relationship.PARENT_IN_LAW: 4,
        Relationship.WILL: 5,
    }

    worker = models.ForeignKey(Worker, verbose_name=_("pekerja"), on_delete=models.CASCADE, related_name="heirs")
    relationship = models.CharField(_("hubungan"), max_length=20, choices=Relationship.choices)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[validate_nik])
    birth_date = models.DateField(_("tanggal lahir"), null=True, blank=True)
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True)
    bank_name = models.CharField(_("nama bank"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("nomor rekening"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("nama pemilik rekening"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = scoped_manager(area_rule("worker__desa"))  # core/areas.py

    class Meta:
        verbose_name = _("ahli waris")
        verbose_name_plural = _("ahli waris")
        ordering = ["worker", "pk"]

    def __str__(self):
        return f"{self.full_name} ({self.get_relationship_display()})"

    @property
    def priority_class(self) -> int:
        return self.PRIORITY[self.relationship]

    def clean(self):
        self.full_name = normalize.person_name(self.full_name)
        if self.bank_account_holder:
            self.bank_account_holder = normalize.person_name(self.bank_account_holder)
        if self.bank_account_number:
            self.bank_account_number = "".join(ch for ch in self.bank_account_number if ch.isdigit())
        if self.phone:
            phone = normalize.phone(self.phone)
            if phone is None:
                raise ValidationError({"phone": _("Nomor HP %(value)s tidak dapat dipakai.") % {"value": self.phone}})
            self.phone = phone
        error = heir_nik_error(self.nik, self.worker.nik) if self.nik and self.worker_id else None
        if error:
            raise ValidationError({"nik": error})


class CoverageQuerySet(models.QuerySet):
    def counting(self):
        """Coverages that take a place in the quota and budget (all but cancelled)."""
        return self.exclude(status=Coverage.Status.CANCELLED)

    def overlapping(self, start, end):
        return self.counting().filter(start_date__lte=end, end_date__gte=start)

    def registered(self):
        """Coverages registered at BPJS: active, or ended after being active (they carry a KPJ number).

        The one definition of "registered coverage" for bills, lapse, renewal, claims and reports.
        """
        return self.filter(status__in=Coverage.REGISTERED)

    def active_on(self, day):
        return self.filter(status=Coverage.Status.ACTIVE, start_date__lte=day, end_date__gte=day)

    def holding_place(self):
        """Coverages that take a place in the quota (R-ENR-4): counting ones, except those ended by
        the worker's death, whose place is free again (their months up to the death still cost)."""
        return self.counting().exclude(status=Coverage.Status.ENDED, end_reason=Coverage.EndReason.DEATH)


class Coverage(models.Model):
    """A worker's JKK/JKM protection paid by one funding source, for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        SUBMITTED = "submitted", _("Diajukan ke BPJS")
        ACTIVE = "active", _("Aktif")
        ENDED = "ended", _("Berakhir")
        CANCELLED = "cancelled", _("Dibatalkan")

    class EndReason(models.TextChoices):
        # Empty: ended on its end date. DEATH: ended on the date of death (enrollment/services.py
        # end_coverages_at_death, on approval of a death claim).
        DEATH = "death", _("Peserta meninggal dunia")

    # Registered at BPJS: active, or ended after being active (CoverageQuerySet.registered()).
    REGISTERED = (Status.ACTIVE, Status.ENDED)

    # The only moves; each one is a function in enrollment/services.py.
    NEXT = {
        Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED},
        Status.SUBMITTED: {Status.ACTIVE, Status.CANCELLED},
        Status.ACTIVE: {Status.ENDED, Status.CANCELLED},
    }

    # No index of their own: coverage_worker_period_idx and coverage_funding_status_idx lead with them,
    # and every coverage the import writes would keep two more indexes up to date.
    worker = models.ForeignKey(
        Worker, verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="coverages", db_index=False
    )
    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="coverages",
        db_index=False,
    )
    jkk = models.BooleanField(_("JKK"), default=True)
    jkm = models.BooleanField(_("JKM"), default=True)
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("berakhir"))
    income_basis = models.DecimalField(_("dasar penghasilan"), max_digits=15, decimal_places=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    kpj_number = models.CharField(_("nomor KPJ"), max_length=20, blank=True)
    registered_on = models.DateField(_("tanggal terdaftar di BPJS"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("diajukan pada"), null=True, blank=True)
    activated_at = models.DateTimeField(_("diaktifkan pada"), null=True, blank=True)
    ended_at = models.DateTimeField(_("berakhir pada"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan pada"), null=True, blank=True)
    cancel_reason = models.CharField(_("alasan pembatalan"), max_length=255, blank=True)
    # db_default: rows written by COPY (the Excel import) without this column get "" too.
    end_reason = models.CharField(
        _("alasan berakhir"), max_length=10, choices=EndReason.choices, blank=True, default="", db_default=""
    )
    # No database constraint, like the audit rows' actor (core.models.AuditEvent): always the
    # enrolling user, set to NULL by the ORM when a user is deleted; spares PostgreSQL one lookup
    # of that user per coverage at commit (100,000 per 100,000-row import, issue 13).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("didaftarkan oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = scoped_manager(area_rule("worker__desa"), CoverageQuerySet)  # core/areas.py

    class Meta:
        verbose_name = _("kepesertaan")
        verbose_name_plural = _("kepesertaan")
        ordering = ["-start_date", "pk"]
        permissions = [
            ("submit_coverage", _("Dapat mengajukan kepesertaan ke BPJS")),
            ("activate_coverage", _("Dapat mengaktifkan kepesertaan (nomor KPJ)")),
            ("cancel_coverage", _("Dapat membatalkan kepesertaan")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="coverage_period_order"),
            models.CheckConstraint(condition=Q(jkk=True) | Q(jkm=True), name="coverage_has_program"),
            models.CheckConstraint(
                condition=~Q(status__in=["active", "ended"]) | ~Q(kpj_number=""), name="coverage_active_has_kpj"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False) | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="coverage_cancelled_at_iff_cancelled",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "start_date", "end_date"], name="coverage_worker_period_idx"),
            models.Index(fields=["funding_source", "status"], name="coverage_funding_status_idx"),
            models.Index(fields=["kpj_number"], name="coverage_kpj_idx"),
            models.Index(fields=["end_date"], name="coverage_end_idx"),
        ]

    def __str__(self):
        # An unsaved coverage (the admin's add form) has no end date yet: its period shows "?".
        start, end = (f"{day:%d-%m-%Y}" if day else "?" for day in (self.start_date, self.end_date))
        worker = self.worker if self.worker_id else "?"
        funding = self.funding_source if self.funding_source_id else "?"
        return f"{worker} · {funding} ({start}–{end})"

    @property
    def programs(self) -> list[str]:
        return programs_of(self.jkk, self.jkm)

    @property
    def is_registered(self) -> bool:
        """Registered at BPJS: active, or ended after being active (CoverageQuerySet.registered())."""
        return self.status in self.REGISTERED

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date


class ExternalCoverage(models.Model):
    """R-ENR-5: BPJS says this NIK is already registered through another payer for a period.

    Filled from BPJS's answer file; enrolment refuses a worker covered here in the same period.
    """

    nik = models.CharField(_("NIK"), max_length=16, db_index=True)
    payer = models.CharField(_("pembayar iuran"), max_length=120)
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("berakhir"))
    source = models.CharField(_("sumber informasi"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    objects = scoped_manager(NOTHING)  # BPJS's records of other payers: never an area's to read

    class Meta:
        verbose_name = _("kepesertaan melalui pembayar lain")
        verbose_name_plural = _("kepesertaan melalui pembayar lain")
        ordering = ["nik", "start_date"]

    def __str__(self):
        return f"{self.nik} · {self.payer}"


def _private_name(folder, filename) -> str:
    """Uploaded and generated files get random names under MEDIA_ROOT, which is never served."""
    suffix = Path(filename).suffix.lower()[:8] or ".xlsx"
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def upload_import(instance, filename):
    return _private_name("imports", filename)


def upload_import_errors(instance, filename):
    return _private_name("import-errors", filename)


def upload_bpjs_export(instance, filename):
    return _private_name("bpjs-exports", filename)


class ImportBatch(QueuedWork):
    """One uploaded Excel file (a workers list or BPJS's answer) and what became of it.

    The upload page polls this row, so the preview and the progress survive a reload; the
    Celery tasks move it through Status and store the result.
    """

    class Kind(models.TextChoices):
        WORKERS = "workers", _("Daftar pekerja")
        BPJS_ANSWER = "bpjs_answer", _("Jawaban BPJS (nomor KPJ)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu pemeriksaan")
        CHECKING = "checking", _("Sedang diperiksa")
        CHECKED = "checked", _("Pratinjau siap")
        COMMITTING = "committing", _("Sedang disimpan")
        COMMITTED = "committed", _("Tersimpan")
        REJECTED = "rejected", _("Berkas ditolak")
        FAILED = "failed", _("Gagal")

    RUNNING = {Status.QUEUED, Status.CHECKING, Status.COMMITTING}

    kind = models.CharField(_("jenis berkas"), max_length=20, choices=Kind.choices, default=Kind.WORKERS)
    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="import_batches",
    )
    start_date = models.DateField(_("tanggal mulai kepesertaan"), null=True, blank=True)
    file = models.FileField(_("berkas"), upload_to=upload_import, max_length=200)
    original_name = models.CharField(_("nama berkas"), max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    rows_read = models.PositiveIntegerField(_("baris dibaca"), default=0)
    skip_invalid = models.BooleanField(_("hanya baris yang valid"), default=False)
    # The summary of the last check or commit: the counts and the first errors and warnings.
    result = models.JSONField(_("hasil"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(_("pesan"), blank=True)
    errors_file = models.FileField(_("berkas kesalahan"), upload_to=upload_import_errors, blank=True, max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diunggah oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who confirmed the commit: the sweeper sends the commit again in their name (issue 11).
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dikonfirmasi oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    # An area-bound account sees the files it uploaded itself (core/areas.py).
    objects = scoped_manager(lambda scope: Q(created_by_id=scope.user_id))

    class Meta:
        verbose_name = _("impor Excel")
        verbose_name_plural = _("impor Excel")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("import_workers", _("Dapat mengimpor daftar pekerja dari Excel")),
            ("import_bpjs_answer", _("Dapat mengimpor berkas jawaban BPJS (nomor KPJ)")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING


class BpjsExport(models.Model):
    """A file of draft coverage sent to BPJS for collective registration (kept to download again)."""

    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="bpjs_exports"
    )
    file = models.FileField(_("berkas"), upload_to=upload_bpjs_export, max_length=200)
    rows = models.PositiveIntegerField(_("jumlah peserta"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = scoped_manager(NOTHING)  # a program's whole registration file: never an area's

    class Meta:
        verbose_name = _("ekspor ke BPJS")
        verbose_name_plural = _("ekspor ke BPJS")
        ordering = ["-created_at", "-pk"]
        permissions = [("export_bpjs", _("Dapat mengekspor kepesertaan ke BPJS (pendaftaran kolektif)"))]

    def __str__(self):
        return f"{self.funding_source.code} · {self.created_at:%d-%m-%Y %H:%M}" if self.created_at else self.funding_source.code

    @property
    def download_name(self) -> str:
        return f"BPJS-{self.funding_source.code}-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.xlsx"


class OperatorArea(models.Model):
    """The desa and kecamatan an Operator Desa or Operator Kecamatan works for (issue 14).

    Set by the administrator in the user's admin page. Who is area-bound and what they see is
    decided in enrollment/areas.py (``scope_for``) and applied by core/areas.py to every query.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE, related_name="operator_area"
    )
    desa = models.ManyToManyField(Desa, verbose_name=_("desa/kelurahan"), blank=True, related_name="+")
    kecamatan = models.ManyToManyField(Kecamatan, verbose_name=_("kecamatan"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("wilayah tugas")
        verbose_name_plural = _("wilayah tugas")
        permissions = [("work_in_area", _("Bekerja hanya dalam wilayah tugasnya (desa/kecamatan)"))]

    def __str__(self):
        return str(self.user)


class AreaShare(models.Model):
    """A kecamatan's (or one desa's) share of a program's quota (issue 14, R-ENR-4's area targets
    made binding for the district's verdicts). Accepted village rows beyond it wait."""

    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), on_delete=models.CASCADE, related_name="area_shares"
    )
    kecamatan = models.ForeignKey(Kecamatan, verbose_name=_("kecamatan"), on_delete=models.PROTECT, related_name="+")
    desa = models.ForeignKey(
        Desa, verbose_name=_("desa/kelurahan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Kosongkan untuk bagian seluruh kecamatan."),
    )
    places = models.PositiveIntegerField(_("jatah peserta"))

    objects = scoped_manager(lambda scope: Q(kecamatan_id__in=scope.kecamatan_ids))  # core/areas.py

    class Meta:
        verbose_name = _("jatah wilayah")
        verbose_name_plural = _("jatah wilayah")
        ordering = ["funding_source", "kecamatan__code", "desa__code"]
        constraints = [
            models.UniqueConstraint(fields=["funding_source", "kecamatan"], condition=Q(desa__isnull=True),
                                    name="share_unique_per_kecamatan"),
            models.UniqueConstraint(fields=["funding_source", "desa"], condition=Q(desa__isnull=False),
                                    name="share_unique_per_desa"),
        ]

    def __str__(self):
        return f"{self.desa or self.kecamatan}: {self.places}"

    def clean(self):
        """The shares fit inside each other (issue 14): a desa lies in the share's kecamatan, the
        kecamatan shares of a program add up to at most its quota, and the desa shares of a
        kecamatan to at most that kecamatan's share (or the quota, when the kecamatan has none).
        Counted over the whole regency, whoever edits."""
        super().clean()
        if self.desa_id and not self.kecamatan_id:
            self.kecamatan_id = self.desa.kecamatan_id
        if not (self.funding_source_id and self.kecamatan_id and self.places is not None):
            return
        with unscoped():
            if self.desa_id and self.desa.kecamatan_id != self.kecamatan_id:
                raise ValidationError({"desa": _("Desa/kelurahan %(desa)s tidak berada di Kecamatan %(kecamatan)s.") % {
                    "desa": self.desa.name, "kecamatan": self.kecamatan.name}})
            others = AreaShare.objects.filter(funding_source_id=self.funding_source_id).exclude(pk=self.pk)
            quota = self.funding_source.quota
            kecamatan_share = others.filter(kecamatan_id=self.kecamatan_id, desa__isnull=True).values_list(
                "places", flat=True).first()
            desa_total = sum(others.filter(kecamatan_id=self.kecamatan_id, desa__isnull=False).values_list(
                "places", flat=True))
            if self.desa_id is None:
                total = sum(others.filter(desa__isnull=True).values_list("places", flat=True)) + self.places
                if total > quota:
                    raise ValidationError({"places": _(
                        "Jumlah jatah kecamatan %(name)s menjadi %(total)d, melebihi kuota %(quota)d."
                    ) % {"name": self.funding_source.name, "total": total, "quota": quota}})
                if desa_total > self.places:
                    raise ValidationError({"places": _(
                        "Jatah desa/kelurahan di Kecamatan %(kecamatan)s sudah %(total)d; jatah kecamatan tidak boleh "
                        "kurang dari itu."
                    ) % {"kecamatan": self.kecamatan.name, "total": desa_total}})
            else:
                limit = quota if kecamatan_share is None else kecamatan_share
                total = desa_total + self.places
                if total > limit:
                    what = (_("kuota %(name)s") % {"name": self.funding_source.name} if kecamatan_share is None
                            else _("jatah Kecamatan %(kecamatan)s") % {"kecamatan": self.kecamatan.name})
                    raise ValidationError({"places": _(
                        "Jumlah jatah desa/kelurahan di Kecamatan %(kecamatan)s menjadi %(total)d, melebihi %(what)s "
                        "(%(limit)d)."
                    ) % {"kecamatan": self.kecamatan.name, "total": total, "what": what, "limit": limit}})


class Submission(models.Model):
    """A worker a village proposes for a program (*diajukan desa*, issue 14, maker-checker).

    The village enters the worker (same form and rules as the district) or uploads its list; the
    kecamatan may check it first; the district accepts (enrolled through the one enrolment gate, or
    put on the waiting list beyond a share, the quota or the budget) or rejects with a reason. A
    rejected row is fixed and submitted again by the village. Every move is a verb in
    enrollment/submissions.py, audited under the worker.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Diajukan desa")
        CHECKED = "checked", _("Diperiksa kecamatan")
        REJECTED = "rejected", _("Ditolak")
        WAITING = "waiting", _("Daftar tunggu")
        ENROLLED = "enrolled", _("Didaftarkan")

    class Reason(models.TextChoices):
        IDENTITY = "identity", _("Data identitas tidak sesuai KTP/KK")
        NOT_RESIDENT = "not_resident", _("Bukan penduduk desa ini")
        NOT_ELIGIBLE = "not_eligible", _("Tidak termasuk pekerja rentan sasaran program")
        DUPLICATE = "duplicate", _("Sudah diajukan atau terdaftar")
        COVERED_ELSEWHERE = "covered_elsewhere", _("Sudah terdaftar melalui pembayar lain")
        DOCUMENTS = "documents", _("Dokumen pendukung kurang")
        OTHER = "other", _("Lainnya")

    OPEN = (Status.SUBMITTED, Status.CHECKED, Status.WAITING)

    # The only moves; each one is a verb in enrollment/submissions.py (waiting ones in
    # enrollment/waiting.py). The district decides submitted rows directly unless the kecamatan
    # check is switched on (ProgramRules.kecamatan_check): then only checked rows are accepted.
    NEXT = {
        Status.SUBMITTED: {Status.CHECKED, Status.REJECTED, Status.WAITING, Status.ENROLLED},
        Status.CHECKED: {Status.REJECTED, Status.WAITING, Status.ENROLLED},
        Status.WAITING: {Status.ENROLLED, Status.REJECTED},
        Status.REJECTED: {Status.SUBMITTED},
    }

    worker = models.ForeignKey(Worker, verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="submissions")
    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    import_batch = models.ForeignKey(
        ImportBatch, verbose_name=_("dari berkas"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("diajukan pada"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diajukan oleh"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("diperiksa pada"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diperiksa oleh"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("diputuskan pada"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diputuskan oleh"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("alasan penolakan"), max_length=20, choices=Reason.choices, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    # The waiting list's order (issue 14): time of submission, unless the district moves a row with
    # a reason (``queue_at`` then holds the moved time; the reason is audited).
    queue_at = models.DateTimeField(_("urutan antre"), null=True, blank=True)
    coverage = models.ForeignKey(
        Coverage, verbose_name=_("kepesertaan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)  # core.transitions.apply saves it

    objects = scoped_manager(area_rule("worker__desa"))  # core/areas.py

    class Meta:
        verbose_name = _("pengajuan desa")
        verbose_name_plural = _("pengajuan desa")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("submit_village", _("Dapat mengajukan pekerja dari desa")),
            ("check_submission", _("Dapat memeriksa pengajuan desa (kecamatan)")),
            ("decide_submission", _("Dapat menerima atau menolak pengajuan desa")),
            ("reorder_waiting", _("Dapat mengubah urutan daftar tunggu")),
        ]
        constraints = [
            # One open submission per worker and program; a rejected one is reopened, not duplicated.
            models.UniqueConstraint(fields=["worker", "funding_source"],
                                    condition=Q(status__in=["submitted", "checked", "waiting", "rejected"]),
                                    name="submission_one_open_per_program"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reason=""), name="submission_rejected_has_reason"),
            models.CheckConstraint(condition=~Q(status="enrolled") | Q(coverage__isnull=False),
                                   name="submission_enrolled_has_coverage"),
        ]
        indexes = [models.Index(fields=["funding_source", "status", "queue_at"], name="submission_queue_idx")]

    def __str__(self):
        return f"{self.worker} · {self.get_status_display()}"
