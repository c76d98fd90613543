"""Walk every admin and app URL as each role and assert the allowed/forbidden outcome.

The expectations are written out here (the specification), not derived from the permission map.
"""

import datetime

import pytest
from django.urls import reverse

from core.models import ProgramRules
from core.testing import make_funding, make_heir, make_worker
from enrollment.models import Coverage, Desa, ExternalCoverage, Kecamatan, Occupation
from enrollment.services import enroll_worker, submit_coverage
from funding.models import ContributionDiscount, ContributionRate, IncomeBasis

ROLES = ["official", "bpjs_staff", "leader", "outsider", "superuser"]

# What each role may do per admin model: v = view, a = add, c = change, d = delete.
ADMIN_ACCESS = {
    "enrollment.worker": {"official": "vac", "bpjs_staff": "v", "superuser": "vacd"},
    "enrollment.coverage": {"official": "va", "bpjs_staff": "v", "superuser": "va"},
    "enrollment.kecamatan": {"official": "v", "bpjs_staff": "v", "superuser": "vacd"},
    "enrollment.desa": {"official": "v", "bpjs_staff": "v", "superuser": "vacd"},
    "enrollment.occupation": {"official": "v", "bpjs_staff": "v", "superuser": "vacd"},
    "enrollment.externalcoverage": {"superuser": "vacd"},
    "funding.fundingsource": {"official": "v", "bpjs_staff": "v", "leader": "v", "superuser": "vacd"},
    "funding.contributionrate": {"superuser": "vacd"},
    "funding.contributiondiscount": {"superuser": "vacd"},
    "funding.incomebasis": {"superuser": "vacd"},
    "core.auditevent": {"superuser": "v"},
    "core.programrules": {"superuser": "vc"},
}


@pytest.fixture
def objects(db, official):
    funding = make_funding(code="DBH-SAWIT-2025")
    worker = make_worker()
    make_heir(worker)
    coverage = enroll_worker(worker=worker, funding=funding, start=datetime.date(2025, 1, 1), by=official)
    submit_coverage(coverage=coverage, by=official)
    from core.models import AuditEvent

    return {
        "enrollment.worker": worker,
        "enrollment.coverage": coverage,
        "enrollment.kecamatan": Kecamatan.objects.first(),
        "enrollment.desa": Desa.objects.first(),
        "enrollment.occupation": Occupation.objects.first(),
        "enrollment.externalcoverage": ExternalCoverage.objects.create(
            nik=worker.nik, payer="PT X", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 12, 31)
        ),
        "funding.fundingsource": funding,
        "funding.contributionrate": ContributionRate.objects.first(),
        "funding.contributiondiscount": ContributionDiscount.objects.first(),
        "funding.incomebasis": IncomeBasis.objects.first(),
        "core.auditevent": AuditEvent.objects.first(),
        "core.programrules": ProgramRules.current(),
    }


def admin_cases():
    for model, access in ADMIN_ACCESS.items():
        for role in ROLES:
            allowed = access.get(role, "")
            yield model, role, "changelist", 200 if "v" in allowed else 403
            yield model, role, "add", 200 if "a" in allowed else 403
            yield model, role, "change", 200 if ("v" in allowed or "c" in allowed) else 403
            yield model, role, "history", 200 if ("v" in allowed or "c" in allowed) else 403
            yield model, role, "delete", 200 if "d" in allowed else 403


@pytest.mark.parametrize("model, role, view, expected", list(admin_cases()))
def test_admin_url(client, request, objects, model, role, view, expected):
    user = request.getfixturevalue(role)
    client.force_login(user)
    app_label, model_name = model.split(".")
    obj = objects[model]
    if view in ("changelist", "add"):
        url = reverse(f"admin:{app_label}_{model_name}_{view}")
    else:
        url = reverse(f"admin:{app_label}_{model_name}_{view}", args=[obj.pk])
    if user.is_staff is False:
        expected = 302  # the admin sends non-staff users to its login page
    response = client.get(url)
    assert response.status_code == expected, f"{role} {view} {model}"


@pytest.mark.parametrize(
    "role, expected", [("official", 403), ("bpjs_staff", 200), ("leader", 403), ("outsider", 302), ("superuser", 200)]
)
def test_coverage_activation_page(client, request, objects, role, expected):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("admin:enrollment_coverage_activate", args=[objects["enrollment.coverage"].pk]))
    assert response.status_code == expected


APP_URLS = [
    # (url name, args, roles allowed)
    ("home", [], {"official", "bpjs_staff", "leader", "outsider", "superuser"}),
    ("funding:list", [], {"official", "bpjs_staff", "leader", "superuser"}),
    ("funding:detail", ["DBH-SAWIT-2025"], {"official", "bpjs_staff", "leader", "superuser"}),
]


@pytest.mark.parametrize("name, args, allowed", APP_URLS)
@pytest.mark.parametrize("role", ROLES)
def test_app_url(client, request, objects, name, args, allowed, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(name, args=args)).status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("name, args, _allowed", APP_URLS)
def test_anonymous_users_are_sent_to_login(client, objects, name, args, _allowed):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_every_permission_of_the_role_map_exists(db):
    from django.apps import apps

    from core.roles import sync_roles

    assert sync_roles(apps) == set()
