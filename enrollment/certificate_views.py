"""Certificate pages: the public verification page and the role-checked downloads.

The PDFs live under MEDIA_ROOT, which is never routed: these views check the permission and
stream the file (UU 27/2022: personal documents only to the roles that need them).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .certificates import verify_certificate
from .models import Certificate, CertificateBatch

CODE_MAX_LENGTH = 32


def client_ip(request) -> str:
    """The address the request came from. Behind a proxy, configure it to set REMOTE_ADDR
    (trusting X-Forwarded-For here would let anyone pick their own rate-limit key)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_rate_limit(request, *, scope: str, limit: int, window: int) -> bool:
    """A fixed-window counter per client IP in the shared cache (Redis in production)."""
    key = f"ratelimit:{scope}:{client_ip(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count > limit


@require_GET
@never_cache
def verify(request, code):
    """Public, no login: is this document genuine? Shows only kind, masked name and NIK, period, status."""
    if over_rate_limit(request, scope="verify", limit=settings.VERIFY_RATE_LIMIT, window=settings.VERIFY_RATE_WINDOW):
        response = render(request, "enrollment/certificate_verify.html", {"limited": True}, status=429)
        response["Retry-After"] = str(settings.VERIFY_RATE_WINDOW)
        return response
    result = verify_certificate(code) if len(code) <= CODE_MAX_LENGTH else None
    response = render(
        request, "enrollment/certificate_verify.html", {"result": result, "code": code}, status=200 if result else 404
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
@permission_required("enrollment.download_certificate", raise_exception=True)
def certificate_download(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk, status=Certificate.Status.READY)
    return _pdf_response(certificate.file, f"{certificate.kind}-{certificate.code}.pdf")


@require_GET
@login_required
@permission_required("enrollment.download_certificate", raise_exception=True)
def batch_download(request, pk, fmt):
    if fmt not in ("pdf", "zip"):
        raise Http404
    batch = get_object_or_404(CertificateBatch.objects.select_related("funding_source"), pk=pk)
    field = batch.merged_file if fmt == "pdf" else batch.zip_file
    return _pdf_response(field, f"sertifikat-{batch.funding_source.code}-{batch.pk}.{fmt}")
