"""One table of who may do what, walked as every role: every URL pattern of the urlconf (app pages,
the admin's model pages and custom pages), every admin action and every service verb that checks a
permission. A URL pattern, admin model, admin action or verb without a row here fails the test.

The expectations are written out (the specification), not derived from core/roles.py. Letters:
O Operator Kabupaten, B Petugas BPJS, L Pimpinan, F Keuangan Daerah, S superuser, X signed in
without a group, A anonymous, and the area-bound accounts of issue 14: D Operator Desa (Bunut),
K Operator Kecamatan (Bulik). "Allowed" means the page answers (2xx, 3xx not to a login page, or
a 400/404 about the input); "denied" means 403 or a redirect to a login page (anonymous, or the
admin for a user who is not staff).

The area letters say more. An object in a URL (a worker, claim, certificate, admin object…) is, for
D and K, one of their area's (core/tests/access.py builds it in Bunut) and "allowed" means the page
really answers: a 404 the superuser does not get at the same address is "missing". The same URL
with the same kind of object in another kecamatan must then be a 404 (the scope of core/areas.py:
the object does not exist for them). A row without D or K is refused to them (403, or a 404 when
the object is not theirs anyway). No row may let D or K create coverage (COVERAGE_CREATING), and
every verb called as D or K, inside their scope, leaves the coverage table as it was.
"""

import datetime
import inspect
import tempfile

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from core.areas import area_scope, unscoped
from core.tests.access import (
    AREA_ROLES, LETTER, ROLES, admin_model_of, admin_models, build_world, fill, url_patterns, user_for, world_for,
)

AREA = "DK"  # Operator Desa, Operator Kecamatan: their own area only
DISTRICT = "OBLFS"  # the staff roles that see the whole regency
STAFF = DISTRICT + AREA  # every account with admin access (is_staff and a group)
SIGNED_IN = STAFF + "X"
EVERYONE = SIGNED_IN + "A"

# --- App and site pages: (method, allowed roles[, query string]) ------------------------------------

