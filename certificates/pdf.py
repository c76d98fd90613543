"""WeasyPrint for the documents of certificates.rendering: fonts, stylesheet, URL fetcher and render.

Imported on a process's first render (rendering.render_pdf), so web processes and import jobs
that never render do not load WeasyPrint, Pango's fonts and their ~25 MB. Rendering follows
../shared/stack.md: one module-level FontConfiguration shared by every render, fonts and CSS read
from disk by a URL fetcher that refuses the network.
"""

import mimetypes
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .rendering import MissingAsset

# One for the whole process (stack.md): fonts are loaded once, and memory stops growing per render.
FONT_CONFIG = FontConfiguration()


class StaticFileFetcher(URLFetcher):
    """Serves ``/static/…`` from disk (as django-weasyprint's django_url_fetcher) and refuses
    everything else: a worker has no request, and a certificate never waits on the network."""

    def __init__(self):
        super().__init__(fail_on_errors=True)

    def fetch(self, url, headers=None):
        path = urlparse(url).path
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if path.startswith(prefix):
            found = _static_file(path[len(prefix):])
            if found:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=_read(found), headers={"Content-Type": content_type})
        raise ValueError(f"{url}: dokumen hanya boleh memakai berkas statis lokal")


@lru_cache(maxsize=64)
def _static_file(relative: str) -> str | None:
    found = finders.find(relative)
    if not found and (Path(settings.STATIC_ROOT) / relative).is_file():
        found = str(Path(settings.STATIC_ROOT) / relative)
    return found


@lru_cache(maxsize=64)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


FETCHER = StaticFileFetcher()


# Pango and the shared FontConfiguration are not documented as thread-safe: one render at a time
# per process. Free in prefork workers (one thread each); it only matters for a threads pool.
_RENDER_LOCK = threading.Lock()


STYLESHEET_PATH = "css/certificate.css"


@lru_cache(maxsize=1)
def certificate_stylesheet() -> CSS:
    """certificate.css parsed once per process, its @font-face fonts registered once in FONT_CONFIG.

    The templates do not link it: a linked stylesheet would be parsed again for every document
    (about a sixth of a certificate's render time).
    """
    return CSS(url=f"{settings.SITE_URL}/{settings.STATIC_URL.strip('/')}/{STYLESHEET_PATH}", url_fetcher=FETCHER,
               font_config=FONT_CONFIG)


def render_pdf(html: str) -> tuple[bytes, int]:
    """HTML to PDF bytes and page count; MissingAsset when a bundled font or stylesheet is missing."""
    with _RENDER_LOCK:
        try:
            document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=FETCHER).render(
                font_config=FONT_CONFIG, stylesheets=[certificate_stylesheet()]
            )
            return document.write_pdf(), len(document.pages)
        except FatalURLFetchingError as exc:
            raise MissingAsset(str(exc.__cause__ or exc)) from exc
