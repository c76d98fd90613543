"""The "Pengajuan desa" list (issue 14): village submissions and their verdicts.

One list for every role, scoped by the managers (core/areas.py): a village sees its rows, a
kecamatan its kecamatan's, the district all. The rows never change through a form; they move
only through the actions here, each calling one verb of enrollment/submissions.py, which checks
the permission and the area again: the district accepts (enrolled or waiting) or rejects with a
reason, the kecamatan checks, the village resubmits a fixed worker.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ModelAdmin, ReadOnlyAdminMixin

from .forms import RejectForm
from .models import Submission
from .services import EnrollmentError
from .submissions import SubmissionError, accept_submissions, check_submissions, reject_submissions, resubmit


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["worker_name", "status", "verdict", "worker_nik", "desa", "funding_source", "submitted_at"]
    list_display_links = ["worker_name"]
    list_filter = ["status", "funding_source", ("worker__desa__kecamatan", admin.RelatedOnlyFieldListFilter), "reason",
                   ("import_batch", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=worker__nik", "worker__full_name"]
    search_help_text = _("Cari NIK (16 angka) atau nama.")
    list_select_related = ["worker__desa", "funding_source"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["accept_action", "reject_action", "check_action", "resubmit_action"]
    fields = ["worker", "funding_source", "status", "import_batch", "submitted_at", "submitted_by", "checked_at",
              "checked_by", "decided_at", "decided_by", "reason", "note", "queue_at", "coverage"]
    readonly_fields = fields

    @admin.display(description=_("nama"), ordering="worker__full_name")
    def worker_name(self, obj):
        return obj.worker.full_name

    @admin.display(description=_("NIK"), ordering="worker__nik")
    def worker_nik(self, obj):
        return obj.worker.nik

    @admin.display(description=_("desa/kelurahan"), ordering="worker__desa__name")
    def desa(self, obj):
        return obj.worker.desa.name

    @admin.display(description=_("alasan dan catatan"))
    def verdict(self, obj):
        """What the village must read first: why the district rejected a row."""
        parts = [obj.get_reason_display() if obj.reason else "", obj.note]
        return " — ".join(part for part in parts if part) or "—"

    def has_decide_permission(self, request):
        return request.user.has_perm("enrollment.decide_submission")

    def has_check_permission(self, request):
        return request.user.has_perm("enrollment.check_submission")

    def has_resubmit_permission(self, request):
        return request.user.has_perm("enrollment.submit_village")

    def _failed(self, request, exc):
        for message in getattr(exc, "messages", [str(exc)]):
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Terima dan daftarkan (kabupaten)"), permissions=["decide"])
    def accept_action(self, request, queryset):
        try:
            enrolled, waiting = accept_submissions(list(queryset), request.user)
        except (SubmissionError, EnrollmentError) as exc:
            self._failed(request, exc)
            return None
        if enrolled:
            self.message_user(request, ngettext(
                "%(count)d pengajuan diterima dan didaftarkan (draf).",
                "%(count)d pengajuan diterima dan didaftarkan (draf).", len(enrolled)) % {"count": len(enrolled)},
                messages.SUCCESS)
        if waiting:
            self.message_user(request, ngettext(
                "%(count)d pengajuan diterima dan masuk daftar tunggu.",
                "%(count)d pengajuan diterima dan masuk daftar tunggu.", len(waiting)) % {"count": len(waiting)},
                messages.WARNING)
        return None

    @admin.action(description=_("Tolak dengan alasan (kabupaten)"), permissions=["decide"])
    def reject_action(self, request, queryset):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                try:
                    rejected = reject_submissions(list(queryset), request.user, form.cleaned_data["reason"],
                                                  form.cleaned_data["note"])
                except SubmissionError as exc:
                    self._failed(request, exc)
                else:
                    self.message_user(request, ngettext(
                        "%(count)d pengajuan ditolak; desa melihat alasannya.",
                        "%(count)d pengajuan ditolak; desa melihat alasannya.", len(rejected)) % {"count": len(rejected)},
                        messages.SUCCESS)
                return None
        else:
            form = RejectForm()
        return self.action_page(request, "admin/enrollment/submission/reject.html", _("Tolak pengajuan desa"),
                                form=form, submissions=queryset.select_related("worker__desa", "funding_source"))

    @admin.action(description=_("Tandai sudah diperiksa (kecamatan)"), permissions=["check"])
    def check_action(self, request, queryset):
        try:
            checked = check_submissions(list(queryset), request.user)
        except SubmissionError as exc:
            self._failed(request, exc)
            return None
        self.message_user(request, ngettext(
            "%(count)d pengajuan diperiksa; diteruskan ke kabupaten.",
            "%(count)d pengajuan diperiksa; diteruskan ke kabupaten.", len(checked)) % {"count": len(checked)},
            messages.SUCCESS)
        return None

    @admin.action(description=_("Ajukan ulang setelah diperbaiki (desa)"), permissions=["resubmit"])
    def resubmit_action(self, request, queryset):
        done = 0
        for submission in queryset:
            try:
                resubmit(submission, request.user)
                done += 1
            except SubmissionError as exc:
                self._failed(request, exc)
        if done:
            self.message_user(request, ngettext(
                "%(count)d pengajuan diajukan ulang.", "%(count)d pengajuan diajukan ulang.", done) % {"count": done},
                messages.SUCCESS)
        return None
