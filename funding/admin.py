from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin
from core.money import format_rupiah

from .models import ContributionDiscount, ContributionRate, FundingSource, KecamatanTarget


class KecamatanTargetInline(admin.TabularInline):
    model = KecamatanTarget
    extra = 0
    autocomplete_fields = ["kecamatan"]


@admin.register(FundingSource)
class FundingSourceAdmin(AuditedModelAdmin):
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
            enrolled_count=Count("coverages", filter=~Q(coverages__status="cancelled"))
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


@admin.register(ContributionRate)
class ContributionRateAdmin(AuditedModelAdmin):
    list_display = ["program", "valid_from", "valid_until", "percent_of_basis", "fixed_amount", "regulation"]
    list_filter = ["program"]


@admin.register(ContributionDiscount)
class ContributionDiscountAdmin(AuditedModelAdmin):
    list_display = ["name", "percent", "applies_to", "valid_from", "valid_until", "jkk", "jkm"]
