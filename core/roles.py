"""The three kinds of users as Django groups, and the permissions each one holds.

This map is the single source of truth: the migration creates the groups, and after every
``migrate`` (and every test-database flush) ``sync_roles`` adds the listed permissions and removes
the revoked ones (``REVOKED_PERMISSIONS``). Views,
admin and services check permissions (``user.has_perm``), never group names.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

OPERATOR = "Operator Kabupaten"  # district officials (Disnakertrans): enter workers, heirs, coverage
BPJS_STAFF = "Petugas BPJS"  # BPJS branch staff (KC Pangkalan Bun): KPJ numbers, claims
LEADERSHIP = "Pimpinan"  # the regent and staff: dashboard and read-only figures
FINANCE = "Keuangan Daerah"  # the regency's finance office (BPKAD): records payments to BPJS
# Issue 14: area-bound accounts (enrollment/areas.py), seeing only the desa/kecamatan assigned to them.
OPERATOR_DESA = "Operator Desa"  # village officers: enter and submit their villagers, never enrol
OPERATOR_KECAMATAN = "Operator Kecamatan"  # sub-district officers: read their area, check submissions

_REFERENCE_VIEW = ["enrollment.view_kecamatan", "enrollment.view_desa", "enrollment.view_occupation"]

ROLE_PERMISSIONS = {
    OPERATOR: [
        *_REFERENCE_VIEW,
        "enrollment.view_worker",
        "enrollment.add_worker",
        "enrollment.change_worker",
        "enrollment.view_heir",
        "enrollment.add_heir",
        "enrollment.change_heir",
        "enrollment.delete_heir",
        "enrollment.view_coverage",
        "enrollment.add_coverage",
        "enrollment.submit_coverage",
        "enrollment.cancel_coverage",
        "funding.view_fundingsource",
        "dashboard.view_dashboard",
        # Certificates (issue 5): the district office renders and prints them.
        "certificates.view_certificate",
        "certificates.render_certificate",
        "certificates.download_certificate",
        "certificates.view_certificatebatch",
        # Claims (claims/services.py): file claims and upload their documents.
        "claims.view_claim",
        "claims.add_claim",
        "claims.view_claim_personal_data",
        "claims.view_claimdocument",
        "claims.add_claimdocument",
        # Funding over the year: bills, invoice comparison, renewal, holidays for due dates.
        "funding.view_contributionbill",
        "funding.add_contributionbill",
        "funding.delete_contributionbill",
        "funding.export_contributionbill",
        "funding.view_contributionpayment",
        # Renewal fills next year's program only if the administrator created it (funding/renewal.py).
        "funding.renew_fundingsource",
        # Holidays only to read: they move due dates, so lapse (R-PAY-2) and claim eligibility, on
        # claims this role files; the administrator keeps the calendar (see REVOKED below).
        "funding.view_holiday",
        # Excel import of workers and the BPJS registration export (issue 3).
        "enrollment.import_workers",
        "enrollment.view_importbatch",
        "enrollment.export_bpjs",
        "enrollment.view_bpjsexport",
        # Village submissions (issue 14): the district decides and enrols; it sets the area shares.
        "enrollment.view_submission",
        "enrollment.decide_submission",
        "enrollment.reorder_waiting",
        "enrollment.view_areashare",
        "enrollment.add_areashare",
        "enrollment.change_areashare",
        "enrollment.delete_areashare",
    ],
    BPJS_STAFF: [
        *_REFERENCE_VIEW,
        "enrollment.view_worker",
        "enrollment.view_heir",
        "enrollment.view_coverage",
        "enrollment.activate_coverage",
        "funding.view_fundingsource",
        "dashboard.view_dashboard",
        # Certificates (issue 5): BPJS hands them over, so it may download them, not make them.
        "certificates.view_certificate",
        "certificates.download_certificate",
        "certificates.view_certificatebatch",
        # Claims: check, decide and record payment (never approving a claim they filed).
        "claims.view_claim",
        "claims.verify_claim",
        "claims.approve_claim",
        "claims.reject_claim",
        "claims.pay_claim",
        "claims.view_claim_personal_data",
        "claims.view_claimdocument",
        # BPJS's answer file (KPJ numbers) and the registration exports it receives (issue 3).
        "enrollment.import_bpjs_answer",
        "enrollment.view_importbatch",
        "enrollment.view_bpjsexport",
    ],
    LEADERSHIP: [
        "funding.view_fundingsource",
        "dashboard.view_dashboard",
        # No certificate permissions: the documents carry names and NIKs (UU 27/2022); the
        # regent's office receives the printed berita acara from the district office.
        # Claims read-only: NIK masked, no bank account numbers, no documents (UU 27/2022).
        "claims.view_claim",
        "funding.view_contributionbill",
        "funding.view_contributionpayment",
    ],
    FINANCE: [
        "funding.view_fundingsource",
        # The dashboard (aggregates, small counts masked: no enrollment.view_worker) shows what the
        # budget buys, which the finance office reports on; README's role table says the same.
        "dashboard.view_dashboard",
        # Holidays only to read, not to change: they move the due dates this office pays against,
        # so changing them would let the payer declare its own late payment on time (R-PAY-2).
        "funding.view_holiday",
        "funding.view_contributionbill",
        "funding.export_contributionbill",
        "funding.view_contributionpayment",
        "funding.record_payment",
    ],
    # Both area roles see only their area (enrollment.work_in_area; core/areas.py filters every
    # query), personal data included: they are the ones who collect the KTP and KK. Neither enrols,
    # decides a submission, moves money nor touches claims beyond reading them.
    OPERATOR_DESA: [
        *_REFERENCE_VIEW,
        "enrollment.work_in_area",
        "enrollment.view_worker",
        "enrollment.add_worker",
        "enrollment.change_worker",
        "enrollment.view_heir",
        "enrollment.add_heir",
        "enrollment.change_heir",
        "enrollment.delete_heir",
        "enrollment.view_coverage",
        "enrollment.import_workers",
        "enrollment.view_importbatch",
        "enrollment.view_submission",
        "enrollment.submit_village",
        "dashboard.view_dashboard",
        "claims.view_claim",
        "claims.view_claim_personal_data",
        "claims.view_claimdocument",
        "certificates.view_certificate",
        "certificates.download_certificate",
    ],
    OPERATOR_KECAMATAN: [
        *_REFERENCE_VIEW,
        "enrollment.work_in_area",
        "enrollment.view_worker",
        "enrollment.view_heir",
        "enrollment.view_coverage",
        "enrollment.view_submission",
        "enrollment.check_submission",
        "enrollment.view_areashare",
        "dashboard.view_dashboard",
        "claims.view_claim",
        "claims.view_claim_personal_data",
        "claims.view_claimdocument",
        "certificates.view_certificate",
        "certificates.download_certificate",
    ],
}

# Who sees what, beyond the permissions above (README "Demo accounts and roles" says the same):
# - the dashboard (dashboard.view_dashboard): Operator Kabupaten, Petugas BPJS, Pimpinan, Keuangan
#   Daerah and superusers; exact small counts only with enrollment.view_worker (Operator, BPJS).
# - holidays (funding.*_holiday): every role that plans money reads them; only the administrator
#   (superuser) changes them, since they move due dates, lapse and claim eligibility (R-PAY-2).
# - funding sources: only the administrator creates or changes them, renewal included.

# Two-factor sign-in (core/accounts.py) for whoever moves money or approves claims: Petugas BPJS
# (approve and pay claims), Keuangan Daerah (records payments to BPJS) and superusers.
TWO_FACTOR_PERMISSIONS = ["claims.approve_claim", "claims.pay_claim", "funding.record_payment"]


def needs_two_factor(user) -> bool:
    return user.is_authenticated and (user.is_superuser or any(user.has_perm(p) for p in TWO_FACTOR_PERMISSIONS))


# Permissions a role held in an earlier version and must lose: sync_roles removes them from the
# existing groups after every migrate (a role map that only adds would never take them back).
REVOKED_PERMISSIONS = {
    OPERATOR: ["funding.add_holiday", "funding.change_holiday", "funding.delete_holiday"],
}

log = logging.getLogger(__name__)


def create_groups(apps):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_PERMISSIONS:
        Group.objects.get_or_create(name=name)


def sync_roles(apps):
    """Create the groups and add each listed permission that exists (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    found = {}
    for perm in Permission.objects.filter(
        content_type__app_label__in={p.split(".")[0] for p in wanted}
    ).select_related("content_type"):
        found[f"{perm.content_type.app_label}.{perm.codename}"] = perm
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        present = [found[p] for p in perms if p in found]
        group.permissions.add(*present)
        revoked = [
            perm for perm in group.permissions.select_related("content_type")
            if f"{perm.content_type.app_label}.{perm.codename}" in REVOKED_PERMISSIONS.get(name, ())
        ]
        group.permissions.remove(*revoked)
    return wanted - found.keys()


def require_permission(user, perm: str, *, system_allowed: bool = True) -> None:
    """Services check permissions themselves, so views, admin and commands cannot forget it.

    ``user=None`` is the system itself (a scheduled task, seed_demo), which may do what its code
    does, unless ``system_allowed`` is off (money to people: claims need a human).
    """
    if user is None:
        if system_allowed:
            return
        raise PermissionDenied(_("Anda tidak berwenang untuk tindakan ini."))
    if not user.is_authenticated or not user.has_perm(perm):
        raise PermissionDenied(_("Anda tidak berwenang untuk tindakan ini."))