URLS = {
    "home": ("get", SIGNED_IN),
    "healthz": ("get", EVERYONE),
    "login": ("get", EVERYONE),
    "logout": ("post", EVERYONE),
    "password_change": ("get", SIGNED_IN),
    "password_change_done": ("get", SIGNED_IN),
    # Only with mail configured (core.accounts.mail_required), then public; 404 otherwise.
    "password_reset": ("get", EVERYONE),
    "password_reset_done": ("get", EVERYONE),
    "password_reset_confirm": ("get", EVERYONE),
    "password_reset_complete": ("get", EVERYONE),
    "otp_verify": ("get", SIGNED_IN),
    "otp_setup": ("get", SIGNED_IN),
    "set_language": ("post", EVERYONE),
    "verify": ("get", EVERYONE),  # the public certificate check
    "funding:list": ("get", DISTRICT),
    "funding:detail": ("get", DISTRICT),
    # Who reads coverage and heirs: the area accounts their own villagers' (issue 14).
    "funding:ending_soon": ("get", "OBSDK"),
    "funding:lapsed": ("get", "OBSDK"),
    "funding:bills": ("get", "OLFS"),
    "funding:bill": ("get", "OLFS"),
    "funding:bill_create": ("post", "OS"),
    "funding:bill_cancel": ("post", "OS"),
    "funding:bill_export": ("get", "OFS"),
    "funding:bill_compare": ("post", "OFS"),
    "funding:bill_comparison": ("get", "OFS"),  # the background comparison's page (polls)
    "funding:payments": ("get", "OLFS"),
    "funding:payment_proof": ("get", "OLFS"),
    "funding:payment_create": ("get", "FS"),
    # Renewal: the operator fills next year's program the administrator created (funding/renewal.py).
    "funding:renew": ("get", "OS"),
    # The waiting list (issue 14, enrollment/waiting.py): names, so the roles that read submissions and
    # personal data; enrolling an offered row decides and enrols; moving a row needs its own permission.
    "funding:waiting": ("get", "OSDK"),  # D, K: their area's rows, at their place in the queue
    "funding:waiting_enroll": ("post", "OS"),
    "funding:waiting_move": ("post", "OS"),
    # The certificates' old admin address (before issue 12) redirects; the admin checks at the new one.
    "moved_certificate_admin": ("get", EVERYONE),
    "certificates:download": ("get", "OBSDK"),  # D, K: their area's only
    "certificates:batch_download": ("get", "OBS"),  # a whole program's file: never an area's
    "claims:queue": ("get", "OBLSDK"),
    "claims:export": ("get", "OBLSDK"),
    "claims:detail": ("get", "OBLSDK"),
    "claims:new": ("get", "OS"),
    "claims:new_scholarship": ("get", "OS"),
    "claims:upload": ("post", "OS"),
    "claims:document": ("get", "OBSDK"),
    "claims:verify": ("post", "BS"),
    "claims:approve": ("post", "BS"),
    "claims:reject": ("post", "BS"),
    "claims:pay": ("post", "BS"),
    # The dashboard: every role of the program, Keuangan Daerah included (core/roles.py, README).
    "dashboard:index": ("get", STAFF),
    "dashboard:export": ("get", STAFF),
    "dashboard:api-summary": ("get", STAFF),
    "dashboard:api-regions": ("get", STAFF),
    "dashboard:api-groups": ("get", STAFF),
    "dashboard:api-monthly": ("get", STAFF),
    "dashboard:api-month": ("get", STAFF),
    # The monthly report (issue 16): every dashboard role may ask for one and read it (small cells applied),
    # but area accounts (issue 14): asking is refused (403, dashboard.report.request_monthly_report) and no
    # report row is theirs (MonthlyReport's scoped manager: a download is 404).
    "dashboard:report-create": ("post", DISTRICT),
    "dashboard:report-download": ("get", STAFF),  # D, K: no report is theirs, every name is a 404
    # The admin site's own pages.
    "admin:index": ("get", STAFF),
    "admin:login": ("get", "XA"),  # signed-in staff are sent on to the index
    "admin:logout": ("post", STAFF),
    "admin:password_change": ("get", STAFF),
    "admin:password_change_done": ("get", STAFF),
    "admin:jsi18n": ("get", STAFF),
    "admin:autocomplete": ("get", "OBSDK", "app_label=enrollment&model_name=coverage&field_name=worker"),
    "admin:view_on_site": ("get", STAFF),
    "admin:app_list": ("get", STAFF),
    "admin/(?P<url>.*)$": ("get", STAFF),
    # Custom admin pages.
    "admin:auth_user_password_change": ("get", "S"),
    # OTP_ADMIN_HIDE_SENSITIVE_DATA: nobody reads another user's TOTP secret, the administrator neither.
    "admin:otp_totp_totpdevice_config": ("get", ""),
    "admin:otp_totp_totpdevice_qrcode": ("get", ""),
    "admin:enrollment_coverage_activate": ("get", "BS"),
    "admin:certificates_certificate_make": ("get", "OS"),
    "admin:certificates_certificatebatch_progress": ("get", "OBS"),
    "admin:certificates_certificatebatch_resume": ("post", "OS"),
    "admin:enrollment_importbatch_upload": ("get", "OSD"),  # D: the village's list
    "admin:enrollment_importbatch_upload_answer": ("get", "BS"),
    "admin:enrollment_importbatch_status": ("get", "OSD"),  # a worker import; D: its own upload
    # D confirms its own upload; the commit refuses to create coverage for it (COVERAGE_CREATING).
    "admin:enrollment_importbatch_confirm": ("post", "OSD"),
    "admin:enrollment_importbatch_errors": ("get", "OSD"),
    "admin:enrollment_bpjsexport_download": ("get", "OBS"),
    # Village submissions (issue 14): the village proposes workers (enrollment.submit_village).
    "admin:enrollment_worker_submit": ("get", "SD"),
}

