"""Admin pages for the Excel exchange: uploading worker lists and BPJS answers, and BPJS exports.

Thin: every page checks the permission, parses the form and calls one function of
enrollment.import_batches or enrollment.bpjs. Files live privately under MEDIA_ROOT and are streamed
only through the permission-checked download views here.
"""

from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from core import queued_work
from core.admin import ModelAdmin, ReadOnlyAdminMixin, object_or_404
from core.models import ProgramRules
from core.uploads import private_file_response
from core.xlsx import FileProblem
from funding.models import FundingSource

from . import import_batches
from .areas import is_area_bound
from .bpjs import ExportError, export_bpjs
from .models import BpjsExport, ImportBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas Excel (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".xlsx", ".xlsm"):
            raise forms.ValidationError(_("Unggah berkas Excel .xlsx (berkas .xls lama, .csv atau .ods simpan dulu sebagai .xlsx)."))
        limit = ProgramRules.current().import_max_megabytes
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(_("Berkas melebihi batas %(max)d MB.") % {"max": limit})
        return upload


class WorkersUploadForm(_UploadForm):
    funding_source = forms.ModelChoiceField(queryset=FundingSource.objects.all(), label=_("Sumber dana"))
    start_date = forms.DateField(
        label=_("Tanggal mulai kepesertaan"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Kosongkan untuk memakai awal periode sumber dana."),
    )
    field_order = ["funding_source", "start_date", "file"]


class AnswerUploadForm(_UploadForm):
    funding_source = forms.ModelChoiceField(
        queryset=FundingSource.objects.all(), label=_("Sumber dana"), required=False,
        help_text=_("Opsional: hanya kepesertaan sumber dana ini yang diaktifkan."),
    )
    field_order = ["funding_source", "file"]


class ExportForm(forms.Form):
    funding_source = forms.ModelChoiceField(queryset=FundingSource.objects.all(), label=_("Sumber dana"))


def _download(field_file, filename):
    return private_file_response(field_file, filename=filename, content_type=XLSX)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Files come in through the upload pages and move only through the tasks and "confirm"."""

    list_display = ["created_at", "kind", "original_name", "funding_source", "status", "summary", "created_by"]
    list_filter = ["kind", "status", "funding_source"]
    list_select_related = ["funding_source", "created_by"]
    change_list_template = "admin/enrollment/importbatch/change_list.html"
    show_full_result_count = False

    def get_queryset(self, request):
        # Each role sees the kind of file it may import.
        queryset = super().get_queryset(request)
        kinds = [kind for kind in ImportBatch.Kind if import_batches.can_use(request.user, kind)]
        return queryset.filter(kind__in=kinds)

    @admin.display(description=_("hasil"))
    def summary(self, obj):
        result = obj.result or {}
        if not result:
            return "—"
        return _("%(rows)s baris, %(valid)s valid, %(errors)s kesalahan") % {
            "rows": result.get("rows", 0), "valid": result.get("valid", 0), "errors": result.get("error_count", 0)}

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_workers": import_batches.can_use(request.user, ImportBatch.Kind.WORKERS),
            "can_import_answer": import_batches.can_use(request.user, ImportBatch.Kind.BPJS_ANSWER),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), {"kind": ImportBatch.Kind.WORKERS}, name="enrollment_importbatch_upload"),
            path("upload-answer/", view(self.upload_view), {"kind": ImportBatch.Kind.BPJS_ANSWER},
                 name="enrollment_importbatch_upload_answer"),
            path("<path:object_id>/status/", view(require_GET(self.status_view)), name="enrollment_importbatch_status"),
            path("<path:object_id>/confirm/", view(require_POST(self.confirm_view)), name="enrollment_importbatch_confirm"),
            path("<path:object_id>/errors/", view(require_GET(self.errors_view)), name="enrollment_importbatch_errors"),
            *super().get_urls(),
        ]

    def _batch(self, request, object_id) -> ImportBatch:
        batch = object_or_404(ImportBatch.objects.select_related("funding_source", "created_by"), object_id)
        if not (self.has_view_permission(request, batch) and import_batches.can_use(request.user, batch.kind)):
            raise PermissionDenied
        return batch

    def upload_view(self, request, kind):
        if not import_batches.can_use(request.user, kind):
            raise PermissionDenied
        form_class = WorkersUploadForm if kind == ImportBatch.Kind.WORKERS else AnswerUploadForm
        form = form_class(request.POST or None, request.FILES or None)
        village = kind == ImportBatch.Kind.WORKERS and is_area_bound(request.user)
        if village:
            # Issue 14: a village proposes its list for a running program; the district picks the start.
            del form.fields["start_date"]
            form.fields["funding_source"].queryset = FundingSource.objects.filter(period_end__gte=timezone.localdate())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                batch = import_batches.create_batch(
                    kind=kind, upload=data["file"], by=request.user, funding=data.get("funding_source"),
                    start_date=data.get("start_date"),
                )
            except FileProblem as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(reverse("admin:enrollment_importbatch_change", args=[batch.pk]))
        title = ImportBatch.Kind(kind).label if kind == ImportBatch.Kind.BPJS_ANSWER else _("Impor daftar pekerja dari Excel")
        return self.page(request, "admin/enrollment/importbatch/upload.html", title,
                         form=form, kind=kind, village=village, limits=ProgramRules.current())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The batch page: progress while a task runs, then the preview and the confirm buttons."""
        batch = self._batch(request, object_id)
        result = batch.result or {}
        workers_url = submissions_url = None
        if batch.status == ImportBatch.Status.COMMITTED and batch.kind == ImportBatch.Kind.WORKERS:
            workers_url = reverse("admin:enrollment_worker_changelist") + "?" + urlencode(
                {"coverages__funding_source__id__exact": batch.funding_source_id})
            if result.get("submitted"):  # a village's upload (issue 14): its rows wait for the district
                workers_url = None
                submissions_url = reverse("admin:enrollment_submission_changelist") + "?" + urlencode(
                    {"import_batch__id__exact": batch.pk})
        return self.page(
            request, "admin/enrollment/importbatch/detail.html", str(batch),
            batch=batch,
            result=result,
            can_confirm=batch.status == ImportBatch.Status.CHECKED and result.get("valid", 0) > 0,
            workers_url=workers_url,
            submissions_url=submissions_url,
            village=is_area_bound(request.user),
            status_url=reverse("admin:enrollment_importbatch_status", args=[batch.pk]),
            waiting_message=queued_work.WAITING_MESSAGE,
        )

    def history_view(self, request, object_id, extra_context=None):
        self._batch(request, object_id)  # the kind this role imports: 403 for the others, as the page
        return super().history_view(request, object_id, extra_context)

    def status_view(self, request, object_id):
        batch = self._batch(request, object_id)
        waiting = {"waiting": str(queued_work.WAITING_MESSAGE)} if batch.waiting_for_queue and batch.is_running else {}
        return JsonResponse({
            **waiting,
            "status": batch.status, "status_display": batch.get_status_display(), "progress": batch.progress,
            "rows_read": batch.rows_read, "running": batch.is_running,
            "rows_read_display": ngettext("%(rows)s baris dibaca", "%(rows)s baris dibaca", batch.rows_read) % {
                "rows": batch.rows_read},
        })

    def confirm_view(self, request, object_id):
        batch = self._batch(request, object_id)
        skip_invalid = request.POST.get("skip_invalid") == "1"
        if not import_batches.confirm_batch(batch, skip_invalid=skip_invalid, by=request.user):
            self.message_user(request, _("Berkas ini tidak sedang menunggu konfirmasi."), messages.WARNING)
        return HttpResponseRedirect(reverse("admin:enrollment_importbatch_change", args=[batch.pk]))

    def errors_view(self, request, object_id):
        batch = self._batch(request, object_id)
        return _download(batch.errors_file, f"kesalahan-{Path(batch.original_name).stem}.xlsx")


@admin.register(BpjsExport)
class BpjsExportAdmin(ModelAdmin):
    list_display = ["created_at", "funding_source", "rows", "created_by", "download_link"]
    list_display_links = None
    list_filter = ["funding_source"]
    list_select_related = ["funding_source", "created_by"]

    @admin.display(description=_("berkas"))
    def download_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:enrollment_bpjsexport_download", args=[obj.pk]),
                           _("unduh .xlsx"))

    def has_add_permission(self, request):
        return request.user.has_perm("enrollment.export_bpjs") and request.user.has_perm("enrollment.submit_coverage")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/download/", self.admin_site.admin_view(require_GET(self.download_view)),
                 name="enrollment_bpjsexport_download"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Choose a funding source; its draft coverage is exported and marked submitted."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                export = export_bpjs(funding=form.cleaned_data["funding_source"], by=request.user)
            except ExportError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, ngettext(
                    "%(rows)d peserta diekspor; status kepesertaan menjadi diajukan ke BPJS.",
                    "%(rows)d peserta diekspor; status kepesertaan menjadi diajukan ke BPJS.",
                    export.rows,
                ) % {"rows": export.rows}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enrollment_bpjsexport_changelist"))
        return self.page(request, "admin/enrollment/bpjsexport/add.html", _("Ekspor kepesertaan draf ke BPJS"), form=form)

    def download_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        export = object_or_404(BpjsExport.objects.select_related("funding_source"), object_id)
        return _download(export.file, export.download_name)
