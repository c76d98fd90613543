
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """Liveness for the orchestrator, without login: database and (when configured) broker."""
    status = {"database": "ok"}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # report any failure as unhealthy, never raise
        status["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            status["broker"] = "ok"
        except Exception as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        status["broker"] = "eager (no broker configured)"
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


@login_required
def home(request):
    """The start page: links to what the user's role may open."""
    return render(request, "core/home.html")


