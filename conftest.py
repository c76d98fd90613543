"""Shared test setup: real PostgreSQL, real Redis and a real Celery worker, one fixture per role.

The suite refuses to run on anything else (no silent SQLite or eager Celery): ``make test``
provides DATABASE_URL and REDIS_URL.
"""

import os
import pathlib

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM beside it is still
# used synchronously by the test, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


def pytest_sessionstart(session):
    from django.conf import settings

    problems = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        problems.append("DATABASE_URL must point to PostgreSQL (tests never run on SQLite)")
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append("REDIS_URL must point to Redis (tests never run Celery eagerly)")
    if settings.SECURE_SSL_REDIRECT:
        problems.append("SECURE_SSL_REDIRECT must be false for the http test server")
    if problems:
        pytest.exit("Refusing to run: " + "; ".join(problems) + ". Use `make test`.", returncode=3)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploaded and generated files in a temporary folder, Indonesian first, fast password hashing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.LANGUAGE_CODE = "id"
    # Tests run with DEBUG off, where two-factor sign-in is required; the suite signs in with
    # force_login and the password page, so it is off here and switched on by the tests that
    # prove it (core/tests/test_accounts.py).
    settings.OTP_REQUIRED = False


@pytest.fixture(autouse=True)
def _indonesian_thread():
    """Each test starts in Bahasa Indonesia: a request in English (core.middleware.LanguageMiddleware)
    leaves its language active in the test's thread, and code run after it would speak English."""
    from django.utils import translation

    translation.activate("id")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


# --- Personas (as healthchecks' alice/bob/charlie): one per role --------------------------

PASSWORD = "uji-Kata-Sandi-123"


def _user(django_user_model, username, group=None, *, superuser=False):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, is_staff=True, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def official(db, django_user_model):
    """A district official (Operator Kabupaten)."""
    from core import roles

    return _user(django_user_model, "operator", roles.OPERATOR)


@pytest.fixture
def bpjs_staff(db, django_user_model):
    """BPJS branch staff (Petugas BPJS)."""
    from core import roles

    return _user(django_user_model, "bpjs", roles.BPJS_STAFF)


@pytest.fixture
def leader(db, django_user_model):
    """The regent's office (Pimpinan): dashboard and read-only figures."""
    from core import roles

    return _user(django_user_model, "pimpinan", roles.LEADERSHIP)


@pytest.fixture
def finance_officer(db, django_user_model):
    """The regency's finance office (Keuangan Daerah): records payments to BPJS."""
    from core import roles

    return _user(django_user_model, "keuangan", roles.FINANCE)


@pytest.fixture
def village_officer(db, django_user_model):
    """An Operator Desa of Bunut (62.09.03.2006), as the demo's ``desa`` (issue 14)."""
    from core import roles
    from demo.builders import assign_area

    return assign_area(_user(django_user_model, "desa", roles.OPERATOR_DESA), desa=["62.09.03.2006"])


@pytest.fixture
def subdistrict_officer(db, django_user_model):
    """An Operator Kecamatan of Bulik (62.09.03), as the demo's ``kecamatan`` (issue 14)."""
    from core import roles
    from demo.builders import assign_area

    return assign_area(_user(django_user_model, "kecamatan", roles.OPERATOR_KECAMATAN), kecamatan=["62.09.03"])


@pytest.fixture
def superuser(db, django_user_model):
    return _user(django_user_model, "admin", superuser=True)


@pytest.fixture
def outsider(db, django_user_model):
    """Logged in, but in no group."""
    return django_user_model.objects.create_user(username="luar", password=PASSWORD)


@pytest.fixture
def funding(db):
    from demo.builders import make_funding

    return make_funding()


# --- Celery: a real worker consuming the real Redis broker --------------------------------


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A Celery worker (2 threads) in this process, on the Redis broker, seeing the test database.

    Tests using it need ``django_db(transaction=True)``: the worker sees only committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from lamandau_bpjs.celery import app

    app.control.purge()  # tasks left in the queue by an interrupted earlier run
    with django_db_blocker.unblock():
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING") as worker:
            yield worker


# --- Browser: Debian's Chromium driven by Playwright ---------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not pathlib.Path(CHROMIUM).exists():
        pytest.exit(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).", returncode=3)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def login(live_server):
    """login(page, user): sign in through the real login page."""

    def _login(page, user, next_url="/"):
        page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return _login
