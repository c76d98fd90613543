"""Fixtures for claim tests: a worker of DBH Sawit 2025 with active JKK+JKM coverage and a family."""

import datetime

import pytest

from demo.builders import make_coverage
from demo.builders import make_funding, make_heir, make_worker
from enrollment.models import Heir


@pytest.fixture
def funding_2025(db):
    return make_funding(code="DBH-SAWIT-2025", name="DBH Sawit 2025")


@pytest.fixture
def worker(db):
    return make_worker(full_name="BUDI SANTOSO")


@pytest.fixture
def coverage(worker, funding_2025):
    """Active JKK+JKM coverage, 1 Jan - 31 Dec 2025, KPJ registered."""
    return make_coverage(worker, funding_2025)


@pytest.fixture
def spouse(worker):
    return make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="SITI AMINAH",
                     birth_date=datetime.date(1987, 3, 2))


@pytest.fixture
def child(worker):
    return make_heir(worker, relationship=Heir.Relationship.CHILD, full_name="RINA SANTOSO",
                     birth_date=datetime.date(2012, 7, 1), bank_name="", bank_account_number="", bank_account_holder="")


@pytest.fixture
def parent(worker):
    return make_heir(worker, relationship=Heir.Relationship.PARENT, full_name="SLAMET SANTOSO",
                     bank_name="BRI", bank_account_number="99887766", bank_account_holder="SLAMET SANTOSO")


@pytest.fixture
def other_staff(db, django_user_model):
    """A second Petugas BPJS."""
    from django.contrib.auth.models import Group

    from conftest import PASSWORD
    from core import roles

    user = django_user_model.objects.create_user(username="bpjs2", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.BPJS_STAFF))
    return user

