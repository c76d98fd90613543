from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import AuditedModelAdmin, ModelAdmin, NotFoundMixin, object_or_404
from funding.models import FundingSource

from .areas import is_area_bound
from .bpjs import ExportError, export_bpjs
from .forms import ActivateForm, CancelForm, CoverageAddForm, EnrollForm, HeirForm, SubmitForm, WorkerForm
from .models import Coverage, Desa, ExternalCoverage, Heir, Kecamatan, Occupation, OperatorArea, Worker
from .nik import heir_nik_error
from .services import (
    CoverageError,
    EnrollmentError,
    activate_coverage,
    cancel_coverage,
    enroll_worker,
    enroll_workers,
    submit_coverage,
)
from .submissions import SubmissionError, submit_workers


@admin.register(Kecamatan)
class KecamatanAdmin(ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Desa)
class DesaAdmin(ModelAdmin):
    list_display = ["code", "name", "kecamatan", "is_kelurahan"]
    list_filter = ["kecamatan", "is_kelurahan"]
    search_fields = ["name", "code"]
    list_select_related = ["kecamatan"]


@admin.register(Occupation)
class OccupationAdmin(ModelAdmin):
    list_display = ["name", "code", "is_transport", "is_active"]
    list_filter = ["is_transport", "is_active"]
    search_fields = ["name"]


class HeirFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The worker may be new (no pk yet), so Heir.clean cannot compare the NIKs itself.
        worker_nik = self.instance.nik
        for form in self.forms:
            if form.cleaned_data.get("DELETE"):
                continue
            error = heir_nik_error(form.cleaned_data.get("nik"), worker_nik)
            if error:
                form.add_error("nik", error)


class HeirInline(admin.TabularInline):
    model = Heir
    form = HeirForm
    formset = HeirFormSet
    extra = 1
    fields = [
        "relationship", "full_name", "nik", "birth_date", "phone",
        "bank_name", "bank_account_number", "bank_account_holder",
    ]


