"""Issue 14: the district sets each kecamatan's (optionally each desa's) share of a program's quota.

Funding sources are the administrator's to edit (funding/admin.py), so the shares have their own
admin for Operator Kabupaten (enrollment.*_areashare), filtered by program; every add, change and
delete is audited (AuditedModelAdmin). AreaShare.clean keeps the shares inside the quota and inside
each other; the enrolment gate (enrollment.services.capacity_problems) enforces them.
"""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import AreaShare


@admin.register(AreaShare)
class AreaShareAdmin(AuditedModelAdmin):
    list_display = ["funding_source", "kecamatan", "desa", "places"]
    list_filter = ["funding_source", "kecamatan"]
    list_select_related = ["funding_source", "kecamatan", "desa"]
    search_fields = ["kecamatan__name", "desa__name"]
    fields = ["funding_source", "kecamatan", "desa", "places"]

