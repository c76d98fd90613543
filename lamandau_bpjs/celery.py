import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamandau_bpjs.settings")

app = Celery("lamandau_bpjs")
# All CELERY_* settings live in settings.py (broker from REDIS_URL, eager without it).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _closed_channel_is_a_connection_error():
    """A worker must survive Redis going away (issue 11), and in kombu 5.7 it did not always.

    When the connection drops while tasks are unacknowledged (acks_late), kombu closes the channel
    and tries to put those messages back through a connection already torn down; later, a task
    that finished after the reconnect is acknowledged on that old channel. Both reach
    ``Channel._connparams`` with the connection (or its client) gone and raise AttributeError
    ("'NoneType' object has no attribute 'hostname'" / "'client'"), which the consumer does not
    expect: the whole worker exits ("Unrecoverable error"). Seen in enrollment/tests/test_redis_outage.py;
    the same AttributeError in ``_connparams`` is reported upstream as celery/kombu#582.

    It is a lost connection, so say so: raise redis's ConnectionError, which kombu and Celery
    already handle there (the channel is dropped, "Couldn't ack" is logged). Nothing is lost: the
    message stays in Redis's unacked set (redelivered after the visibility timeout, harmless since
    every task is idempotent) and the sweeper re-sends unfinished work from the database.
    """
    from kombu.transport import redis as kombu_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    original = kombu_redis.Channel._connparams

    def _connparams(self, asynchronous=False):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the channel's connection to Redis was closed")
        return original(self, asynchronous)

    kombu_redis.Channel._connparams = _connparams


_closed_channel_is_a_connection_error()