# What each role may do per admin model: v view (changelist, change page read-only, history),
# a add, c change, d delete; l the changelist only (its rows are filtered to the role's own kind).
ADMIN_ACCESS = {
    "auth.group": {"S": "vacd"},
    "auth.user": {"S": "vacd"},
    # Lockouts (django-axes): the administrator reads them and unlocks by deleting the attempt.
    "axes.accessattempt": {"S": "vcd"},
    "axes.accesslog": {"S": "vcd"},
    "axes.accessfailurelog": {"S": "vcd"},
    # Authenticators: the administrator removes a lost one.
    "otp_totp.totpdevice": {"S": "vacd"},
    "core.auditevent": {"S": "v"},
    "core.programrules": {"S": "vc"},
    "funding.fundingsource": {"O": "v", "B": "v", "L": "v", "F": "v", "S": "vacd"},
    "funding.incomebasis": {"S": "vacd"},
    "funding.contributionrate": {"S": "vacd"},
    "funding.contributiondiscount": {"S": "vacd"},
    # Holidays move due dates (R-PAY-2): read by the roles that plan money, kept by the administrator.
    "funding.holiday": {"O": "v", "F": "v", "S": "vacd"},
    "funding.contributionbill": {"O": "v", "L": "v", "F": "v", "S": "v"},
    "funding.contributionpayment": {"O": "v", "L": "v", "F": "v", "S": "v"},
    "enrollment.kecamatan": {"O": "v", "B": "v", "S": "vacd", "D": "v", "K": "v"},
    "enrollment.desa": {"O": "v", "B": "v", "S": "vacd", "D": "v", "K": "v"},
    "enrollment.occupation": {"O": "v", "B": "v", "S": "vacd", "D": "v", "K": "v"},
    "enrollment.worker": {"O": "vac", "B": "v", "S": "vacd", "D": "vac", "K": "v"},
    "enrollment.coverage": {"O": "va", "B": "v", "S": "va", "D": "v", "K": "v"},
    "enrollment.externalcoverage": {"S": "vacd"},
    "certificates.certificate": {"O": "v", "B": "v", "S": "v", "D": "v", "K": "v"},
    "certificates.certificatebatch": {"O": "va", "B": "v", "S": "va"},
    "enrollment.importbatch": {"O": "v", "B": "l", "S": "v", "D": "v"},  # D: its own uploads
    "enrollment.bpjsexport": {"O": "va", "B": "v", "S": "va"},
    # Area shares of a program's quota (issue 14): the district sets them.
    "enrollment.areashare": {"O": "vacd", "S": "vacd", "K": "v"},
    # Moves only through its actions (enrollment/admin_submissions.py): nobody adds or edits one.
    "enrollment.submission": {"O": "v", "S": "v", "D": "v", "K": "v"},
}

ADMIN_VIEWS = {"changelist": "vl", "add": "a", "change": "vc", "history": "vc", "delete": "d"}

# Admin actions per model: the roles that get each one (ModelAdmin.get_actions, which the admin
# also uses to refuse an action posted by a role that does not have it).
ADMIN_ACTIONS = {
    "enrollment.worker": {"enroll_action": "OS", "submit_village_action": "SD", "delete_selected": "S"},
    "enrollment.submission": {"accept_action": "OS", "reject_action": "OS", "check_action": "SK", "resubmit_action": "SD"},
    "enrollment.coverage": {"submit_action": "OS", "cancel_action": "OS", "render_certificate_action": "OS",
                            "export_bpjs_action": "OS"},
    "certificates.certificate": {"render_action": "OS"},
    "enrollment.kecamatan": {"delete_selected": "S"},
    "enrollment.desa": {"delete_selected": "S"},
    "enrollment.occupation": {"delete_selected": "S"},
    "enrollment.externalcoverage": {"delete_selected": "S"},
    "enrollment.areashare": {"delete_selected": "OS"},
    "funding.fundingsource": {"delete_selected": "S"},
    "funding.incomebasis": {"delete_selected": "S"},
    "funding.contributionrate": {"delete_selected": "S"},
    "funding.contributiondiscount": {"delete_selected": "S"},
    "funding.holiday": {"delete_selected": "S"},
    "auth.group": {"delete_selected": "S"},
    "auth.user": {"delete_selected": "S"},
    "axes.accessattempt": {"delete_selected": "S", "cleanup_expired_attempts": "S"},
    "axes.accesslog": {"delete_selected": "S"},
    "axes.accessfailurelog": {"delete_selected": "S"},
    "otp_totp.totpdevice": {"delete_selected": "S"},
}


