"""The certificates' admin: the documents, the batches, and the coverage list's action that makes
participation certificates (registered over funding's coverage admin, a layer below)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from claims.models import Claim
from core import queued_work
from core.admin import ModelAdmin, ReadOnlyAdminMixin, object_or_404
from enrollment.models import Coverage
from funding.admin import LapseCoverageAdmin
from funding.models import FundingSource

from . import batches
from .models import Certificate, CertificateBatch, CertificateBatchItem
from .rendering import CertificateError, is_outdated, request_certificate
from .tasks import enqueue_batch, resume_certificate_batch


admin.site.unregister(Coverage)


@admin.register(Coverage)
class CertifyingCoverageAdmin(LapseCoverageAdmin):
    """The coverage list with the action "make participation certificates": the last
    registration of the coverage admin (enrollment's, funding's lapse column, this action)."""

    actions = ["submit_action", "cancel_action", "render_certificate_action", "export_bpjs_action"]

    def has_render_certificate_permission(self, request):
        return request.user.has_perm("certificates.render_certificate")

    @admin.action(description=_("Buat sertifikat kepesertaan"), permissions=["render_certificate"])
    def render_certificate_action(self, request, queryset):
        done, failed, requested = 0, [], []
        for coverage in queryset.select_related("worker"):
            try:
                requested.append(request_certificate(kind="participation", subject=coverage, by=request.user))
                done += 1
            except CertificateError as exc:
                failed.append(str(exc))
        warn_when_waiting(request, requested)
        self._report(request, done, failed, ngettext(
            "%(count)d sertifikat kepesertaan sedang dibuat.", "%(count)d sertifikat kepesertaan sedang dibuat.", done,
        ))


# --- Documents (issue 5) --------------------------------------------------------------------



class MakeDocumentForm(forms.Form):
    """The documents not made from a coverage: a funding source's berita acara, a paid claim's certificate."""

    funding_source = forms.ModelChoiceField(
        FundingSource.objects.all(), required=False, label=_("Berita acara serah terima untuk sumber dana")
    )
    claim = forms.ModelChoiceField(
        Claim.objects.filter(status=Claim.Status.PAID).select_related("worker"), required=False,
        label=_("Sertifikat serah terima manfaat untuk klaim dibayar"),
    )

    def clean(self):
        data = super().clean()
        if not data.get("funding_source") and not data.get("claim"):
            raise forms.ValidationError(_("Pilih sumber dana atau klaim."))
        return data


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["code", "kind", "subject_display", "status", "outdated_in_list", "pages", "rendered_at", "download"]
    list_filter = ["kind", "status"]
    search_fields = [
        "=code", "coverage__worker__full_name", "=coverage__worker__nik", "=coverage__kpj_number",
        "claim__worker__full_name", "funding_source__code",
    ]
    search_help_text = _("Cari kode, nama, NIK, nomor KPJ atau kode sumber dana.")
    # Everything the outdated check of a participation or benefit row reads, in the list's query.
    list_select_related = [
        "coverage__worker__desa__kecamatan", "coverage__funding_source", "funding_source",
        "claim__worker", "claim__coverage__funding_source", "claim__claimant",
    ]
    list_per_page = 50
    show_full_result_count = False
    actions = ["render_action"]
    fields = ["kind", "subject_display", "code", "status", "error", "outdated", "pages", "checksum", "data_version",
              "attempts", "rendered_at", "download"]
    readonly_fields = fields
    change_list_template = "admin/certificates/certificate/change_list.html"

    @admin.display(description=_("untuk"))
    def subject_display(self, obj):
        return str(obj.subject)

    @admin.display(description=_("usang (data berubah)"), boolean=True)
    def outdated(self, obj):
        return is_outdated(obj)

    @admin.display(description=_("usang"), boolean=True)
    def outdated_in_list(self, obj):
        # The berita acara reads a whole funding source: checked on its own page, not per list row,
        # so the list keeps a constant number of queries.
        if obj.kind == Certificate.Kind.HANDOVER:
            return None
        return is_outdated(obj)

    @admin.display(description=_("berkas"))
    def download(self, obj):
        if obj.status != Certificate.Status.READY:
            return obj.error[:120] if obj.error else "—"
        return format_html('<a href="{}">{}</a>', reverse("certificates:download", args=[obj.pk]), _("unduh PDF"))

    def has_render_permission(self, request):
        return request.user.has_perm("certificates.render_certificate")

    @admin.action(description=_("Buat ulang dokumen terpilih"), permissions=["render"])
    def render_action(self, request, queryset):
        done, failed, requested = 0, [], []
        for certificate in queryset:
            try:
                requested.append(request_certificate(kind=certificate.kind, subject=certificate.subject, by=request.user))
                done += 1
            except CertificateError as exc:
                failed.append(str(exc))
        warn_when_waiting(request, requested)
        if done:
            self.message_user(request, ngettext(
                "%(count)d dokumen sedang dibuat ulang.", "%(count)d dokumen sedang dibuat ulang.", done,
            ) % {"count": done}, messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    def get_urls(self):
        return [
            path("buat/", self.admin_site.admin_view(self.make_view), name="certificates_certificate_make"),
            *super().get_urls(),
        ]

    def make_view(self, request):
        """Make a funding source's berita acara or a paid claim's benefit certificate."""
        if not self.has_render_permission(request):
            raise PermissionDenied
        form = MakeDocumentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            requested = [(Certificate.Kind.HANDOVER, form.cleaned_data["funding_source"]),
                         (Certificate.Kind.BENEFIT, form.cleaned_data["claim"])]
            try:
                made = [request_certificate(kind=kind, subject=subject, by=request.user)
                        for kind, subject in requested if subject is not None]
            except CertificateError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Dokumen sedang dibuat."), messages.SUCCESS)
                warn_when_waiting(request, made)
                return HttpResponseRedirect(reverse("admin:certificates_certificate_changelist"))
        return self.page(request, "admin/certificates/certificate/make.html", _("Buat dokumen"), form=form)


def warn_when_waiting(request, certificates) -> None:
    """Redis was down when the render was requested: say it waits and will start by itself."""
    if Certificate.objects.filter(pk__in=[c.pk for c in certificates], enqueue_failed_at__isnull=False).exists():
        messages.warning(request, queued_work.WAITING_MESSAGE)


class StartBatchForm(forms.Form):
    funding_source = forms.ModelChoiceField(FundingSource.objects.all(), label=_("Sumber dana"))


@admin.register(CertificateBatch)
class CertificateBatchAdmin(ModelAdmin):
    """Start a funding source's batch, watch its progress, download the merged PDF and the ZIP."""

    list_display = ["__str__", "status", "progress", "total", "started_by", "finished_at", "downloads"]
    list_filter = ["status", "funding_source"]
    list_select_related = ["funding_source", "started_by"]
    change_form_template = "admin/certificates/certificatebatch/progress.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            finished_count=Count("items", filter=Q(items__state__in=[CertificateBatchItem.State.DONE, CertificateBatchItem.State.FAILED]))
        )

    @admin.display(description=_("kemajuan"))
    def progress(self, obj):
        if obj.status == CertificateBatch.Status.DONE:
            return "100%"
        return f"{min(int(obj.finished_count * 100 / obj.total), 99) if obj.total else 0}%"

    @admin.display(description=_("unduh"))
    def downloads(self, obj):
        if obj.status != CertificateBatch.Status.DONE:
            return "—"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">ZIP</a>',
            reverse("certificates:batch_download", args=[obj.pk, "pdf"]),
            reverse("certificates:batch_download", args=[obj.pk, "zip"]),
        )

    def has_add_permission(self, request):
        return request.user.has_perm("certificates.render_certificate")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:pk>/progress/", self.admin_site.admin_view(self.progress_view),
                 name="certificates_certificatebatch_progress"),
            path("<int:pk>/resume/", self.admin_site.admin_view(self.resume_view),
                 name="certificates_certificatebatch_resume"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StartBatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = batches.start_certificate_batch(funding=form.cleaned_data["funding_source"], by=request.user)
            except batches.BatchError as exc:
                form.add_error("funding_source", str(exc))
            else:
                return HttpResponseRedirect(reverse("admin:certificates_certificatebatch_change", args=[batch.pk]))
        return self.page(request, "admin/certificates/certificatebatch/start.html",
                         _("Buat semua sertifikat kepesertaan"), form=form)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = object_or_404(CertificateBatch.objects.select_related("funding_source", "started_by"), object_id)
        failures = (
            batch.items.filter(state=CertificateBatchItem.State.FAILED).select_related("certificate__coverage__worker").order_by("position")[:200]
        )
        return self.page(
            request, self.change_form_template, _("Batch sertifikat: %s") % batch.funding_source,
            original=batch,
            batch=batch,
            progress=batches.batch_progress(batch.pk),
            waiting_message=queued_work.WAITING_MESSAGE,
            failures=failures,
            can_render=request.user.has_perm("certificates.render_certificate"),
            can_download=request.user.has_perm("certificates.download_certificate"),
        )

    def progress_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        get_object_or_404(CertificateBatch, pk=pk)
        return JsonResponse(batches.batch_progress(pk).as_dict())

    def resume_view(self, request, pk):
        """Resume a batch after a crash, or put its failed documents back to work."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("certificates.render_certificate"):
            raise PermissionDenied
        batch = get_object_or_404(CertificateBatch, pk=pk)
        if batch.status == CertificateBatch.Status.DONE:
            count = batches.retry_failed_items(batch, by=request.user)
            self.message_user(request, ngettext(
                "%(count)d dokumen gagal dicoba lagi.", "%(count)d dokumen gagal dicoba lagi.", count,
            ) % {"count": count}, messages.SUCCESS)
        else:
            enqueue_batch(batch, resume_certificate_batch)
            self.message_user(request, _("Batch dilanjutkan."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:certificates_certificatebatch_change", args=[batch.pk]))
