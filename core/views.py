
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
    if healthy:
        # Stuck work shows here without turning the probe red (issue 11): the age in seconds of
        # the oldest unfinished batch of each kind, and the longest of them.
        from . import queued_work

        try:
            ages = queued_work.oldest_waiting()
        except Exception as exc:
            ages = {"error": exc.__class__.__name__}
        status["waiting_batches"] = ages
        status["oldest_waiting_seconds"] = max((a for a in ages.values() if isinstance(a, int)), default=None)
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
            client.ping()
            status["broker"] = "ok"
            # Messages waiting in each queue the workers consume (Celery's Redis lists).
            queues = sorted({"celery", settings.CERTIFICATE_QUEUE})
            status["queue_depth"] = {queue: client.llen(queue) for queue in queues}
        except Exception as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
            status["queue_depth"] = None
            healthy = False
    else:
        status["broker"] = "eager (no broker configured)"
    status["status"] = "ok" if healthy else "error"
    return JsonResponse(status, status=200 if healthy else 503)


@login_required
def home(request):
    """The start page: links to what the user's role may open."""
    return render(request, "core/home.html")