def expected_url_cases():
    """(key, route, method, allowed letters, query) for every pattern of the urlconf."""
    for key, route, _pattern in url_patterns():
        model = admin_model_of(route)
        if key in URLS:
            method, allowed, *query = URLS[key]
            yield key, route, method, allowed, query[0] if query else ""
        elif model and key.startswith(f"admin:{model.replace('.', '_')}_") and key.rsplit("_", 1)[1] in ADMIN_VIEWS:
            view = key.rsplit("_", 1)[1]
            access = ADMIN_ACCESS.get(model, {})
            allowed = "".join(role for role, letters in access.items() if set(letters) & set(ADMIN_VIEWS[view]))
            yield key, route, "get", allowed, ""
        elif model and route.endswith("<path:object_id>/"):
            yield key, route, "get", STAFF, ""  # the admin's old-style link: a redirect to the change page
        else:
            yield key, route, None, None, ""  # no row: test_every_url_pattern_has_a_row fails


def test_every_url_pattern_has_a_row():
    missing = [key for key, _route, method, _allowed, _q in expected_url_cases() if method is None]
    assert missing == []
    assert set(ADMIN_ACCESS) == admin_models()
    named = {key for key, _route, _pattern in url_patterns()}
    assert set(URLS) - named == set()  # no row for a URL that no longer exists


def outcome(response) -> str:
    assert response.status_code < 500, response.status_code
    location = response.get("Location", "")
    if response.status_code == 403:
        return "denied"
    if response.status_code in (301, 302) and (("login" in location and "next=" in location) or location == "/admin/"):
        return "denied"  # a login page, or the admin's login page sending signed-in staff to the index
    return "allowed"


def _reads_model(route: str, letter: str) -> bool:
    """Whether the role reads the admin model of an old-style link (which redirects every staff
    account to the change page, where a role without the model is refused)."""
    return bool(set(ADMIN_ACCESS.get(admin_model_of(route), {}).get(letter, "")) & set(ADMIN_VIEWS["change"]))


def names_an_area_object(route: str, world) -> bool:
    """Whether the URL carries an object by id (one an area account may or may not see)."""
    return any(name in route for name in ("object_id>", "pk>"))


@pytest.fixture
def world(official, bpjs_staff, superuser, leader, finance_officer, outsider, village_officer, subdistrict_officer):
    return build_world(official, bpjs_staff, superuser, village_officer)


@pytest.mark.django_db
@pytest.mark.parametrize("key, route, method, allowed, query", list(expected_url_cases()),
                         ids=[case[0] for case in expected_url_cases()])
def test_url_as_every_role(client, request, world, key, route, method, allowed, query):
    client.raise_request_exception = False
    suffix = f"?{query}" if query else ""
    seen, expected = {}, {}

    def get(role, url, **options):
        client.logout()
        if role != "anonymous":
            client.force_login(user_for(request, role))
        return getattr(client, method)(url, **options)

    # Denied roles first: an allowed POST may change the objects the next role sees.
    for role in sorted(ROLES, key=lambda r: LETTER[r] in allowed):
        letter = LETTER[role]
        may = letter in allowed
        url = fill(route, world_for(world, role)) + suffix
        response = get(role, url)
        seen[letter] = outcome(response)
        if role in AREA_ROLES and names_an_area_object(route, world):
            # A 404 the superuser does not get at the same address: the object is not theirs.
            if response.status_code == 404 and (not may or get("superuser", url).status_code != 404):
                seen[letter] = "missing"
            if not may and seen[letter] == "missing":
                seen[letter] = "denied"  # refused either way
            far = fill(route, world_for(world, role, far=True)) + suffix
            if far != url:
                far_response = get(role, far, follow=True)  # the admin's old-style link redirects first
                assert far_response.status_code < 500, (far, far_response.status_code)
                seen[f"{letter} far"] = "missing" if far_response.status_code == 404 else outcome(far_response)
                sees = may and (not route.endswith("<path:object_id>/") or _reads_model(route, letter))
                expected[f"{letter} far"] = "missing" if sees else {"denied", "missing"}
        expected[letter] = "allowed" if may else "denied"
    for name, wanted in expected.items():
        if isinstance(wanted, set) and seen[name] in wanted:
            expected[name] = seen[name]
    assert seen == expected, url


