from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Diajukan")
        VERIFIED = "verified", _("Diverifikasi")
        APPROVED = "approved", _("Disetujui")
        PAID = "paid", _("Dibayar")
        REJECTED = "rejected", _("Ditolak")

    NEXT = {
        Status.SUBMITTED: {Status.VERIFIED, Status.REJECTED},
        Status.VERIFIED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.PAID},
    }
    DEATH_KINDS = (Kind.JKM_DEATH, Kind.JKK_DEATH)

    worker = models.ForeignKey("enrollment.Worker", verbose_name=_("pekerja"), on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(
        "enrollment.Coverage", verbose_name=_("kepesertaan"), on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("jenis klaim"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    event_date = models.DateField(_("tanggal kejadian"))
    event_place = models.CharField(_("tempat kejadian"), max_length=200, blank=True)
    description = models.TextField(_("uraian kejadian"), blank=True)
    # The heir receiving a death benefit; empty for JKK benefits paid to the worker.
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
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("klaim")
        verbose_name_plural = _("klaim")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False, paid_amount__isnull=False)
                | (~Q(status="paid") & Q(paid_at__isnull=True)),
                name="claim_paid_at_iff_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="claim_status_idx"),
            models.Index(fields=["event_date"], name="claim_event_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.worker}"

    @property
    def program(self) -> str:
        return "JKM" if self.kind == self.Kind.JKM_DEATH else "JKK"
