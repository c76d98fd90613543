from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Participation certificates, berita acara and benefit certificates: rendering (WeasyPrint),
    batches, the public verify page and the downloads (issue 5; its own app since issue 12)."""

    name = "certificates"
    verbose_name = _("Sertifikat")

    def ready(self):
        # Certificate batches and documents requested alone resume by themselves (core/queued_work.py).
        from . import tasks  # noqa: F401  (registers them with the sweeper)
