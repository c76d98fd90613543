import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamandau_bpjs.settings")

app = Celery("lamandau_bpjs")
# All CELERY_* settings live in settings.py (broker from REDIS_URL, eager without it).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
