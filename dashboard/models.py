"""The monthly reports asked for (issue 11 + 16): a row each, so a request survives Redis being down."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.areas import scoped_manager
from core.queued_work import QueuedWork

FOLDER = "laporan-bulanan"


class MonthlyReport(QueuedWork):
    """One monthly report (laporan bulanan) asked for, from the dashboard or by the beat on the 1st
    (no requester). The row is the truth; the Celery message only nudges, and the sweeper
    (core/queued_work.py) sends it again when it was lost or could not be sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu dibuat")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    month = models.DateField(_("bulan"))  # its first day
    # The dashboard's filters as its query parameters: {"funding": …, "year": …|"all", "kecamatan": …}.
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("berkas"), upload_to=FOLDER, max_length=200, blank=True)
    message = models.TextField(_("pesan"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("diminta oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("diminta"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    # An area account (issue 14) lists and downloads only the reports it asked for, made within its
    # area (the row's filters carry its scope, see dashboard.report); the district sees them all.
    objects = scoped_manager(lambda scope: models.Q(requested_by_id=scope.user_id))  # core/areas.py

    class Meta:
        verbose_name = _("laporan bulanan")
        verbose_name_plural = _("laporan bulanan")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="done") | ~models.Q(file=""), name="monthly_report_done_has_file"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.filters}"

    @property
    def name(self) -> str:
        """The stored file's name (what the download URL carries), "" until it is made."""
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


class Dashboard(models.Model):
    """No table and no rows: the model that carries the dashboard's permission, which used to sit
    on core.ProgramRules (issue 12: core, the lowest layer, knew about the dashboard)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Dapat melihat dasbor cakupan"))]
        verbose_name = _("dasbor cakupan")
        verbose_name_plural = _("dasbor cakupan")
