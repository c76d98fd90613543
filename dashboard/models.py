from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    """No table and no rows: the model that carries the dashboard's permission, which used to sit
    on core.ProgramRules (issue 12: core, the lowest layer, knew about the dashboard)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Dapat melihat dasbor cakupan"))]
        verbose_name = _("dasbor cakupan")
        verbose_name_plural = _("dasbor cakupan")
