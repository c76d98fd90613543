from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin, ReadOnlyAdminMixin
from core.money import format_rupiah
from enrollment.admin import CoverageAdmin
from enrollment.models import Coverage

from .models import (
    ContributionBill, ContributionDiscount, ContributionPayment, ContributionRate, FundingSource, Holiday, IncomeBasis,
    KecamatanTarget,
)
from .services import funding_change_problems, lapsed_months_by_coverage


class KecamatanTargetInline(admin.TabularInline):
    model = KecamatanTarget
    extra = 0
    autocomplete_fields = ["kecamatan"]


class FundingSourceForm(forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if self.instance.pk and not self.errors:
            for field, message in funding_change_problems(
                self.instance, quota=data.get("quota"), budget=data.get("budget"),
                period_start=data.get("period_start"), period_end=data.get("period_end"),
                covers_jkk=data.get("covers_jkk"), covers_jkm=data.get("covers_jkm"),
            ):
                self.add_error(field, message)
        return data


@admin.register(FundingSource)
class FundingSourceAdmin(AuditedModelAdmin):
    form = FundingSourceForm
    list_display = ["code", "name", "fiscal_year", "period_start", "period_end", "quota", "enrolled", "budget_display", "page_link"]
    list_filter = ["fiscal_year", "kind"]
    search_fields = ["code", "name"]
    inlines = [KecamatanTargetInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "fiscal_year"]}),
        (_("Periode dan program"), {"fields": ["period_start", "period_end", "coverage_months", "covers_jkk", "covers_jkm", "income_basis"]}),
        (_("Anggaran dan kuota"), {"fields": ["budget", "quota"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            enrolled_count=Count("coverages", filter=~Q(coverages__status=Coverage.Status.CANCELLED))
        )

    @admin.display(description=_("terdaftar"), ordering="enrolled_count")
    def enrolled(self, obj):
        return obj.enrolled_count

    @admin.display(description=_("anggaran"), ordering="budget")
    def budget_display(self, obj):
        return format_rupiah(obj.budget)

    @admin.display(description=_("ringkasan"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("funding:detail", args=[obj.code]), _("lihat angka program"))


@admin.register(IncomeBasis)
class IncomeBasisAdmin(AuditedModelAdmin):
    list_display = ["__str__", "regulation"]


@admin.register(ContributionRate)
class ContributionRateAdmin(AuditedModelAdmin):
    list_display = ["program", "valid_from", "valid_until", "percent_of_basis", "fixed_amount", "regulation"]
    list_filter = ["program"]


@admin.register(ContributionDiscount)
class ContributionDiscountAdmin(AuditedModelAdmin):
    list_display = ["name", "percent", "applies_to", "valid_from", "valid_until", "jkk", "jkm"]


@admin.register(Holiday)
class HolidayAdmin(AuditedModelAdmin):
    """R-PAY-1: public holidays move a due date to the next working day."""

    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ReadOnlyAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """Bills and payments change only through funding.billing (locks, checks, audit)."""


@admin.register(ContributionBill)
class ContributionBillAdmin(ReadOnlyAdmin):
    list_display = ["funding_source", "period_label", "coverage_count", "total_display", "paid_display", "status_display", "page_link"]
    list_filter = ["funding_source"]
    list_select_related = ["funding_source"]
    fields = ["funding_source", "first_month", "last_month", "coverage_count", "total", "created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_paid()

    @admin.display(description=_("bulan iuran"), ordering="first_month")
    def period_label(self, obj):
        return obj.period_label

    @admin.display(description=_("jumlah"), ordering="total")
    def total_display(self, obj):
        return format_rupiah(obj.total)

    @admin.display(description=_("dibayar"))
    def paid_display(self, obj):
        return format_rupiah(obj.paid_amount)

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("halaman"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("funding:bill", args=[obj.funding_source.code, obj.pk]), _("buka"))


@admin.register(ContributionPayment)
class ContributionPaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "funding_source", "reference", "amount_display", "recorded_by"]
    list_filter = ["funding_source"]
    search_fields = ["reference"]
    list_select_related = ["funding_source", "recorded_by"]
    fields = ["funding_source", "paid_on", "amount", "reference", "note", "recorded_by", "created_at"]

    @admin.display(description=_("jumlah"), ordering="amount")
    def amount_display(self, obj):
        return format_rupiah(obj.amount)


class LapsedFilter(admin.SimpleListFilter):
    """Coverage list filter: contributions unpaid 3 months in a row (R-PAY-2), as of today."""

    title = _("iuran (R-PAY-2)")
    parameter_name = "iuran"

    def lookups(self, request, model_admin):
        return [("nonaktif", _("Nonaktif: 3 bulan berturut-turut belum dibayar"))]

    def queryset(self, request, queryset):
        if self.value() == "nonaktif":
            return queryset.filter(pk__in=list(lapsed_months_by_coverage(queryset.values("pk"))))
        return queryset


def annotate_lapsed(coverages):
    """Mark each coverage of a page with its lapsed months (R-PAY-2), in a constant number of queries."""
    lapsed = lapsed_months_by_coverage([c.pk for c in coverages]) if coverages else {}
    for coverage in coverages:
        coverage.lapsed_months = sorted(lapsed.get(coverage.pk, ()))
    return coverages


@admin.register(Coverage)
class LapseCoverageAdmin(CoverageAdmin):
    """enrollment's coverage admin with each coverage's lapsed months (R-PAY-2): registered here
    because lapse is billing knowledge, which sits above enrollment in the layer order."""

    list_display = [*CoverageAdmin.list_display, "contribution_state"]
    list_filter = [*CoverageAdmin.list_filter, LapsedFilter]

    @admin.display(description=_("iuran"))
    def contribution_state(self, obj):
        """R-PAY-2: lapsed months of this page's coverages, computed for the whole page at once."""
        months = getattr(obj, "lapsed_months", None)
        if not months:
            return "—"
        return _("Nonaktif %(months)s") % {"months": ", ".join(f"{m:%m-%Y}" for m in months)}

    def get_changelist(self, request, **kwargs):
        class LapseChangeList(super().get_changelist(request, **kwargs)):
            def get_results(self, request):
                super().get_results(request)
                annotate_lapsed(list(self.result_list))

        return LapseChangeList
