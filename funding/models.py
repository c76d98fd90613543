import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import format_rupiah
from core.queued_work import QueuedWork

# R-RATE-1: the lowest declared income basis for BPU participants (PP 44/2015 Lampiran II).
MIN_INCOME_BASIS = Decimal("1000000")


class Program(models.TextChoices):
    JKK = "JKK", _("JKK (Jaminan Kecelakaan Kerja)")
    JKM = "JKM", _("JKM (Jaminan Kematian)")


def programs_of(jkk: bool, jkm: bool) -> list[str]:
    """The programs switched on, in the regulation's order (JKK, JKM)."""
    return [p for p, on in ((Program.JKK, jkk), (Program.JKM, jkm)) if on]


class FundingSourceQuerySet(models.QuerySet):
    def locked(self):
        """Rows locked until the transaction ends: the one way a funding source is locked."""
        return self.select_for_update()

    def lock(self, funding) -> "FundingSource":
        """The funding source row (an instance or a pk), locked until the transaction ends.

        Quota and budget (R-ENR-4), bills and certificate batches of one program are checked and
        changed under this lock, so enrolment, billing, renewal and batches serialise on it.
        """
        return self.locked().get(pk=getattr(funding, "pk", funding))


class FundingSource(models.Model):
    """A budget line that pays BPJS contributions for a group of workers (DBH Sawit 2025, ...)."""

    class Kind(models.TextChoices):
        # R-RATE-4: DBH Sawit is spent through the APBD, so it is public money.
        DBH_SAWIT = "dbh_sawit", _("DBH Sawit (melalui APBD)")
        APBD = "apbd", _("APBD")
        APBN = "apbn", _("APBN")
        OTHER = "other", _("Lainnya (bukan dana APBN/APBD)")

    code = models.CharField(
        _("kode"),
        max_length=40,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]*$", _("Kode hanya huruf besar, angka dan tanda '-'."))],
        help_text=_("Contoh: DBH-SAWIT-2025"),
    )
    name = models.CharField(_("nama"), max_length=120, help_text=_("Contoh: DBH Sawit 2025"))
    kind = models.CharField(_("jenis sumber dana"), max_length=20, choices=Kind.choices, default=Kind.DBH_SAWIT)
    fiscal_year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    period_start = models.DateField(_("awal periode"))
    period_end = models.DateField(_("akhir periode"))
    coverage_months = models.PositiveSmallIntegerField(
        _("lama kepesertaan (bulan)"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("R-ENR-2: akhir = mulai + bulan − 1 hari, paling lambat akhir periode."),
    )
    covers_jkk = models.BooleanField(_("program JKK"), default=True)
    covers_jkm = models.BooleanField(_("program JKM"), default=True)
    income_basis = models.DecimalField(
        _("dasar penghasilan per bulan"),
        max_digits=15,
        decimal_places=0,
        default=MIN_INCOME_BASIS,
        validators=[MinValueValidator(MIN_INCOME_BASIS, _("Dasar penghasilan minimal Rp1.000.000 (R-RATE-1)."))],
    )
    budget = models.DecimalField(
        _("anggaran"), max_digits=15, decimal_places=0, validators=[MinValueValidator(Decimal("0"))]
    )
    quota = models.PositiveIntegerField(_("kuota pekerja"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    objects = FundingSourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("sumber dana")
        verbose_name_plural = _("sumber dana")
        ordering = ["-fiscal_year", "code"]
        permissions = [
            ("renew_fundingsource", _("Dapat memperpanjang program ke tahun berikutnya")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="funding_code_unique"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="funding_period_order"),
            models.CheckConstraint(condition=Q(covers_jkk=True) | Q(covers_jkm=True), name="funding_has_program"),
            models.CheckConstraint(condition=Q(income_basis__gte=MIN_INCOME_BASIS), name="funding_min_income_basis"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.income_basis is not None and not IncomeBasis.objects.filter(amount=self.income_basis).exists():
            raise ValidationError({"income_basis": _(
                "Dasar penghasilan %(amount)s tidak ada di tabel dasar penghasilan (R-RATE-1, PP 44/2015 Lampiran II)."
            ) % {"amount": format_rupiah(self.income_basis)}})
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("Akhir periode tidak boleh sebelum awal periode.")})
        if not (self.covers_jkk or self.covers_jkm):
            raise ValidationError(_("Pilih paling sedikit satu program (JKK atau JKM)."))

    @property
    def is_public_funds(self) -> bool:
        """R-RATE-4: paid from APBN/APBD (DBH Sawit included): never gets the PP 50/2025 discount."""
        return self.kind != self.Kind.OTHER

    @property
    def programs(self) -> list[str]:
        return programs_of(self.covers_jkk, self.covers_jkm)


class IncomeBasis(models.Model):
    """R-RATE-1: a declared monthly income basis (*dasar penghasilan*) of the BPU income table.

    PP 44/2015 Lampiran II lists the bases participants may declare; only its lowest row,
    Rp1.000.000, is confirmed, so the table is data an administrator completes.
    """

    amount = models.DecimalField(
        _("dasar penghasilan per bulan"), max_digits=15, decimal_places=0, unique=True,
        validators=[MinValueValidator(MIN_INCOME_BASIS, _("Dasar penghasilan minimal Rp1.000.000 (R-RATE-1)."))],
    )
    regulation = models.CharField(_("dasar hukum"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("dasar penghasilan")
        verbose_name_plural = _("tabel dasar penghasilan")
        ordering = ["amount"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=MIN_INCOME_BASIS), name="income_basis_min")]

    def __str__(self):
        return format_rupiah(self.amount)


class ContributionRate(models.Model):
    """R-RATE-1/2/4: a monthly contribution rate of one program, valid for a date range.

    Either a percentage of the declared income basis (JKK 1%) or a fixed amount (JKM Rp6.800).
    """

    program = models.CharField(_("program"), max_length=3, choices=Program.choices)
    valid_from = models.DateField(_("berlaku mulai"))
    valid_until = models.DateField(_("berlaku sampai"), null=True, blank=True)
    percent_of_basis = models.DecimalField(
        _("persen dari dasar penghasilan"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    fixed_amount = models.DecimalField(_("nominal tetap per bulan"), max_digits=15, decimal_places=0, null=True, blank=True)
    regulation = models.CharField(_("dasar hukum"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("tarif iuran")
        verbose_name_plural = _("tarif iuran")
        ordering = ["program", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_of_basis__isnull=True, fixed_amount__isnull=False)
                | Q(percent_of_basis__isnull=False, fixed_amount__isnull=True),
                name="rate_percent_xor_fixed",
            ),
        ]

    def __str__(self):
        amount = f"{self.percent_of_basis}%" if self.percent_of_basis is not None else f"Rp{self.fixed_amount:,.0f}"
        return f"{self.program} {amount} ({self.valid_from:%d-%m-%Y}–{self.valid_until or '…'})"

    def clean(self):
        if (self.percent_of_basis is None) == (self.fixed_amount is None):
            raise ValidationError(_("Isi salah satu: persen dari dasar penghasilan atau nominal tetap."))


class ContributionDiscount(models.Model):
    """R-RATE-4: a temporary discount for BPU contributions (PP 50/2025), never for public funds."""

    class AppliesTo(models.TextChoices):
        TRANSPORT = "transport", _("Pekerja sektor transportasi")
        OTHERS = "others", _("Pekerja selain transportasi")
        ALL = "all", _("Semua pekerja")

    name = models.CharField(_("nama"), max_length=120)
    percent = models.DecimalField(_("potongan (%)"), max_digits=5, decimal_places=2)
    applies_to = models.CharField(_("berlaku untuk"), max_length=10, choices=AppliesTo.choices)
    valid_from = models.DateField(_("berlaku mulai"))
    valid_until = models.DateField(_("berlaku sampai"))
    jkk = models.BooleanField(_("JKK"), default=True)
    jkm = models.BooleanField(_("JKM"), default=True)

    class Meta:
        verbose_name = _("potongan iuran")
        verbose_name_plural = _("potongan iuran")
        ordering = ["valid_from"]

    def __str__(self):
        return self.name


class KecamatanTarget(models.Model):
    """R-ENR-4: guidance on how many workers each kecamatan should get; shown, not enforced."""

    funding_source = models.ForeignKey(
        FundingSource, verbose_name=_("sumber dana"), on_delete=models.CASCADE, related_name="targets"
    )
    kecamatan = models.ForeignKey("enrollment.Kecamatan", verbose_name=_("kecamatan"), on_delete=models.PROTECT)
    target = models.PositiveIntegerField(_("target pekerja"))

    class Meta:
        verbose_name = _("target kecamatan")
        verbose_name_plural = _("target kecamatan")
        constraints = [
            models.UniqueConstraint(fields=["funding_source", "kecamatan"], name="target_unique_per_kecamatan"),
        ]

    def __str__(self):
        return f"{self.kecamatan}: {self.target}"


class ContributionPayment(models.Model):
    """Money the regency transferred to BPJS for a funding source's contributions (R-PAY-1).

    Bills, the allocation of payments to bills and the lapse rule build on this (funding over
    the year); the dashboard's "paid to BPJS" is the sum of these amounts.
    """

    funding_source = models.ForeignKey(
        FundingSource, verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("tanggal bayar"))
    amount = models.DecimalField(
        _("jumlah"), max_digits=15, decimal_places=0, validators=[MinValueValidator(Decimal("1"))]
    )
    reference = models.CharField(_("nomor referensi"), max_length=100)
    proof = models.FileField(
        _("bukti pembayaran"), upload_to="pembayaran/%Y/", blank=True, max_length=200,
        help_text=_("PDF, JPG atau PNG bukti transfer/SP2D."),
    )
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dicatat oleh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembayaran iuran")
        verbose_name_plural = _("pembayaran iuran")
        ordering = ["-paid_on", "-pk"]
        permissions = [
            ("record_payment", _("Dapat mencatat pembayaran iuran ke BPJS")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["funding_source", "reference"], name="payment_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.funding_source.code} {self.reference}"


class Holiday(models.Model):
    """R-PAY-1: a public holiday; a due date falling on one (or on a weekend) moves to the next working day.

    Kept as data because the national holidays (SKB 3 Menteri) are set anew each year.
    """

    date = models.DateField(_("tanggal"))
    name = models.CharField(_("nama hari libur"), max_length=120)

    class Meta:
        verbose_name = _("hari libur")
        verbose_name_plural = _("hari libur")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["date"], name="holiday_date_unique")]

    def __str__(self):
        return f"{self.date:%d-%m-%Y} {self.name}"


class BillQuerySet(models.QuerySet):
    def with_paid(self):
        """Annotate ``paid_amount``: the sum allocated to each bill (status derives from it)."""
        return self.annotate(
            paid_amount=Coalesce(
                models.Subquery(
                    PaymentAllocation.objects.filter(bill=models.OuterRef("pk"))
                    .values("bill")
                    .annotate(total=models.Sum("amount"))
                    .values("total"),
                    output_field=models.DecimalField(max_digits=15, decimal_places=0),
                ),
                Value(Decimal("0")),
                output_field=models.DecimalField(max_digits=15, decimal_places=0),
            )
        )


class ContributionBill(models.Model):
    """The contributions a funding source owes BPJS for one month or a period paid at once (R-PAY-1).

    Its lines (``BillLine``) are one per coverage per contribution month (R-COST-1) and are never
    changed; ``total`` is their sum. Whether it is paid derives from the payments allocated to it.
    """

    class Status(models.TextChoices):
        UNPAID = "unpaid", _("Belum dibayar")
        PARTLY_PAID = "partly_paid", _("Dibayar sebagian")
        PAID = "paid", _("Lunas")

    funding_source = models.ForeignKey(
        FundingSource, verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="bills"
    )
    first_month = models.DateField(_("bulan pertama"), help_text=_("Tanggal 1 bulan iuran pertama."))
    last_month = models.DateField(_("bulan terakhir"), help_text=_("Tanggal 1 bulan iuran terakhir."))
    total = models.DecimalField(_("jumlah tagihan"), max_digits=15, decimal_places=0)
    coverage_count = models.PositiveIntegerField(_("jumlah kepesertaan"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dibuat oleh"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat pada"), auto_now_add=True)

    objects = BillQuerySet.as_manager()

    class Meta:
        verbose_name = _("tagihan iuran")
        verbose_name_plural = _("tagihan iuran")
        ordering = ["first_month", "pk"]
        permissions = [
            ("export_contributionbill", _("Dapat melihat dan mengunduh rincian tagihan (NIK/KPJ)")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(last_month__gte=models.F("first_month")), name="bill_month_order"),
            models.CheckConstraint(condition=Q(first_month__day=1) & Q(last_month__day=1), name="bill_months_first_day"),
            models.CheckConstraint(condition=Q(total__gt=0), name="bill_total_positive"),
        ]
        indexes = [models.Index(fields=["funding_source", "first_month"], name="bill_funding_month_idx")]

    def __str__(self):
        return _("Tagihan %(code)s %(period)s") % {"code": self.funding_source.code, "period": self.period_label}

    @property
    def period_label(self) -> str:
        if self.first_month == self.last_month:
            return f"{self.first_month:%m-%Y}"
        # Translators: "s.d." (sampai dengan) joins the first and the last month of a range.
        return _("%(first)s s.d. %(last)s") % {"first": f"{self.first_month:%m-%Y}", "last": f"{self.last_month:%m-%Y}"}

    def _paid(self) -> Decimal:
        paid = getattr(self, "paid_amount", None)
        if paid is None:
            paid = self.allocations.aggregate(total=models.Sum("amount"))["total"] or Decimal("0")
        return paid

    @property
    def outstanding(self) -> Decimal:
        return self.total - self._paid()

    @property
    def status(self) -> str:
        paid = self._paid()
        if paid <= 0:
            return self.Status.UNPAID
        if paid < self.total:
            return self.Status.PARTLY_PAID
        return self.Status.PAID

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class BillLine(models.Model):
    """One coverage's contribution for one month on a bill, per program (R-RATE-1/2/3, R-COST-1).

    A coverage's month is billed once: the unique constraint makes a second bill for the same
    month contain only what the first one did not (a supplementary bill).
    """

    bill = models.ForeignKey(ContributionBill, verbose_name=_("tagihan"), on_delete=models.CASCADE, related_name="lines")
    coverage = models.ForeignKey(
        "enrollment.Coverage", verbose_name=_("kepesertaan"), on_delete=models.PROTECT, related_name="bill_lines"
    )
    month = models.DateField(_("bulan iuran"))
    jkk = models.DecimalField(_("iuran JKK"), max_digits=15, decimal_places=0)
    jkm = models.DecimalField(_("iuran JKM"), max_digits=15, decimal_places=0)
    amount = models.DecimalField(_("jumlah"), max_digits=15, decimal_places=0)

    class Meta:
        verbose_name = _("rincian tagihan")
        verbose_name_plural = _("rincian tagihan")
        ordering = ["bill", "coverage", "month"]
        constraints = [
            models.UniqueConstraint(fields=["coverage", "month"], name="bill_line_once_per_month"),
            models.CheckConstraint(condition=Q(amount=models.F("jkk") + models.F("jkm")), name="bill_line_sum"),
            models.CheckConstraint(condition=Q(month__day=1), name="bill_line_month_first_day"),
        ]
        indexes = [models.Index(fields=["bill", "month"], name="bill_line_bill_month_idx")]

    def __str__(self):
        return f"{self.bill_id} · {self.coverage_id} · {self.month:%m-%Y}"


class PaymentAllocation(models.Model):
    """The part of a payment that settles a bill; a payment may settle several bills."""

    payment = models.ForeignKey(
        ContributionPayment, verbose_name=_("pembayaran"), on_delete=models.CASCADE, related_name="allocations"
    )
    bill = models.ForeignKey(ContributionBill, verbose_name=_("tagihan"), on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("jumlah"), max_digits=15, decimal_places=0)

    class Meta:
        verbose_name = _("alokasi pembayaran")
        verbose_name_plural = _("alokasi pembayaran")
        ordering = ["bill", "payment"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_once_per_bill"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self):
        return f"{self.payment} → {self.bill}"


def upload_invoice(instance, filename):
    """BPJS's invoice files get random names under MEDIA_ROOT, which is never served."""
    suffix = Path(filename).suffix.lower()[:8] or ".xlsx"
    return f"invoices/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class InvoiceComparison(QueuedWork):
    """BPJS's invoice file compared with one of our bills, read by a Celery task (never in the
    web request: a workbook can take seconds to read). The page polls this row, so the progress
    and the result survive a reload. Status fields as ``enrollment.ImportBatch`` (status,
    created_at, updated_at) and ``QueuedWork``'s, so the sweeper (core/queued_work.py) re-sends one
    whose message was lost or could not be sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu dibaca")
        READING = "reading", _("Sedang dibaca")
        DONE = "done", _("Selesai")
        REJECTED = "rejected", _("Berkas ditolak")
        FAILED = "failed", _("Gagal")

    RUNNING = {Status.QUEUED, Status.READING}

    bill = models.ForeignKey(ContributionBill, verbose_name=_("tagihan"), on_delete=models.CASCADE,
                             related_name="invoice_comparisons")
    file = models.FileField(_("berkas"), upload_to=upload_invoice, max_length=200)
    original_name = models.CharField(_("nama berkas"), max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("kemajuan (%)"), default=0)
    # The comparison (missing, extra, different, totals) or the invoice's errors.
    result = models.JSONField(_("hasil"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    message = models.TextField(_("pesan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diunggah oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("perbandingan tagihan BPJS")
        verbose_name_plural = _("perbandingan tagihan BPJS")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.bill} · {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING
