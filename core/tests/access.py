"""Shared by the role matrix and the fuzz test: the roles, one object of every kind, and every URL
pattern of the urlconf with its path converters filled from those objects."""

import datetime
import re

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ["official", "bpjs_staff", "leader", "finance_officer", "superuser", "outsider", "anonymous",
         "village_officer", "subdistrict_officer"]
# One letter per role in the tables: O, B, L, F, S, X (signed in, no group), A (anonymous), and the
# area-bound accounts of issue 14: D Operator Desa of Bunut, K Operator Kecamatan of Bulik.
LETTER = {"official": "O", "bpjs_staff": "B", "leader": "L", "finance_officer": "F", "superuser": "S",
          "outsider": "X", "anonymous": "A", "village_officer": "D", "subdistrict_officer": "K"}
AREA_ROLES = {"village_officer", "subdistrict_officer"}

BUNUT = "62.09.03.2006"  # the village officer's desa, in Bulik (62.09.03), the subdistrict officer's
ELSEWHERE = "62.09.01"  # another kecamatan: its objects do not exist for either area account


def user_for(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def world_for(world, role, *, far=False) -> dict:
    """The objects a role's requests name: the world's (in Bunut), with the role's own rows where
    the scope is "what I made" (an area account's import batches); ``far``: the same kinds of rows
    in another kecamatan (or made by someone else), which an area account must get 404 for."""
    base = world["far"] if far else world
    if far:
        return base
    return {**base, **world["own"].get(role, {})}


def _personal_objects(official, worker, funding, *, code):
    """A worker's heir, coverage, claim with documents and a ready certificate (in the worker's desa)."""
    from certificates.models import Certificate
    from demo.builders import file_claim, make_coverage, make_heir, pdf_bytes, upload_required
    from enrollment.models import Heir

    spouse = make_heir(worker, relationship=Heir.Relationship.SPOUSE, full_name="SITI AMINAH", bank_name="BRI",
                       bank_account_number="1234567890", bank_account_holder="SITI AMINAH")
    coverage = make_coverage(worker, funding)
    claim = file_claim(coverage=coverage, by=official, event_date=datetime.date(2025, 6, 14), claimant=spouse)
    upload_required(claim, by=official)
    certificate = Certificate(kind=Certificate.Kind.PARTICIPATION, coverage=coverage, code=code,
                              status=Certificate.Status.READY)
    certificate.file.save(f"{code}.pdf", ContentFile(pdf_bytes()), save=True)  # the insert, with its file
    return coverage, claim, certificate


def build_world(official, bpjs_staff, superuser, village_officer=None):
    """One row of every model the URLs and verbs take (ids for path converters). The worker and
    everything under it live in Bunut (62.09.03.2006); ``world["far"]`` holds the same kinds in
    another kecamatan, and ``world["own"]`` the rows an area account made itself."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.models import AuditEvent, ProgramRules
    from demo.builders import make_funding, make_worker, pdf_bytes
    from certificates.models import CertificateBatch
    from enrollment.models import AreaShare, BpjsExport, Desa, ExternalCoverage, ImportBatch, Occupation, Submission
    from funding.models import (ContributionBill, ContributionDiscount, ContributionPayment, ContributionRate, Holiday,
                                IncomeBasis)

    funding = make_funding(code="DBH-SAWIT-2025")
    bunut = Desa.objects.select_related("kecamatan").get(code=BUNUT)
    worker = make_worker(desa=bunut)
    coverage, claim, certificate = _personal_objects(official, worker, funding, code="KODEUJI1")
    bill = ContributionBill.objects.filter(funding_source=funding).order_by("pk").first()  # make_coverage bills and pays
    payment = ContributionPayment.objects.filter(funding_source=funding).order_by("pk").first()
    payment.proof.save("bukti.pdf", ContentFile(pdf_bytes()), save=True)
    far_desa = Desa.objects.select_related("kecamatan").filter(kecamatan__code=ELSEWHERE).order_by("code").first()
    far_worker = make_worker(desa=far_desa, full_name="WARGA JAUH")
    far_coverage, far_claim, far_certificate = _personal_objects(official, far_worker, funding, code="KODEJAUH1")
    batch = CertificateBatch.objects.create(funding_source=funding, started_by=official)
    imports = ImportBatch.objects.create(kind="workers", funding_source=funding, original_name="a.xlsx",
                                         file=ContentFile(b"PK", name="a.xlsx"), created_by=official)
    export = BpjsExport.objects.create(funding_source=funding, file=ContentFile(b"PK", name="e.xlsx"), rows=1,
                                       created_by=official)
    own = {}
    if village_officer is not None:
        own["village_officer"] = {"enrollment.importbatch": ImportBatch.objects.create(
            kind="workers", funding_source=funding, original_name="desa.xlsx", file=ContentFile(b"PK", name="desa.xlsx"),
            created_by=village_officer)}
    access = dict(user_agent="uji", ip_address="10.0.0.1", username="tebakan", http_accept="*/*", path_info="/accounts/login/")
    world = {
        "funding": funding, "worker": worker, "coverage": coverage, "claim": claim, "bill": bill, "payment": payment,
        "document": claim.documents.first(), "certificate": certificate, "certificatebatch": batch,
        "auth.group": Group.objects.first(), "auth.user": official,
        "axes.accessattempt": AccessAttempt.objects.create(**access, get_data="", post_data="", failures_since_start=1),
        "axes.accesslog": AccessLog.objects.create(**access),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**access),
        "otp_totp.totpdevice": TOTPDevice.objects.create(user=superuser, name="ponsel"),
        "core.auditevent": AuditEvent.objects.first(), "core.programrules": ProgramRules.current(),
        "funding.fundingsource": funding, "funding.incomebasis": IncomeBasis.objects.first(),
        "funding.contributionrate": ContributionRate.objects.first(),
        "funding.contributiondiscount": ContributionDiscount.objects.first(),
        "funding.holiday": Holiday.objects.create(date=datetime.date(2025, 8, 18), name="Cuti bersama"),
        "funding.contributionbill": bill, "funding.contributionpayment": payment,
        "enrollment.kecamatan": bunut.kecamatan, "enrollment.desa": bunut,
        "enrollment.occupation": Occupation.objects.first(), "enrollment.worker": worker, "enrollment.coverage": coverage,
        "enrollment.externalcoverage": ExternalCoverage.objects.create(
            nik=worker.nik, payer="PT X", start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2023, 12, 31)),
        "certificates.certificate": certificate, "certificates.certificatebatch": batch, "enrollment.importbatch": imports,
        "enrollment.bpjsexport": export, "claims.claimdocument": claim.documents.order_by("pk").first(),
        "enrollment.areashare": AreaShare.objects.create(funding_source=funding, kecamatan=bunut.kecamatan, places=10),
        "submission": Submission.objects.create(worker=make_worker(desa=bunut), funding_source=funding,
                                                status=Submission.Status.WAITING),
        "enrollment.submission": Submission.objects.create(worker=make_worker(desa=bunut), funding_source=funding),
        "own": own,
    }
    far_document = far_claim.documents.order_by("pk").first()
    world["far"] = {
        **world, "worker": far_worker, "coverage": far_coverage, "claim": far_claim, "document": far_document,
        "certificate": far_certificate, "enrollment.worker": far_worker, "enrollment.coverage": far_coverage,
        "certificates.certificate": far_certificate, "claims.claimdocument": far_document,
        "enrollment.kecamatan": far_desa.kecamatan, "enrollment.desa": far_desa,
        "enrollment.areashare": AreaShare.objects.create(funding_source=funding, kecamatan=far_desa.kecamatan, places=10),
        "submission": Submission.objects.create(worker=make_worker(desa=far_desa), funding_source=funding,
                                                status=Submission.Status.WAITING),
        "enrollment.submission": Submission.objects.create(worker=make_worker(desa=far_desa), funding_source=funding),
    }
    return world


def url_patterns(resolver=None, prefix="", namespace=""):
    """Every pattern of the urlconf as (key, route, pattern): the key is the URL name (namespaced)
    or, for unnamed patterns, the route itself."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else route), route, entry


_ADMIN_MODEL_URL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")


def admin_model_of(route: str) -> str | None:
    match = _ADMIN_MODEL_URL.match(route)
    if match and f"{match['app']}.{match['model']}" in admin_models():
        return f"{match['app']}.{match['model']}"
    return None


def admin_models() -> set[str]:
    return {model._meta.label_lower for model in admin.site._registry}


def fill(route: str, world, **overrides) -> str:
    """The route with each converter filled: ids of the world's objects, or ``overrides`` by name."""
    model = admin_model_of(route)
    values = {
        "object_id": str(world[model].pk) if model else "1",
        "code": world["funding"].code, "document_pk": str(world["document"].pk), "fmt": "pdf",
        "uidb64": "MQ", "token": "abc-def", "content_type_id": "1", "app_label": "funding", "url": "tidak-ada/",
        "model": "certificate", "rest": "",
    }
    if route.startswith("program/") and "tagihan/<int:pk>" in route:
        values["pk"] = str(world["bill"].pk)
    elif route.startswith("program/") and "pembayaran/<int:pk>" in route:
        values["pk"] = str(world["payment"].pk)
    elif route.startswith("klaim/"):
        values["pk"] = str(world["claim"].pk)
    elif route.startswith("sertifikat/batch/") or "certificatebatch" in route:
        values["pk"] = str(world["certificatebatch"].pk)
    elif route.startswith("sertifikat/"):
        values["pk"] = str(world["certificate"].pk)
    elif route.startswith("program/") and "daftar-tunggu/<int:pk>" in route:
        values["pk"] = str(world["submission"].pk)
    values.update(overrides)

    def one(match):
        name = match["name"]
        return values[name] if name in values else values.get("pk", "1")

    # The admin's regex patterns first (app_list and the catch-all), then the path converters.
    path = route.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<app_label>[^)]*\)", values["app_label"], path)
    path = re.sub(r"\(\?P<url>\.\*\)", values["url"], path)
    path = re.sub(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>", one, path)
    return "/" + path
