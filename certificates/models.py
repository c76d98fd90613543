"""The certificates' records: a rendered PDF document per (kind, subject), and the batches that
render every participation certificate of a funding source (issue 5).

Moved out of enrollment (issue 12) with their tables kept (``db_table``): the documents are about
coverages, funding sources and paid claims, so this app sits above claims in the layer order.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.areas import NOTHING, area_rule, scoped_manager
from core.queued_work import QueuedWork


class Certificate(QueuedWork):
    """A rendered PDF document: one per (kind, object), re-rendered in place (pretix invoice_pdf habit).

    ``code`` is printed in the QR code and never changes when the document is re-rendered, so a
    printed copy stays verifiable. ``data_version`` is the hash of the data the PDF was made from;
    comparing it with the hash of the current data tells whether the document is outdated
    (derived on read, no signals: certificates/rendering.py ``is_outdated``).
    """

    class Kind(models.TextChoices):
        PARTICIPATION = "participation", _("Sertifikat kepesertaan")
        HANDOVER = "handover", _("Berita acara serah terima")
        BENEFIT = "benefit", _("Sertifikat serah terima manfaat")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu dibuat")
        READY = "ready", _("Siap")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis dokumen"), max_length=20, choices=Kind.choices)
    # Exactly one subject, the one that matches the kind (see the constraints).
    coverage = models.ForeignKey(
        "enrollment.Coverage", verbose_name=_("kepesertaan"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="certificates",
    )
    claim = models.ForeignKey(
        "claims.Claim", verbose_name=_("klaim"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(_("kode verifikasi"), max_length=32, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("berkas PDF"), upload_to="certificates/", max_length=200, blank=True)
    checksum = models.CharField(_("SHA-256 berkas"), max_length=64, blank=True)
    data_version = models.CharField(_("versi data"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("halaman"), default=0)
    attempts = models.PositiveIntegerField(_("percobaan"), default=0)
    error = models.TextField(_("alasan gagal"), blank=True)
    rendered_at = models.DateTimeField(_("dibuat pada"), null=True, blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    # A village sees its villagers' participation and benefit documents, never a program's berita acara.
    objects = scoped_manager(area_rule("coverage__worker__desa", "claim__worker__desa"))  # core/areas.py

    class Meta:
        db_table = "enrollment_certificate"  # the table kept when the model moved out of enrollment
        verbose_name = _("dokumen sertifikat")
        verbose_name_plural = _("dokumen sertifikat")
        ordering = ["-updated_at", "-pk"]
        permissions = [
            ("render_certificate", _("Dapat membuat dan membuat ulang dokumen sertifikat")),
            ("download_certificate", _("Dapat mengunduh dokumen sertifikat")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="certificate_code_unique"),
            # One record per (kind, object): re-rendering overwrites, never a second record.
            models.UniqueConstraint(fields=["coverage"], condition=Q(kind="participation"), name="certificate_one_per_coverage"),
            models.UniqueConstraint(fields=["funding_source"], condition=Q(kind="handover"), name="certificate_one_per_funding"),
            models.UniqueConstraint(fields=["claim"], condition=Q(kind="benefit"), name="certificate_one_per_claim"),
            models.CheckConstraint(
                condition=Q(kind="participation", coverage__isnull=False, funding_source__isnull=True, claim__isnull=True)
                | Q(kind="handover", coverage__isnull=True, funding_source__isnull=False, claim__isnull=True)
                | Q(kind="benefit", coverage__isnull=True, funding_source__isnull=True, claim__isnull=False),
                name="certificate_subject_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code}"

    @property
    def subject(self):
        return {self.Kind.PARTICIPATION: self.coverage, self.Kind.HANDOVER: self.funding_source}.get(self.kind, self.claim)


class CertificateBatch(QueuedWork):
    """All participation certificates of one funding source, rendered by Celery workers.

    The work is one ``CertificateBatchItem`` row per certificate; workers claim rows with a
    conditional UPDATE, so a worker killed mid-batch loses nothing: its claims expire and are
    taken again (certificates/batches.py). The merged PDF and the ZIP are made once all items are done.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Sedang dibuat")
        ASSEMBLING = "assembling", _("Menggabungkan berkas")
        DONE = "done", _("Selesai")

    funding_source = models.ForeignKey(
        "funding.FundingSource", verbose_name=_("sumber dana"), on_delete=models.PROTECT, related_name="certificate_batches"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(_("jumlah dokumen"), default=0)
    merged_file = models.FileField(_("PDF gabungan"), upload_to="certificate-batches/", max_length=200, blank=True)
    zip_file = models.FileField(_("ZIP"), upload_to="certificate-batches/", max_length=200, blank=True)
    assembling_at = models.DateTimeField(_("mulai digabungkan"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dimulai oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dimulai pada"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)

    objects = scoped_manager(NOTHING)  # a whole program's batch: never an area's (core/areas.py)

    class Meta:
        db_table = "enrollment_certificatebatch"
        verbose_name = _("batch sertifikat")
        verbose_name_plural = _("batch sertifikat")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One unfinished batch per funding source: a second click joins the running one.
            models.UniqueConstraint(
                fields=["funding_source"], condition=~Q(status="done"), name="certificate_batch_one_open_per_funding"
            ),
        ]

    def __str__(self):
        return f"{self.funding_source} · {self.created_at:%d-%m-%Y %H:%M}" if self.created_at else str(self.funding_source)


class CertificateBatchItem(models.Model):
    """One certificate of a batch: the unit of work a worker claims, renders and marks done."""

    class State(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        CLAIMED = "claimed", _("Sedang dibuat")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    batch = models.ForeignKey(CertificateBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="items")
    certificate = models.ForeignKey(Certificate, verbose_name=_("dokumen"), on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("urutan"))
    state = models.CharField(_("keadaan"), max_length=10, choices=State.choices, default=State.PENDING)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(_("percobaan"), default=0)
    error = models.TextField(_("alasan gagal"), blank=True)

    objects = scoped_manager(NOTHING)  # core/areas.py

    class Meta:
        db_table = "enrollment_certificatebatchitem"
        verbose_name = _("dokumen dalam batch")
        verbose_name_plural = _("dokumen dalam batch")
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "certificate"], name="certificate_batch_item_unique"),
            models.UniqueConstraint(fields=["batch", "position"], name="certificate_batch_position_unique"),
        ]
        indexes = [models.Index(fields=["batch", "state", "position"], name="certificate_batch_state_idx")]

    def __str__(self):
        return f"{self.batch_id}#{self.position}"
