from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change to a worker, heir, coverage, funding source or claim: who, when, old -> new.

    Modelled on django.contrib.admin's LogEntry, but written by our own functions (admin,
    services, imports), so that changes made outside the admin are audited too.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Dibuat")
        UPDATE = "update", _("Diubah")
        DELETE = "delete", _("Dihapus")
        TRANSITION = "transition", _("Perubahan status")
        IMPORT = "import", _("Impor")

    at = models.DateTimeField(_("waktu"), default=timezone.now, editable=False, db_index=True)
    # No database constraint (db_constraint=False), as on the types below: the actor is always the
    # request's or the task's own user, and deleting a user goes through the ORM, which sets it to
    # NULL (SET_NULL). PostgreSQL would look up the same user once per row at commit: the import
    # writes three audit rows per worker, ~2 s of a 100,000-row import (issue 13).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices)
    # No index of their own on content_type and parent_type: audit_object_idx and audit_parent_idx lead
    # with them, and the import writes three audit rows per worker (one index less to keep up each).
    # No database constraint on them either (db_constraint=False): the types come from
    # ContentType.objects.get_for_model, content types are never deleted (and PROTECT still stops
    # the ORM from deleting one that audit rows name), while PostgreSQL would check both columns of
    # every row at commit: 600,000 lookups of the same three rows, 1.6 s of a 100,000-row import.
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("jenis data"), on_delete=models.PROTECT, db_index=False, db_constraint=False,
    )
    object_id = models.CharField(_("ID data"), max_length=64)
    object_repr = models.CharField(_("data"), max_length=200)
    # The record this one belongs to (an heir's, a coverage's or a claim's worker), so that a worker's
    # history also lists changes to rows that no longer exist (a deleted heir).
    parent_type = models.ForeignKey(
        ContentType, verbose_name=_("jenis data induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,
    )
    parent_id = models.CharField(_("ID data induk"), max_length=64, blank=True)
    # {"field": [old, new]}; for a status change also {"status": ["draft", "submitted"]}.
    changes = models.JSONField(_("perubahan"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["parent_type", "parent_id"], name="audit_parent_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"


class ProgramRules(models.Model):
    """The regulation's numbers that ../shared/domain.md marks configurable, as one editable row.

    Read with ``ProgramRules.current()`` (one small query); an administrator changes them in the
    admin without a release.
    """

    kpj_length = models.PositiveSmallIntegerField(
        _("panjang nomor KPJ"), default=11, help_text=_("R-NIK-4: nomor KPJ BPJS Ketenagakerjaan, 11 digit.")
    )
    min_age = models.PositiveSmallIntegerField(
        _("usia minimal"), default=18, help_text=_("R-AGE-1: usia minimal pada tanggal mulai kepesertaan.")
    )
    max_age = models.PositiveSmallIntegerField(
        _("batas usia"),
        default=65,
        help_text=_("R-AGE-1: usia pada tanggal mulai harus di bawah angka ini."),
    )
    early_death_rule = models.BooleanField(
        _("aturan meninggal dalam masa awal"),
        default=True,
        help_text=_("R-JKM-3: meninggal dalam masa awal kepesertaan hanya mendapat biaya pemakaman."),
    )
    early_death_months = models.PositiveSmallIntegerField(
        _("masa awal kepesertaan (bulan)"), default=3, help_text=_("R-JKM-3")
    )
    early_death_benefit = models.DecimalField(
        _("manfaat meninggal dalam masa awal"),
        max_digits=15,
        decimal_places=0,
        default=Decimal("10000000"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("R-JKM-3: total santunan (Rp)."),
    )
    import_max_rows = models.PositiveIntegerField(
        _("baris maksimal per berkas impor"), default=100_000
    )
    import_max_megabytes = models.PositiveIntegerField(
        _("ukuran maksimal berkas impor (MB)"), default=50
    )
    # Issue 14: village submissions go to the Operator Kecamatan first; the district then accepts
    # only rows the kecamatan checked (it may still reject any). Off: the district decides directly.
    kecamatan_check = models.BooleanField(
        _("pengajuan desa diperiksa kecamatan dulu"), default=False,
        help_text=_("Bila dicentang, kabupaten hanya dapat menerima pengajuan desa yang sudah diperiksa kecamatan."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("aturan program")
        verbose_name_plural = _("aturan program")

    def __str__(self):
        return str(_("Aturan program"))

    @classmethod
    def current(cls) -> "ProgramRules":
        """The single row, created with the regulation's defaults on first use."""
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules
