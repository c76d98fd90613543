from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The top layer: ``seed_demo``, the demo's bills and claims, and the one builders module
    (demo.builders) shared by the demo, the tests and the benchmarks. No other app imports it."""

    name = "demo"
    verbose_name = _("Demo")
