"""No request answers 5xx, whatever it carries (issue 10): NUL bytes, digits outside ASCII (², ٣),
very long values, non-numeric and out-of-range ids, in every path converter of every URL pattern
and in the query parameters the views read, as every role. Bad input gets 400 (core.middleware.
RejectBadInputMiddleware) or 404; nothing reaches the database as a crash."""

import pytest
from django.contrib import admin

from core.tests.access import ROLES, admin_model_of, build_world, fill, url_patterns, user_for

# In every path converter at once, then in every query parameter at once.
VALUES = {
    "nul": "\x00",
    "superscript-digits": "²²²²",
    "arabic-indic-digit": "٣",
    "very-long": "9" * 3000,
    "not-a-number": "abc",
    "out-of-range": "9" * 30,
    "negative": "-1",
}
# What the views read (claims queue and worker lookup, dashboard filters, pagination, next) and
# what the admin reads (search, ordering, page, every list filter).
QUERY_PARAMETERS = ["q", "page", "status", "kind", "nik", "year", "funding", "kecamatan", "desa", "next", "o", "p", "e",
                    "_to_field", "_popup", "app_label", "model_name", "field_name", "term"]


def admin_filter_parameters(route: str) -> list[str]:
    """The query parameters of the model's admin list filters (``sex``, ``funding_source__id__exact``…)."""
    model = admin_model_of(route)
    if not model:
        return []
    model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label_lower == model)
    names = []
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            names += [entry, f"{entry}__exact", f"{entry}__id__exact", f"{entry}__isnull"]
        elif isinstance(entry, (tuple, list)):
            names += [entry[0], f"{entry[0]}__exact", f"{entry[0]}__id__exact"]
        elif getattr(entry, "parameter_name", None):
            names.append(entry.parameter_name)
    return names


def requests_for(route, world):
    """(label, path, query) pairs: each value in every converter; each value in every parameter."""
    valid = fill(route, world)
    parameters = QUERY_PARAMETERS + admin_filter_parameters(route)
    for label, value in VALUES.items():
        if "<" in route or "(?P<" in route:
            path = fill(route, world, **{name: value for name in (
                "object_id", "code", "pk", "document_pk", "fmt", "uidb64", "token", "content_type_id", "app_label", "url")})
            yield f"path {label}", path, {}
        yield f"query {label}", valid, {name: value for name in parameters}


PATTERNS = [(key, route) for key, route, _pattern in url_patterns()]


@pytest.fixture
def world(official, bpjs_staff, superuser, leader, finance_officer, outsider):
    return build_world(official, bpjs_staff, superuser)


@pytest.mark.django_db
@pytest.mark.parametrize("key, route", PATTERNS, ids=[key for key, _route in PATTERNS])
def test_no_url_answers_5xx_to_hostile_input(client, request, world, key, route):
    client.raise_request_exception = False
    failures = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(user_for(request, role))
        for label, path, query in requests_for(route, world):
            response = client.get(path, query)
            if response.status_code >= 500:
                failures.append(f"{role} {label}: {response.status_code}")
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/dashboard/?year=²²²²", "/dashboard/api/summary?year=²²²²", "/dashboard/export.xlsx?year=²²²²", "/program/%00/",
    "/klaim/?q=%00", "/klaim/ekspor.xlsx?q=%00", "/admin/enrollment/worker/?sex=%00", "/verify/%00/",
])
def test_the_reported_requests_get_400_with_the_reason(client, superuser, url):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400
    assert 'id="bad-input"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/enrollment/importbatch/abc/status/", "/admin/enrollment/importbatch/abc/errors/",
                                 "/admin/enrollment/bpjsexport/abc/download/", "/admin/enrollment/coverage/abc/activate/"])
def test_a_non_numeric_admin_id_is_a_404(client, superuser, url):
    client.force_login(superuser)
    assert client.get(url).status_code == 404
