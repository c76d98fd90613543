"""Admin: lapsed coverage (R-PAY-2) in the coverage list; bills and payments read-only; holidays."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audit import history
from demo.builders import make_funding
from funding.billing import prepare_bill, record_payment
from funding.models import Holiday

from .conftest import covered_workers


def lapsed_world(n_lapsed, n_paid):
    """2025 coverages: some with Jan–Mar never paid (lapsed today), the rest of the year paid."""
    funding = make_funding(quota=200, budget=200 * 201600)
    lapsed = covered_workers(funding, n_lapsed)
    prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), last_month=datetime.date(2025, 3, 1), by=None)
    paid = covered_workers(funding, n_paid)
    # Everyone's April-December and the paid workers' whole year, paid in advance.
    bill = prepare_bill(funding=funding, first_month=datetime.date(2025, 1, 1), last_month=datetime.date(2025, 12, 1), by=None)
    record_payment(funding=funding, paid_on=datetime.date(2025, 1, 10), amount=bill.total, reference="OK", bills=[bill], by=None)
    return lapsed, paid


@pytest.mark.django_db
def test_the_coverage_list_shows_and_filters_lapsed_coverage(admin_client):
    lapsed, paid = lapsed_world(2, 3)
    url = reverse("admin:enrollment_coverage_changelist")

    page = admin_client.get(url).content.decode()
    filtered = admin_client.get(url, {"iuran": "nonaktif"})

    assert page.count("Nonaktif 01-2025, 02-2025, 03-2025") == 2
    assert {c.pk for c in filtered.context["cl"].result_list} == {c.pk for c in lapsed}


@pytest.mark.django_db
def test_the_lapse_column_costs_the_same_queries_for_5_and_50_rows(admin_client):
    counts = []
    for n in (5, 50):
        lapsed_world(n, 0)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:enrollment_coverage_changelist"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_bills_and_payments_are_read_only_in_the_admin(admin_client):
    lapsed_world(1, 1)
    for model in ("contributionbill", "contributionpayment"):
        assert admin_client.get(reverse(f"admin:funding_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:funding_{model}_add")).status_code == 403


@pytest.mark.django_db
def test_the_administrator_enters_holidays_and_it_is_audited(client, superuser):
    client.force_login(superuser)

    response = client.post(reverse("admin:funding_holiday_add"), {"date": "2025-08-15", "name": "Cuti bersama"})

    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert history(holiday).get().actor == superuser


@pytest.mark.django_db
def test_the_official_reads_holidays_but_cannot_move_due_dates(client, official):
    """Holidays move due dates, so lapse (R-PAY-2) and claim eligibility on claims the operator files."""
    holiday = Holiday.objects.create(date=datetime.date(2025, 8, 15), name="Cuti bersama")
    client.force_login(official)

    assert client.get(reverse("admin:funding_holiday_changelist")).status_code == 200
    assert client.post(reverse("admin:funding_holiday_add"), {"date": "2025-08-18", "name": "X"}).status_code == 403
    assert client.post(reverse("admin:funding_holiday_delete", args=[holiday.pk]), {"post": "yes"}).status_code == 403
    assert Holiday.objects.count() == 1


@pytest.mark.django_db
def test_an_existing_operator_group_loses_the_holiday_permissions_on_migrate(official):
    """A database migrated with the old role map: sync_roles (run after every migrate) takes them back."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from core import roles

    group = Group.objects.get(name=roles.OPERATOR)
    group.permissions.add(*Permission.objects.filter(codename__in=["add_holiday", "change_holiday", "delete_holiday"]))
    roles.sync_roles(apps)

    official = type(official).objects.get(pk=official.pk)
    assert official.has_perm("funding.view_holiday")
    assert not any(official.has_perm(f"funding.{verb}_holiday") for verb in ("add", "change", "delete"))
