from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_reference(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    apps = apps or global_apps  # flush (between transactional tests) sends no apps
    from .reference import load_occupations, load_regions

    load_regions(apps)
    load_occupations(apps)


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Pekerja dan kepesertaan")

    def ready(self):
        # Also after a test-database flush, which empties the data migrations' rows.
        post_migrate.connect(_load_reference, sender=self, dispatch_uid="enrollment.reference")
        # Excel imports resume by themselves (core/queued_work.py, issue 11).
        from . import tasks  # noqa: F401  (registers them with the sweeper)