class CoverageInline(admin.TabularInline):
    """The worker's coverage, read-only here: it changes only through the named actions."""

    model = Coverage
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ["funding_source", "jkk", "jkm", "start_date", "end_date", "status", "kpj_number"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("funding_source")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Worker)
class WorkerAdmin(AuditedModelAdmin):
    form = WorkerForm
    inlines = [HeirInline, CoverageInline]
    list_display = ["nik", "full_name", "sex", "birth_date", "desa", "kecamatan", "occupation_list", "phone"]
    list_display_links = ["nik", "full_name"]
    list_filter = [
        ("desa__kecamatan", admin.RelatedOnlyFieldListFilter),
        "desa",
        "coverages__status",
        "coverages__funding_source",
        "sex",
    ]
    search_fields = ["=nik", "full_name", "=coverages__kpj_number"]
    search_help_text = _("Cari NIK (16 angka), nama, atau nomor KPJ.")
    list_select_related = ["desa__kecamatan"]
    list_per_page = 50
    show_full_result_count = False
    filter_horizontal = ["occupations"]
    actions = ["enroll_action", "submit_village_action"]
    fieldsets = [
        (_("Identitas (sesuai KTP)"), {"fields": ["nik", "kk_number", "full_name", "birth_place", "birth_date", "sex"]}),
        (_("Domisili dan kontak"), {"fields": ["address", "desa", "phone"]}),
        (_("Pekerjaan"), {"fields": ["occupations", "monthly_income"]}),
        (_("Status"), {"fields": ["died_on"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("occupations")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.has_perm("enrollment.view_submission"):
            fieldsets = [*fieldsets, (_("Pengajuan desa"), {"fields": ["submission_verdicts"]})]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "submission_verdicts"]

    @admin.display(description=_("pengajuan dan keputusan"))
    def submission_verdicts(self, obj):
        """Issue 14: each submission of the worker with its verdict (reason and note), so the village
        sees why a row was rejected where it fixes the worker. Shown, not a form: it moves only
        through the "Pengajuan desa" actions."""
        rows = obj.submissions.select_related("funding_source").order_by("-submitted_at") if obj and obj.pk else []
        items = format_html_join("", "<li>{} · <strong>{}</strong>{}</li>", (
            (s.funding_source, s.get_status_display(),
             " · " + " — ".join(p for p in (s.get_reason_display() if s.reason else "", s.note) if p)
             if s.reason or s.note else "")
            for s in rows
        ))
        return format_html('<ul id="submission-verdicts">{}</ul>', items) if rows else "—"

    @admin.display(description=_("kecamatan"), ordering="desa__kecamatan__name")
    def kecamatan(self, obj):
        return obj.desa.kecamatan.name

    @admin.display(description=_("pekerjaan"))
    def occupation_list(self, obj):
        return ", ".join(o.name for o in obj.occupations.all())

    @admin.action(description=_("Daftarkan ke program (JKK/JKM)"), permissions=["enroll"])
    def enroll_action(self, request, queryset):
        workers = list(queryset.select_related("desa__kecamatan").prefetch_related("occupations"))
        if "apply" in request.POST:
            form = EnrollForm(request.POST, workers=workers)
            if form.is_valid():
                try:
                    created = enroll_workers(
                        funding=form.cleaned_data["funding_source"],
                        workers=workers,
                        start=form.cleaned_data["start_date"],
                        by=request.user,
                    )
                except EnrollmentError as exc:  # lost a race with another official
                    form.problems = exc.problems
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "%(count)d pekerja didaftarkan ke %(funding)s (draf).",
                            "%(count)d pekerja didaftarkan ke %(funding)s (draf).",
                            len(created),
                        )
                        % {"count": len(created), "funding": form.cleaned_data["funding_source"]},
                        messages.SUCCESS,
                    )
                    return None
        else:
            form = EnrollForm(workers=workers)
        return self.action_page(request, "admin/enrollment/worker/enroll.html", _("Daftarkan pekerja ke program"),
                                form=form, workers=workers, problems=form.problems)

    def has_enroll_permission(self, request):
        return request.user.has_perm("enrollment.add_coverage")

    # Village submissions (issue 14): an Operator Desa enters a worker with this same form, then
    # proposes it for a program on the page below; the district decides (admin_submissions.py).

    def has_submit_village_permission(self, request):
        return request.user.has_perm("enrollment.submit_village")

    @admin.action(description=_("Ajukan ke program"), permissions=["submit_village"])
    def submit_village_action(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:enrollment_worker_submit") + f"?ids={ids}")

    def response_add(self, request, obj, post_url_continue=None):
        # A village officer's new worker goes straight to "propose for a program" (the only thing
        # they can do next); "Simpan dan tambah lagi" and "Simpan dan lanjutkan" work as usual.
        if is_area_bound(request.user) and self.has_submit_village_permission(request) and "_save" in request.POST:
            self.message_user(request, _("Pekerja %(name)s tersimpan. Ajukan ke program di bawah ini.") % {
                "name": obj.full_name}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:enrollment_worker_submit") + f"?ids={obj.pk}")
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):
        return [
            path("submit/", self.admin_site.admin_view(self.submit_view), name="enrollment_worker_submit"),
            *super().get_urls(),
        ]

    def submit_view(self, request):
        """Propose the workers ``?ids=`` for a running program (enrollment.submissions.submit_workers)."""
        if not self.has_submit_village_permission(request):
            raise PermissionDenied
        ids = [part for part in request.GET.get("ids", "").split(",") if part.isdigit()]
        workers = list(Worker.objects.filter(pk__in=ids).select_related("desa__kecamatan"))  # the area scope applies
        form = SubmitForm(request.POST or None)
        problems = []
        if request.method == "POST" and workers and form.is_valid():
            try:
                created = submit_workers(workers, form.cleaned_data["funding_source"], request.user)
            except SubmissionError as exc:
                problems = exc.messages
            else:
                self.message_user(request, ngettext(
                    "%(count)d pekerja diajukan ke %(funding)s; menunggu keputusan kabupaten.",
                    "%(count)d pekerja diajukan ke %(funding)s; menunggu keputusan kabupaten.",
                    len(created),
                ) % {"count": len(created), "funding": form.cleaned_data["funding_source"]}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enrollment_submission_changelist"))
        return self.page(request, "admin/enrollment/worker/submit.html", _("Ajukan pekerja ke program"),
                         form=form, workers=workers, problems=problems)


class CoverageAdmin(AuditedModelAdmin):
    """The coverage list and page. Registered by ``funding.admin`` with the lapse column and filter
    (R-PAY-2): lapse is funding's billing knowledge, a layer above enrollment (README, layers)."""

    list_display = ["worker_name", "worker_nik", "funding_source", "programs_display", "start_date", "end_date", "status", "kpj_number"]
    list_filter = ["status", "funding_source", ("worker__desa__kecamatan", admin.RelatedOnlyFieldListFilter), "jkk", "jkm"]
    search_fields = ["=worker__nik", "worker__full_name", "=kpj_number"]
    search_help_text = _("Cari NIK, nama, atau nomor KPJ.")
    list_select_related = ["worker", "funding_source"]
    autocomplete_fields = ["worker"]
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = "start_date"
    actions = ["submit_action", "cancel_action", "export_bpjs_action"]
    readonly_fields = [
        "worker", "funding_source", "jkk", "jkm", "start_date", "end_date", "income_basis", "status", "kpj_number",
        "registered_on", "submitted_at", "activated_at", "ended_at", "cancelled_at", "cancel_reason", "created_by",
        "created_at", "end_reason",
    ]
    change_form_template = "admin/enrollment/coverage/change_form.html"

    @admin.display(description=_("nama"), ordering="worker__full_name")
    def worker_name(self, obj):
        return obj.worker.full_name

    @admin.display(description=_("NIK"), ordering="worker__nik")
    def worker_nik(self, obj):
        return obj.worker.nik

    @admin.display(description=_("program"))
    def programs_display(self, obj):
        return "+".join(obj.programs)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CoverageAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["worker", "funding_source", "start_date", "jkk", "jkm"]

    def has_change_permission(self, request, obj=None):
        # Coverage is never edited field by field; it moves through the actions below.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        programs = [p for p, on in (("JKK", data["jkk"]), ("JKM", data["jkm"])) if on]
        created = enroll_worker(
            worker=data["worker"], funding=data["funding_source"], start=data["start_date"], by=request.user, programs=programs
        )
        form.instance = created
        # The admin logs and links ``obj`` after this: give it the saved coverage's values (end date).
        obj.__dict__.update({f.attname: getattr(created, f.attname) for f in created._meta.concrete_fields})
        obj._state.adding = False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EnrollmentError as exc:  # lost a race after the form was checked
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # Named transitions ---------------------------------------------------------------

    def has_submit_permission(self, request):
        return request.user.has_perm("enrollment.submit_coverage")

    def has_cancel_permission(self, request):
        return request.user.has_perm("enrollment.cancel_coverage")

    def has_activate_permission(self, request):
        return request.user.has_perm("enrollment.activate_coverage")

    @admin.action(description=_("Ajukan ke BPJS"), permissions=["submit"])
    def submit_action(self, request, queryset):
        done, failed = 0, []
        for coverage in queryset:
            try:
                submit_coverage(coverage=coverage, by=request.user)
                done += 1
            except CoverageError as exc:
                failed.append(str(exc))
        self._report(request, done, failed, ngettext(
            "%(count)d kepesertaan diajukan ke BPJS.", "%(count)d kepesertaan diajukan ke BPJS.", done,
        ))

    @admin.action(description=_("Batalkan kepesertaan"), permissions=["cancel"])
    def cancel_action(self, request, queryset):
        if "apply" in request.POST:
            form = CancelForm(request.POST)
            if form.is_valid():
                done, failed = 0, []
                for coverage in queryset:
                    try:
                        cancel_coverage(coverage=coverage, by=request.user, reason=form.cleaned_data["reason"])
                        done += 1
                    except CoverageError as exc:
                        failed.append(str(exc))
                self._report(request, done, failed, ngettext(
                    "%(count)d kepesertaan dibatalkan.", "%(count)d kepesertaan dibatalkan.", done,
                ))
                return None
        else:
            form = CancelForm()
        return self.action_page(request, "admin/enrollment/coverage/cancel.html", _("Batalkan kepesertaan"),
                                form=form, coverages=queryset.select_related("worker", "funding_source"))

    def has_export_bpjs_permission(self, request):
        return request.user.has_perm("enrollment.export_bpjs") and request.user.has_perm("enrollment.submit_coverage")

    @admin.action(description=_("Ekspor draf terpilih ke BPJS (.xlsx pendaftaran kolektif)"), permissions=["export_bpjs"])
    def export_bpjs_action(self, request, queryset):
        funding_ids = set(queryset.values_list("funding_source_id", flat=True))
        if len(funding_ids) != 1:
            self.message_user(request, _("Pilih kepesertaan dari satu sumber dana saja: satu berkas per sumber dana."),
                              messages.ERROR)
            return None
        try:
            export = export_bpjs(
                funding=FundingSource.objects.get(pk=funding_ids.pop()), by=request.user,
                coverage_ids=list(queryset.values_list("pk", flat=True)),
            )
        except ExportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self.message_user(request, ngettext(
            "%(rows)d peserta diekspor; status kepesertaan menjadi diajukan ke BPJS.",
            "%(rows)d peserta diekspor; status kepesertaan menjadi diajukan ke BPJS.",
            export.rows,
        ) % {"rows": export.rows}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:enrollment_bpjsexport_changelist"))

    def _report(self, request, done, failed, success_text):
        if done:
            self.message_user(request, success_text % {"count": done}, messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/activate/",
                self.admin_site.admin_view(self.activate_view),
                name="enrollment_coverage_activate",
            ),
            *super().get_urls(),
        ]

    def activate_view(self, request, object_id):
        """Enter the KPJ number BPJS assigned (usually done in bulk from BPJS's answer file)."""
        if not self.has_activate_permission(request):
            raise PermissionDenied
        coverage = object_or_404(Coverage.objects.select_related("worker", "funding_source"), object_id)
        form = ActivateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                activate_coverage(
                    coverage=coverage,
                    kpj_number=form.cleaned_data["kpj_number"],
                    registered_on=form.cleaned_data["registered_on"],
                    by=request.user,
                )
            except CoverageError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(request, _("Kepesertaan diaktifkan."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:enrollment_coverage_change", args=[coverage.pk]))
        return self.page(request, "admin/enrollment/coverage/activate.html", _("Aktifkan kepesertaan: %s") % coverage,
                         original=coverage, form=form)


@admin.register(ExternalCoverage)
class ExternalCoverageAdmin(ModelAdmin):
    list_display = ["nik", "payer", "start_date", "end_date", "source"]
    search_fields = ["=nik", "payer"]


from . import admin_exchange  # noqa: E402,F401  (Excel import and BPJS export pages)
from . import admin_shares  # noqa: E402,F401  (the area shares of a program's quota, issue 14)
from . import admin_submissions  # noqa: E402,F401  (village submissions, issue 14)


class OperatorAreaInline(admin.StackedInline):
    """Issue 14: the administrator assigns an Operator Desa/Kecamatan's areas on the user's page."""

    model = OperatorArea
    can_delete = False
    filter_horizontal = ["desa", "kecamatan"]
    verbose_name_plural = _("wilayah tugas (Operator Desa/Kecamatan)")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AreaUserAdmin(NotFoundMixin, UserAdmin):
    inlines = [*UserAdmin.inlines, OperatorAreaInline]
