# Load Celery with Django so that shared tasks bind to our app and delay_on_commit works.
from .celery import app as celery_app

__all__ = ("celery_app",)
