"""Fixtures of the funding tests: the finance persona and registered (active) coverage."""

import datetime
import itertools

import pytest

_kpj = itertools.count(1)


@pytest.fixture
def finance_officer(db, django_user_model):
    """The regency's finance office (Keuangan Daerah): records payments to BPJS."""
    from django.contrib.auth.models import Group

    from conftest import PASSWORD
    from core import roles

    user = django_user_model.objects.create_user(username="keuangan", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    return user


def activate(coverages, *, registered_on=datetime.date(2024, 12, 27)):
    """Submitted -> active through the foundation's verbs, as BPJS does once it assigns KPJ numbers."""
    from enrollment.services import activate_coverage, submit_coverage

    active = []
    for coverage in coverages:
        submit_coverage(coverage=coverage, by=None)
        active.append(
            activate_coverage(coverage=coverage, kpj_number=f"{next(_kpj) + 24000000000:011d}", registered_on=registered_on, by=None)
        )
    return active


def covered_workers(funding, count, *, start=None, **worker_overrides):
    """``count`` new workers enrolled in ``funding`` from ``start`` and activated: their coverages."""
    from demo.builders import make_worker
    from enrollment.services import enroll_workers

    workers = [make_worker(**worker_overrides) for _ in range(count)]
    coverages = enroll_workers(funding=funding, workers=workers, start=start or funding.period_start, by=None)
    return activate(coverages)
