"""Real services that the fault tests start, break and start again themselves (issue 11).

Never the shared ones: a private ``redis-server`` on a spare port (no persistence, so stopping it
loses every queued message, as a crash would), and a private ``celery worker`` subprocess (with its
beat embedded, so the sweeper runs) on the test database, pointed at that Redis. The test process
itself publishes to the same private Redis through ``broker(url)``.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from django.db import connection

from demo.builders import wait_for

ROOT = Path(__file__).resolve().parents[2]


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The builders' poll (one helper for every test that waits on a real worker or server).
wait_until = wait_for


class PrivateRedis:
    """``redis-server`` on a spare port; ``stop()`` and ``start()`` again on the same port."""

    def __init__(self, workdir: Path):
        self.port = spare_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=open(self.workdir / "redis.log", "ab"), stderr=subprocess.STDOUT,
        )
        wait_until(self.ping, timeout=20, interval=0.05, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class PrivateWorker:
    """``celery worker -B`` (prefork) as a subprocess on the test database and a private Redis, with
    short sweeper and lease times so a test sees recovery within seconds."""

    def __init__(self, workdir: Path, redis_url: str, media_root: Path, *, concurrency=2, **env):
        self.workdir, self.redis_url, self.media_root = workdir, redis_url, media_root
        self.concurrency = concurrency
        self.env = {
            "QUEUED_WORK_SWEEP_SECONDS": "1", "QUEUED_WORK_STALE_SECONDS": "3", "CERTIFICATE_LEASE_SECONDS": "3",
            "CERTIFICATE_QUEUE": "celery", **env,
        }
        self.process = None
        self.starts = 0

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        env = {
            **os.environ, **self.env,
            "DATABASE_URL": database_url(), "REDIS_URL": self.redis_url, "CACHE_URL": self.redis_url,
            "MEDIA_ROOT": str(self.media_root), "CONN_MAX_AGE": "0",
        }
        command = [
            str(Path(sys.executable).parent / "celery"), "-A", "lamandau_bpjs", "worker", "--beat",
            "--schedule", str(self.workdir / f"beat-schedule-{self.starts}"), "--pool", "prefork",
            "--concurrency", str(self.concurrency), "--hostname", f"fault{self.starts}-{os.getpid()}@%h",
            "--without-mingle", "--without-gossip", "--loglevel", "INFO",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(self.log, "ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def log(self) -> Path:
        return self.workdir / "worker.log"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL the worker and all its processes (as the kernel's OOM killer or a power cut)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@contextlib.contextmanager
def broker(url: str):
    """This process's Celery app publishes to ``url`` (a private Redis) instead of the shared one."""
    from lamandau_bpjs.celery import app

    def reset():
        # Forget, never close, the pools: kombu keeps them in a global group by URL, and a closed
        # one would be handed out again to the next user of that URL ("Acquire on closed pool").
        app._pool = None
        app.amqp._producer_pool = None
        app._local.__dict__.pop("backend", None)

    saved = app.conf.broker_url, app.conf.result_backend
    reset()
    app.conf.broker_url = app.conf.result_backend = url
    try:
        yield app
    finally:
        reset()
        app.conf.broker_url, app.conf.result_backend = saved