# --- Admin actions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_admin_action_has_a_row(superuser):
    """Every action anyone can get (the superuser gets all the admin allows) has its row."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    defined = {}
    for model, model_admin in admin.site._registry.items():
        if actions := set(model_admin.get_actions(request)):
            defined[model._meta.label_lower] = actions
    assert {model: set(actions) for model, actions in ADMIN_ACTIONS.items()} == defined


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(ADMIN_ACTIONS))
def test_admin_actions_as_every_role(request, model, official, bpjs_staff, leader, finance_officer, superuser, outsider,
                                     village_officer, subdistrict_officer):
    model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label_lower == model)
    for role in ROLES:
        if role == "anonymous":
            continue
        http = RequestFactory().get("/admin/")
        http.user = user_for(request, role)
        # The changelist (where actions run) is refused first to whoever may not view the model.
        usable = http.user.is_staff and model_admin.has_view_or_change_permission(http)
        available = set(model_admin.get_actions(http)) if usable else set()
        expected = {name for name, roles in ADMIN_ACTIONS[model].items() if LETTER[role] in roles}
        assert available == expected, (model, role)


# --- Service verbs ---------------------------------------------------------------------------------

VERB_MODULES = ["claims.services", "enrollment.services", "enrollment.bpjs", "certificates.batches",
                "certificates.rendering", "enrollment.imports", "enrollment.import_batches", "funding.billing",
                "funding.renewal", "enrollment.waiting",
                "enrollment.submissions"]


def _garbage_file():
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.write(b"bukan excel")
    handle.close()
    return handle.name


def _verbs():
    from claims import services as claims
    from demo.builders import file_claim, upload
    from demo.builders import make_worker
    from certificates import batches
    from certificates import rendering as certificates
    from enrollment import bpjs, import_batches, imports, waiting
    from enrollment import submissions
    from enrollment import services as enrollment
    from enrollment.models import ImportBatch
    from funding import billing, renewal

    today = datetime.date(2025, 7, 1)
    return {
        "claims.services.submit_claim": ("OS", lambda by, w: file_claim(
            coverage=w["coverage"], by=by, event_date=datetime.date(2025, 6, 14), claimant=w["claim"].claimant)),
        "claims.services.upload_document": ("OS", lambda by, w: claims.upload_document(
            claim=w["claim"], kind="ktp_claimant", uploaded=upload(), by=by)),
        "claims.services.verify_claim": ("BS", lambda by, w: claims.verify_claim(claim=w["claim"], by=by)),
        "claims.services.approve_claim": ("BS", lambda by, w: claims.approve_claim(claim=w["claim"], by=by)),
        "claims.services.reject_claim": ("BS", lambda by, w: claims.reject_claim(claim=w["claim"], by=by, reason="uji")),
        "claims.services.pay_claim": ("BS", lambda by, w: claims.pay_claim(
            claim=w["claim"], by=by, paid_on=today, amount=1, reference="TRF-UJI")),
        "enrollment.services.enroll_workers": ("OS", lambda by, w: enrollment.enroll_workers(
            funding=w["funding"], workers=[make_worker()], start=datetime.date(2025, 8, 1), by=by)),
        "enrollment.services.enroll_worker": ("OS", lambda by, w: enrollment.enroll_worker(
            worker=make_worker(), funding=w["funding"], start=datetime.date(2025, 8, 1), by=by)),
        "enrollment.services.submit_coverage": ("OS", lambda by, w: enrollment.submit_coverage(coverage=w["coverage"], by=by)),
        "enrollment.services.submit_coverages": ("OS", lambda by, w: enrollment.submit_coverages(
            coverages=[w["coverage"]], by=by)),
        "enrollment.services.activate_coverage": ("BS", lambda by, w: enrollment.activate_coverage(
            coverage=w["coverage"], kpj_number="24000000077", registered_on=None, by=by)),
        "enrollment.services.activate_coverages": ("BS", lambda by, w: enrollment.activate_coverages(answers=[], by=by)),
        "enrollment.services.end_coverage": ("OS", lambda by, w: enrollment.end_coverage(coverage=w["coverage"], by=by)),
        # The nightly end of coverage, in chunks (also by hand: whoever may end or cancel coverage).
        "enrollment.services.end_coverages": ("OS", lambda by, w: enrollment.end_coverages(coverages=[w["coverage"]], by=by)),
        # A death ends the running coverage: the claim approver's act (claims.approve_claim, issue 15).
        "enrollment.services.end_coverages_at_death": ("BS", lambda by, w: enrollment.end_coverages_at_death(
            worker=w["coverage"].worker, died_on=datetime.date(2025, 6, 14), by=by)),
        "enrollment.services.cancel_coverage": ("OS", lambda by, w: enrollment.cancel_coverage(
            coverage=w["coverage"], by=by, reason="uji")),
        "enrollment.services.record_external_coverage": ("BS", lambda by, w: enrollment.record_external_coverage(
            coverage=w["coverage"], payer="PT Uji", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
            source="uji", by=by)),
        "enrollment.bpjs.export_bpjs": ("OS", lambda by, w: bpjs.export_bpjs(funding=w["funding"], by=by)),
        "enrollment.bpjs.import_bpjs_answer": ("BS", lambda by, w: bpjs.import_bpjs_answer(_garbage_file(), by=by, dry_run=True)),
        "enrollment.imports.import_workers": ("OSD", lambda by, w: imports.import_workers(
            _garbage_file(), funding=w["funding"], by=by, dry_run=True)),
        "certificates.batches.start_certificate_batch": ("OS", lambda by, w: batches.start_certificate_batch(
            funding=w["funding"], by=by)),
        "certificates.batches.retry_failed_items": ("OS", lambda by, w: batches.retry_failed_items(w["certificatebatch"], by=by)),
        "certificates.rendering.request_certificate": ("OS", lambda by, w: certificates.request_certificate(
            kind="participation", subject=w["coverage"], by=by)),
        "enrollment.import_batches.create_batch": ("OSD", lambda by, w: import_batches.create_batch(
            kind=ImportBatch.Kind.WORKERS, upload=upload("pekerja.xlsx", b"bukan excel"), by=by, funding=w["funding"])),
        "enrollment.import_batches.confirm_batch": ("OSD", lambda by, w: import_batches.confirm_batch(
            w["enrollment.importbatch"], skip_invalid=False, by=by)),
        "funding.billing.prepare_bill": ("OS", lambda by, w: billing.prepare_bill(
            funding=w["funding"], first_month=datetime.date(2025, 12, 1), by=by)),
        "funding.billing.cancel_bill": ("OS", lambda by, w: billing.cancel_bill(bill=w["bill"], by=by)),
        "funding.billing.record_payment": ("FS", lambda by, w: billing.record_payment(
            funding=w["funding"], paid_on=datetime.date(2025, 2, 1), amount=1, reference="SP2D-UJI", bills=[w["bill"]], by=by)),
        # The waiting list (issue 14): the district decides accepted rows and moves waiting ones.
        "enrollment.waiting.enroll_or_wait": ("OS", lambda by, w: waiting.enroll_or_wait([], by=by)),
        "enrollment.waiting.reorder_waiting": ("OS", lambda by, w: waiting.reorder_waiting(
            w["submission"], before=w["submission"], reason="uji", by=by)),
        "funding.renewal.renew_funding": ("OS", lambda by, w: renewal.renew_funding(
            source=w["funding"], target_values=renewal.next_year_values(w["funding"]), by=by)),
        # Village submissions (issue 14): a village proposes and resubmits, a kecamatan checks, the
        # district decides; the superuser holds every permission and no area.
        "enrollment.submissions.submit_workers": ("SD", lambda by, w: submissions.submit_workers(
            [make_worker(desa=w["worker"].desa)], w["funding"], by)),
        "enrollment.submissions.check_submissions": ("SK", lambda by, w: submissions.check_submissions(
            [w["enrollment.submission"]], by)),
        "enrollment.submissions.accept_submissions": ("OS", lambda by, w: submissions.accept_submissions(
            [w["enrollment.submission"]], by)),
        "enrollment.submissions.reject_submissions": ("OS", lambda by, w: submissions.reject_submissions(
            [w["enrollment.submission"]], by, "documents")),
        "enrollment.submissions.resubmit": ("SD", lambda by, w: submissions.resubmit(w["enrollment.submission"], by)),
    }


def _domain_errors():
    from claims.services import ClaimError
    from certificates.batches import BatchError
    from enrollment.bpjs import ExportError
    from certificates.rendering import CertificateError
    from enrollment.services import CoverageError, EnrollmentError
    from core.xlsx import FileProblem
    from funding.billing import BillingError
    from funding.renewal import RenewalError
    from enrollment.submissions import SubmissionError

    return (ClaimError, BatchError, ExportError, CertificateError, CoverageError, EnrollmentError, FileProblem,
            BillingError, RenewalError, ValidationError, SubmissionError)


def checks_permission(function) -> bool:
    source = inspect.getsource(function)
    return "require_permission(" in source or "can_use(" in source


def test_every_verb_that_checks_a_permission_has_a_row():
    import importlib

    found = set()
    for name in VERB_MODULES:
        module = importlib.import_module(name)
        for attr, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == name and not attr.startswith("_") and attr != "can_use" and checks_permission(function):
                found.add(f"{name}.{attr}")
    assert found - set(_verbs()) == set()
    for verb in _verbs():  # and no row for a verb that no longer exists
        module, attr = verb.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), attr), verb


@pytest.mark.django_db
@pytest.mark.parametrize("verb", sorted(_verbs()))
def test_service_verb_as_every_role(request, world, verb):
    from enrollment.areas import scope_for
    from enrollment.models import Coverage

    allowed, call = _verbs()[verb]
    outcomes = {}
    for role in sorted(ROLES, key=lambda r: LETTER[r] in allowed):  # denied roles first
        user = AnonymousUser() if role == "anonymous" else user_for(request, role)
        with unscoped():
            coverages_before = Coverage.objects.count()
        # An area account's call runs in its scope, as its requests do (enrollment.areas.AreaScopeMiddleware).
        with area_scope(scope_for(user) if role in AREA_ROLES else None):
            try:
                call(user, world_for(world, role))
            except PermissionDenied:
                outcomes[LETTER[role]] = "denied"
            except (*_domain_errors(), ObjectDoesNotExist, Http404):  # allowed, refused for the world's state
                outcomes[LETTER[role]] = "allowed"
            else:
                outcomes[LETTER[role]] = "allowed"
        if role in AREA_ROLES:  # no enrolment by a village or kecamatan account, whatever the verb
            with unscoped():
                assert Coverage.objects.count() == coverages_before, (verb, role)
    assert outcomes == {LETTER[r]: "allowed" if LETTER[r] in allowed else "denied" for r in ROLES}


# What creates coverage (enrolment): no row may give it to an area account (issue 14: a village's
# rows are submitted, the district enrols them). URL rows, admin actions and verbs by name.
COVERAGE_CREATING = {
    "urls": ["admin:enrollment_coverage_add", "funding:renew"],
    "actions": [("enrollment.worker", "enroll_action")],
    "verbs": ["enrollment.services.enroll_workers", "enrollment.services.enroll_worker", "funding.renewal.renew_funding"],
}


def test_no_row_lets_an_area_account_create_coverage():
    cases = {key: allowed for key, _route, _method, allowed, _q in expected_url_cases()}
    for key in COVERAGE_CREATING["urls"]:
        assert not set(cases[key]) & set(AREA), key
    for model, action in COVERAGE_CREATING["actions"]:
        assert not set(ADMIN_ACTIONS[model][action]) & set(AREA), action
    for verb in COVERAGE_CREATING["verbs"]:
        assert not set(_verbs()[verb][0]) & set(AREA), verb


def test_every_permission_of_the_role_map_exists(db):
    from django.apps import apps

    from core.roles import sync_roles

    assert sync_roles(apps) == set()


def test_the_readme_role_table_agrees_with_the_role_map_on_the_dashboard_and_two_factor():
    """Issue 10: the README said other roles get 403 on the dashboard while Keuangan Daerah opened it."""
    import pathlib

    from core import roles

    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| Account | Group | May | Dashboard | Two-factor |")[1].split("\n\n")[0]
    rows = {}
    for line in table.strip().splitlines()[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[1].split(" (")[0]] = (cells[3].startswith("yes"), cells[4] == "yes")
    money = set(roles.TWO_FACTOR_PERMISSIONS)
    for group, permissions in roles.ROLE_PERMISSIONS.items():
        assert rows[group] == ("dashboard.view_dashboard" in permissions, bool(money & set(permissions))), group
    assert rows["superuser"] == (True, True)
