"""Certificate pages: the public verification page and the role-checked downloads.

The PDFs live under MEDIA_ROOT, which is never routed: these views check the permission and
stream the file (UU 27/2022: personal documents only to the roles that need them).
"""

import ipaddress
import re
import threading
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.cache import CacheUnavailable

from .rendering import verify_certificate
from .models import Certificate, CertificateBatch

CODE_MAX_LENGTH = 32
# Codes are secrets.token_urlsafe (certificates.new_code): anything else cannot exist. Checking
# the shape first also keeps NUL bytes and the like away from PostgreSQL (/verify/%00/ was a 500).
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,%d}" % CODE_MAX_LENGTH)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address the request came from.

    Behind our TLS proxy (``BEHIND_TLS_PROXY``) REMOTE_ADDR is the proxy, shared by every
    visitor: the client is the rightmost X-Forwarded-For entry, the one our proxy appended (the
    entries left of it are whatever the client sent, so anyone could pick them). Without the
    proxy the header is ignored for the same reason.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return _valid_ip(forwarded.split(",")[-1]) or remote
    return remote


_local_counts: dict[str, tuple[float, int]] = {}
_local_lock = threading.Lock()


def _local_count(key: str, window: int) -> int:
    """The fallback while the shared cache is down: a fixed window per key in this process only
    (each web process counts alone, so the limit is looser, never an error)."""
    now = time.monotonic()
    with _local_lock:
        if len(_local_counts) > 10000:  # forget expired windows now and then
            for old in [k for k, (start, _n) in _local_counts.items() if now - start >= window]:
                del _local_counts[old]
        start, count = _local_counts.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        _local_counts[key] = (start, count + 1)
        return count + 1


def over_rate_limit(request, *, scope: str, limit: int, window: int) -> bool:
    """A fixed-window counter per client address in the shared cache (Redis in production);
    each client has its own counter, so one client over the limit never blocks the others."""
    key = f"ratelimit:{scope}:{client_ip(request)}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add and incr (or the add was dropped)
            cache.add(key, 1, timeout=window)
            count = cache.incr(key, 0)
    except (CacheUnavailable, ValueError):
        count = _local_count(key, window)
    return count > limit


@require_GET
@never_cache
def verify(request, code):
    """Public, no login: is this document genuine? Shows only kind, masked name and NIK, period, status."""
    if over_rate_limit(request, scope="verify", limit=settings.VERIFY_RATE_LIMIT, window=settings.VERIFY_RATE_WINDOW):
        response = render(request, "certificates/certificate_verify.html", {"limited": True}, status=429)
        response["Retry-After"] = str(settings.VERIFY_RATE_WINDOW)
        return response
    result = verify_certificate(code) if CODE_SHAPE.fullmatch(code) else None
    response = render(
        request, "certificates/certificate_verify.html", {"result": result, "code": code}, status=200 if result else 404
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _pdf_response(field, filename):
    if not field:
        raise Http404(_("Berkas belum tersedia."))
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("Berkas tidak ditemukan.")) from None
    return FileResponse(handle, as_attachment=True, filename=filename)


@require_GET
@login_required
@permission_required("certificates.download_certificate", raise_exception=True)
def certificate_download(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk, status=Certificate.Status.READY)
    return _pdf_response(certificate.file, f"{certificate.kind}-{certificate.code}.pdf")


@require_GET
@login_required
@permission_required("certificates.download_certificate", raise_exception=True)
def batch_download(request, pk, fmt):
    if fmt not in ("pdf", "zip"):
        raise Http404
    batch = get_object_or_404(CertificateBatch.objects.select_related("funding_source"), pk=pk)
    field = batch.merged_file if fmt == "pdf" else batch.zip_file
    return _pdf_response(field, f"sertifikat-{batch.funding_source.code}-{batch.pk}.{fmt}")


class MovedAdminModel:
    """The admin models that moved from the enrollment app label to certificates (issue 12)."""

    regex = "certificatebatch|certificate"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class AnyPath(MovedAdminModel):
    regex = ".*"


def moved_admin(request, model, rest):
    """/admin/enrollment/certificate…/ → /admin/certificates/certificate…/ (the app moved, issue 12);
    the admin checks sign-in and permissions at the new address."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponseRedirect(f"/admin/certificates/{model}/{rest}" + (f"?{query}" if query else ""))
