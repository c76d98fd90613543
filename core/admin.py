from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .audit import diff, history, plain, record, snapshot
from .models import AuditEvent, ProgramRules

admin.site.site_header = _("Lamandau BPJS — Jaminan Sosial Pekerja Rentan")
admin.site.site_title = _("Lamandau BPJS")
admin.site.index_title = _("Administrasi program")

def object_or_404(queryset, object_id):
    """The object of an admin URL's ``<path:object_id>`` or 404, as ModelAdmin.get_object does:
    an id that is no id (``abc``) is a missing object, not a ValueError and a 500 (issue 10)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404

    try:
        return queryset.get(pk=unquote(object_id))
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError, OverflowError):
        raise Http404(_("Data dengan ID %(id)s tidak ada.") % {"id": str(object_id)[:40]}) from None



def form_changes(form, *, adding) -> dict:
    """{field: [old, new]} from a bound, saved admin form.

    Old values come from the form's initial data, new ones from the saved instance (after the
    model's own normalisation), or the cleaned data for many-to-many fields.
    """
    fields = form.changed_data if not adding else [f for f in form.cleaned_data if form.cleaned_data.get(f) not in (None, "", [])]
    changes = {}
    for name in fields:
        if name not in form.cleaned_data:
            continue
        old = None if adding else form.initial.get(name)
        field = form.fields.get(name)
        if not adding and old is not None and hasattr(field, "queryset"):
            # Initial values of relation fields are primary keys; show them as text.
            if isinstance(old, (list, tuple)):
                old = list(field.queryset.filter(pk__in=[getattr(o, "pk", o) for o in old]))
            elif not hasattr(old, "pk"):
                old = field.queryset.filter(pk=old).first()
        new = form.cleaned_data[name]
        try:
            model_field = form.instance._meta.get_field(name)
        except Exception:
            model_field = None
        if model_field is not None and model_field.concrete and not model_field.many_to_many:
            new = getattr(form.instance, name)
        changes[name] = [plain(old), plain(new)]
    return changes


class NotFoundMixin:
    """Another area's object by id is a 404 (issue 14), like an id that never existed: Django's admin
    answers a missing object with a redirect to its index and a "does not exist" message, which
    tells an area-bound account nothing it may not know, but is not the 404 every other page gives.
    Every admin of ours derives from ``ModelAdmin`` or ``AuditedModelAdmin`` below
    (core/tests/test_admin_not_found.py walks the registry)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # who may not read the model at all is refused, as before the lookup
        raise Http404(_("Data dengan ID %(id)s tidak ada.") % {"id": str(unquote(object_id))[:40]})


class ModelAdmin(NotFoundMixin, admin.ModelAdmin):
    """The base of every plain admin of ours (a missing object is a 404)."""

    def page(self, request, template, title, **context) -> TemplateResponse:
        """One of our own admin pages (a form, an upload, a batch's progress) in the admin's frame:
        the site's context, the title and the model's opts for the breadcrumbs."""
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "title": title, "opts": self.opts, **context})

    def action_page(self, request, template, title, **context) -> TemplateResponse:
        """An admin action's own form page, which posts the selected rows back with the action."""
        return self.page(request, template, title, action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
                         selected=request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME), **context)


class AuditedModelAdmin(ModelAdmin):
    """Writes an AuditEvent for every add, change and delete made in the admin (inlines included),
    and shows the object's audit trail on its History page."""

    object_history_template = "admin/core/audit_history.html"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            obj=obj,
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            changes=form_changes(form, adding=not change),
        )

    def delete_model(self, request, obj):
        record(actor=request.user, obj=obj, action=AuditEvent.Action.DELETE, changes=diff(snapshot(obj), {}))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(actor=request.user, obj=obj, action=AuditEvent.Action.DELETE, changes=diff(snapshot(obj), {}))
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        deleted = {id(f) for f in getattr(formset, "deleted_forms", [])}
        pending = []
        for inline_form in formset.forms:
            if id(inline_form) in deleted:
                if inline_form.instance.pk:
                    obj = inline_form.instance
                    pending.append((obj, AuditEvent.Action.DELETE, diff(snapshot(obj), {})))
            elif inline_form.has_changed():
                adding = inline_form.instance._state.adding
                pending.append(
                    (
                        inline_form.instance,
                        AuditEvent.Action.CREATE if adding else AuditEvent.Action.UPDATE,
                        form_changes(inline_form, adding=adding),
                    )
                )
        # Delete rows are written first, while the object still has its primary key.
        parent = form.instance
        for obj, action, changes in pending:
            if action == AuditEvent.Action.DELETE:
                record(actor=request.user, obj=obj, action=action, changes=changes, parent=parent)
        super().save_formset(request, form, formset, change)
        for obj, action, changes in pending:
            if action != AuditEvent.Action.DELETE:
                record(actor=request.user, obj=obj, action=action, changes=changes, parent=parent)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Riwayat perubahan: %s") % obj,
            "subtitle": None,
            "events": history(obj),
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)


class ReadOnlyAdminMixin:
    """For rows that change only through their own functions (locks, checks, audit), never a form."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ProgramRules)
class ProgramRulesAdmin(AuditedModelAdmin):
    fieldsets = [
        (_("Kepesertaan"), {"fields": ["kpj_length", "min_age", "max_age"]}),
        (_("Klaim JKM"), {"fields": ["early_death_rule", "early_death_months", "early_death_benefit"]}),
        (_("Impor Excel"), {"fields": ["import_max_rows", "import_max_megabytes"]}),
    ]

    def has_add_permission(self, request):
        return not ProgramRules.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
