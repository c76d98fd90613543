import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.areas import area_rule, scoped_manager


class Claim(models.Model):
    """A JKM death or JKK work-accident benefit claim on a worker's coverage.

    Status moves only through the verbs in claims/services.py (see Claim.NEXT); each sets
    ``<status>_at`` and ``<status>_by`` and writes an audit row.
    """

    class Kind(models.TextChoices):
        JKM_DEATH = "jkm_death", _("JKM — meninggal dunia (bukan kecelakaan kerja)")
        JKK_MEDICAL = "jkk_medical", _("JKK — perawatan dan pengobatan")
        JKK_TEMPORARY = "jkk_temporary", _("JKK — sementara tidak mampu bekerja (STMB)")
        JKK_DISABILITY = "jkk_disability", _("JKK — cacat")
        JKK_DEATH = "jkk_death", _("JKK — meninggal akibat kecelakaan kerja")
        # R-JKM-4 "claimed yearly": one child's school year, on the worker's approved death claim.
        SCHOLARSHIP = "scholarship", _("Beasiswa anak (tahunan)")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Diajukan")
        VERIFIED = "verified", _("Diverifikasi")
        APPROVED = "approved", _("Disetujui")
        PAID = "paid", _("Dibayar")
        REJECTED = "rejected", _("Ditolak")

    class TransportMode(models.TextChoices):
        LAND = "land", _("Darat/sungai/danau")
        SEA = "sea", _("Laut")
        AIR = "air", _("Udara")

    class DisabilityType(models.TextChoices):
        TOTAL = "total", _("Cacat total tetap")
        ANATOMICAL = "anatomical", _("Cacat sebagian anatomis")
        FUNCTIONAL = "functional", _("Cacat sebagian fungsi")

    NEXT = {
        Status.SUBMITTED: {Status.VERIFIED, Status.REJECTED},
        Status.VERIFIED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.PAID},
    }
    DEATH_KINDS = (Kind.JKM_DEATH, Kind.JKK_DEATH)
    JKK_KINDS = (Kind.JKK_MEDICAL, Kind.JKK_TEMPORARY, Kind.JKK_DISABILITY, Kind.JKK_DEATH)
    # Kinds paid to an heir (R-HEIR-1) and that may carry scholarships (R-JKM-4).
    HEIR_KINDS = (*DEATH_KINDS, Kind.SCHOLARSHIP)
    OPEN_STATUSES = (Status.SUBMITTED, Status.VERIFIED, Status.APPROVED)

    worker = models.ForeignKey("enrollment.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(
        "enrollment.Coverage", verbose_name=_("kepesertaan"), on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("jenis klaim"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    event_date = models.DateField(_("tanggal kejadian"))
    event_place = models.CharField(_("tempat kejadian"), max_length=200, blank=True)
    description = models.TextField(_("uraian kejadian"), blank=True)
    # R-JKM-4: a yearly scholarship claim stands on the worker's approved death claim (its coverage,
    # event and program); empty for every other kind.
    death_claim = models.ForeignKey(
        "self", verbose_name=_("klaim kematian"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="scholarship_claims",
    )
    # The heir receiving a death benefit or a scholarship; empty for JKK benefits paid to the worker.
    claimant = models.ForeignKey(
        "enrollment.Heir", verbose_name=_("penerima (ahli waris)"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="claims",
    )
    benefit_amount = models.DecimalField(_("manfaat dihitung"), max_digits=15, decimal_places=0, null=True, blank=True)
    benefit_breakdown = models.JSONField(_("rincian manfaat"), default=list, blank=True)

    submitted_at = models.DateTimeField(_("diajukan pada"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("diajukan oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("diverifikasi pada"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("diverifikasi oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("disetujui pada"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("disetujui oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(_("ditolak pada"), null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ditolak oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reject_reason = models.TextField(_("alasan penolakan"), blank=True)
    paid_at = models.DateTimeField(_("dibayar pada"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("pembayaran dicatat oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField(_("tanggal transfer"), null=True, blank=True)
    paid_amount = models.DecimalField(_("jumlah dibayar"), max_digits=15, decimal_places=0, null=True, blank=True)
    payment_reference = models.CharField(_("referensi bank"), max_length=100, blank=True)
    # R-SLA-1: 1% of the benefit per day of lateness, added to what is paid.
    late_surcharge = models.DecimalField(_("tambahan keterlambatan"), max_digits=15, decimal_places=0, default=0)

    # Who receives the money. An heir (claimant) for death benefits; with no heir at all (R-HEIR-1)
    # the person who arranged the funeral; the worker for the other JKK benefits. The account is
    # copied at submission, so what BPJS verified against the bank book is what gets paid.
    arranger_name = models.CharField(
        _("nama yang mengurus pemakaman"), max_length=150, blank=True,
        help_text=_("Hanya bila pekerja tidak mempunyai ahli waris (R-HEIR-1)."),
    )
    arranger_nik = models.CharField(_("NIK yang mengurus pemakaman"), max_length=16, blank=True)
    filed_by_proxy = models.BooleanField(
        _("diajukan melalui kuasa"), default=False, help_text=_("Surat kuasa wajib dilampirkan (R-DOC-1).")
    )
    bank_name = models.CharField(_("nama bank penerima"), max_length=60, blank=True)
    bank_account_number = models.CharField(_("nomor rekening penerima"), max_length=30, blank=True)
    bank_account_holder = models.CharField(_("nama pemilik rekening"), max_length=150, blank=True)

    # JKK details (R-JKK-1..4): what the benefit is computed from.
    hospital_bill = models.DecimalField(
        _("tagihan rumah sakit"), max_digits=15, decimal_places=0, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text=_("R-JKK-1: sesuai kebutuhan medis, tanpa batas."),
    )
    home_care_cost = models.DecimalField(
        _("biaya homecare"), max_digits=15, decimal_places=0, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text=_("R-JKK-1: paling banyak Rp20.000.000 dalam 1 tahun."),
    )
    transport_mode = models.CharField(
        _("angkutan"), max_length=10, choices=TransportMode.choices, blank=True, help_text=_("R-JKK-2")
    )
    transport_cost = models.DecimalField(
        _("biaya angkutan"), max_digits=15, decimal_places=0, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    incapacity_months = models.PositiveSmallIntegerField(
        _("lama tidak mampu bekerja (bulan)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("R-JKK-3: STMB, bulan ke-1 s.d. 12 100%, bulan ke-13 dst. 50%."),
    )
    disability_type = models.CharField(_("jenis cacat"), max_length=12, choices=DisabilityType.choices, blank=True)
    disability_percent = models.DecimalField(
        _("persentase tabel cacat"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=_("R-JKK-4: persen menurut tabel."),
    )
    function_loss_percent = models.DecimalField(
        _("persentase kehilangan fungsi"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=_("R-JKK-4: hanya untuk cacat fungsi."),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = scoped_manager(area_rule("worker__desa"))  # core/areas.py

    class Meta:
        verbose_name = _("klaim")
        verbose_name_plural = _("klaim")
        ordering = ["-created_at", "-pk"]
        # Filing a claim is "add_claim"; each later move has its own permission (claims/services.py).
        permissions = [
            ("verify_claim", _("Dapat memverifikasi klaim")),
            ("approve_claim", _("Dapat menyetujui klaim")),
            ("reject_claim", _("Dapat menolak klaim")),
            ("pay_claim", _("Dapat mencatat pembayaran klaim")),
            ("view_claim_personal_data", _("Dapat melihat NIK lengkap dan nomor rekening pada klaim")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False, paid_amount__isnull=False)
                | (~Q(status="paid") & Q(paid_at__isnull=True)),
                name="claim_paid_at_iff_paid",
            ),
            # A worker dies once: one death claim (JKM or JKK) per worker, unless it was rejected.
            models.UniqueConstraint(
                fields=["worker"], condition=Q(kind__in=["jkm_death", "jkk_death"]) & ~Q(status="rejected"),
                name="claim_one_death_per_worker",
                violation_error_message=_("Pekerja ini sudah mempunyai klaim kematian."),
            ),
            # One bank transfer pays one claim.
            models.UniqueConstraint(
                fields=["payment_reference"], condition=~Q(payment_reference=""), name="claim_payment_reference_unique",
                violation_error_message=_("Referensi bank ini sudah dipakai untuk klaim lain."),
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="claim_paid_has_transfer",
                violation_error_message=_("Klaim yang dibayar harus mempunyai tanggal transfer dan referensi bank."),
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(benefit_amount__isnull=True)
                | Q(paid_amount=F("benefit_amount") + F("late_surcharge")),
                name="claim_paid_is_benefit_plus_surcharge",
                violation_error_message=_("Jumlah dibayar harus sama dengan manfaat ditambah tambahan keterlambatan."),
            ),
            models.CheckConstraint(
                condition=Q(status="rejected", rejected_at__isnull=False) & ~Q(reject_reason="")
                | ~Q(status="rejected") & Q(rejected_at__isnull=True),
                name="claim_rejected_at_iff_rejected",
                violation_error_message=_("Klaim ditolak harus mempunyai waktu dan alasan penolakan."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["verified", "approved", "paid"]) | Q(verified_at__isnull=False),
                name="claim_verified_before_approval",
                violation_error_message=_("Klaim harus diverifikasi sebelum disetujui atau dibayar."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(approved_at__isnull=False),
                name="claim_approved_before_payment",
                violation_error_message=_("Klaim harus disetujui sebelum dibayar."),
            ),
            # Nobody approves a claim they submitted (NULL = not yet approved passes).
            models.CheckConstraint(
                condition=~Q(approved_by=F("submitted_by")), name="claim_no_self_approval",
                violation_error_message=_("Klaim tidak boleh disetujui oleh yang mengajukannya."),
            ),
            models.CheckConstraint(
                condition=Q(benefit_amount__isnull=True) | Q(benefit_amount__gte=0), name="claim_benefit_not_negative"
            ),
            models.CheckConstraint(condition=Q(late_surcharge__gte=0), name="claim_surcharge_not_negative"),
            # Only death benefits go to an heir or to whoever arranged the funeral; scholarships to an heir.
            models.CheckConstraint(
                condition=Q(kind__in=["jkm_death", "jkk_death"])
                | Q(kind="scholarship", arranger_name="")
                | Q(claimant__isnull=True, arranger_name=""),
                name="claim_payee_by_kind",
                violation_error_message=_("Hanya klaim kematian dan beasiswa yang dibayarkan kepada ahli waris; manfaat JKK lain dibayarkan kepada pekerja."),
            ),
            models.CheckConstraint(
                condition=Q(kind="scholarship", death_claim__isnull=False) | (~Q(kind="scholarship") & Q(death_claim__isnull=True)),
                name="claim_scholarship_on_death_claim",
                violation_error_message=_("Klaim beasiswa tahunan harus merujuk klaim kematian pekerja."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="claim_status_idx"),
            models.Index(fields=["event_date"], name="claim_event_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()} · {self.worker}"

    @property
    def number(self) -> str:
        return f"KLM-{self.pk:06d}" if self.pk else "KLM-baru"

    @property
    def program(self) -> str:
        if self.kind == self.Kind.SCHOLARSHIP:
            # The scholarship of a JKK death (R-JKK-5) is JKK's; of a JKM death, JKM's (R-JKM-4).
            return self.death_claim.program if self.death_claim_id else "JKM"
        return "JKM" if self.kind == self.Kind.JKM_DEATH else "JKK"

    @property
    def title(self) -> str:
        """The kind as its content reads: a JKK claim for transport only is about transport
        (R-JKK-2), not "perawatan dan pengobatan" (R-JKK-1)."""
        if self.kind == self.Kind.JKK_MEDICAL:
            care = bool(self.hospital_bill or self.home_care_cost)
            if not care and self.transport_cost:
                return str(_("JKK — biaya angkutan"))
            if care and self.transport_cost:
                return str(_("JKK — perawatan, pengobatan dan biaya angkutan"))
        return self.get_kind_display()

    @property
    def is_death(self) -> bool:
        return self.kind in self.DEATH_KINDS

    @property
    def pays_heir(self) -> bool:
        """Paid to an heir (R-HEIR-1): death benefits and yearly scholarships."""
        return self.kind in self.HEIR_KINDS

    @property
    def has_scholarships(self) -> bool:
        """May name children for a scholarship (R-JKM-4)."""
        return self.kind in self.HEIR_KINDS

    @property
    def payee_name(self) -> str:
        """Who the money goes to: the heir, the funeral arranger, or the worker."""
        if self.claimant_id:
            return self.claimant.full_name
        if self.arranger_name:
            return self.arranger_name
        return self.worker.full_name

    def next_statuses(self) -> set:
        return self.NEXT.get(self.status, set())


def claim_document_path(document, filename):
    """Private path under MEDIA_ROOT (never routed): a random name, the extension of the sniffed type."""
    return f"claims/{document.claim_id}/{uuid.uuid4().hex}{DOCUMENT_EXTENSIONS[document.content_type]}"


# The content types accepted for claim documents and the extension they are stored with.
DOCUMENT_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class ClaimDocument(models.Model):
    """A supporting document of a claim (R-DOC-1, R-DOC-2), checked by content when uploaded.

    Documents are evidence: they are added, never replaced or deleted (a corrected scan is
    uploaded as another document of the same kind).
    """

    class Kind(models.TextChoices):
        KPJ_CARD = "kpj_card", _("Kartu peserta (KPJ)")
        KTP_WORKER = "ktp_worker", _("KTP pekerja")
        KTP_CLAIMANT = "ktp_claimant", _("KTP ahli waris/penerima")
        FAMILY_CARD = "family_card", _("Kartu Keluarga (KK)")
        DEATH_CERTIFICATE = "death_certificate", _("Akta/surat keterangan kematian")
        HEIRSHIP = "heirship", _("Surat keterangan ahli waris")
        MARRIAGE_BOOK = "marriage_book", _("Buku nikah")
        BANK_BOOK = "bank_book", _("Buku tabungan penerima")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Surat kuasa")
        FUNERAL_STATEMENT = "funeral_statement", _("Surat keterangan pengurusan pemakaman")
        ACCIDENT_REPORT_1 = "accident_report_1", _("Laporan kecelakaan tahap I")
        ACCIDENT_REPORT_2 = "accident_report_2", _("Laporan kecelakaan tahap II")
        DOCTOR_STATEMENT = "doctor_statement", _("Surat keterangan dokter")
        RECEIPTS = "receipts", _("Kuitansi pengobatan dan angkutan")
        # R-JKM-4 scholarships (what R-DOC asks of them: claims/documents.py).
        SCHOOL_CERTIFICATE = "school_certificate", _("Surat keterangan aktif sekolah/kuliah")
        CHILD_STATEMENT = "child_statement", _("Surat pernyataan anak belum menikah dan belum bekerja")
        MEDICAL_RECORD = "medical_record", _("Rekam medis")
        OTHER = "other", _("Lainnya")

    claim = models.ForeignKey(Claim, verbose_name=_("klaim"), on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("jenis dokumen"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("berkas"), upload_to=claim_document_path, max_length=200)
    original_name = models.CharField(_("nama berkas asli"), max_length=200)
    content_type = models.CharField(_("jenis isi"), max_length=40, choices=[(t, t) for t in DOCUMENT_EXTENSIONS])
    size = models.PositiveIntegerField(_("ukuran (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("diunggah pada"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diunggah oleh"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = scoped_manager(area_rule("claim__worker__desa"))  # core/areas.py

    class Meta:
        verbose_name = _("dokumen klaim")
        verbose_name_plural = _("dokumen klaim")
        ordering = ["claim", "kind", "uploaded_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


class ScholarshipChild(models.Model):
    """R-JKM-4: a child of a deceased worker receiving the education scholarship for one school year,
    in the death claim or in a yearly scholarship claim."""

    class Level(models.TextChoices):
        TK = "tk", _("TK")
        SD = "sd", _("SD")
        SMP = "smp", _("SMP")
        SMA = "sma", _("SMA")
        HIGHER = "higher", _("Perguruan tinggi/pelatihan")

    claim = models.ForeignKey(Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="scholarships")
    child = models.ForeignKey("enrollment.Heir", verbose_name=_("anak"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("jenjang pendidikan"), max_length=10, choices=Level.choices)
    school_year = models.PositiveSmallIntegerField(
        _("tahun ajaran"), null=True, blank=True, help_text=_("Tahun pertama tahun ajaran (Juli–Juni), mis. 2026 untuk 2026/2027.")
    )
    married = models.BooleanField(_("anak sudah menikah"), default=False, help_text=_("R-JKM-4: beasiswa berakhir."))
    working = models.BooleanField(_("anak sudah bekerja"), default=False, help_text=_("R-JKM-4: beasiswa berakhir."))
    # What the claim grants this child (0 when refused): computed at filing, fixed at approval, and
    # counted against the child's later years (R-JKM-4: years per level, Rp87.000.000 per child).
    amount = models.DecimalField(_("beasiswa diberikan"), max_digits=15, decimal_places=0, null=True, blank=True)

    objects = scoped_manager(area_rule("claim__worker__desa"))  # core/areas.py

    class Meta:
        verbose_name = _("penerima beasiswa")
        verbose_name_plural = _("penerima beasiswa")
        ordering = ["claim", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "child"], name="scholarship_child_once_per_claim"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="scholarship_amount_not_negative"),
        ]

    def __str__(self):
        year = f" {self.school_year}/{self.school_year + 1}" if self.school_year else ""
        return f"{self.child.full_name} ({self.get_level_display()}{year})"
