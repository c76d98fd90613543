from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_reference(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    apps = apps or global_apps  # flush (between transactional tests) sends no apps
    from .reference import load_income_bases, load_rates

    load_rates(apps)
    load_income_bases(apps)


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = _("Pendanaan")

    def ready(self):
        post_migrate.connect(_load_reference, sender=self, dispatch_uid="funding.reference")
        from . import tasks  # noqa: F401  (registers the invoice comparison with the sweeper)
