from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import sync_roles

    # Runs after each app's post_migrate: permissions of apps listed later are created by then
    # at the latest on the last call. Also restores the groups after a test-database flush.
    sync_roles(global_apps)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Sistem")

    def ready(self):
        from . import lookups  # noqa: F401  registers field__any on every field

        post_migrate.connect(_sync_roles, dispatch_uid="core.sync_roles")

        from axes.signals import user_locked_out

        from .accounts import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="core.record_lockout")
