"""A paid claim is immutable, enforced by the database itself (not only by claims/services.py).

Money must reach the right person exactly once: once a claim is paid, no code path (a bug, a shell,
a bulk update) may change who was paid, how much, or why, nor delete the claim. A trigger refuses
UPDATEs that change any of the columns below and every DELETE of a paid claim. Columns added later
(for example a certificate's bookkeeping) stay writable; add them here only if they carry money
or identity.
"""

from django.db import migrations

FROZEN_COLUMNS = [
    "kind", "status", "event_date", "event_place", "description", "benefit_amount", "benefit_breakdown",
    "submitted_at", "submitted_by_id", "verified_at", "verified_by_id", "approved_at", "approved_by_id",
    "rejected_at", "rejected_by_id", "reject_reason", "paid_at", "paid_by_id", "paid_on", "paid_amount",
    "payment_reference", "late_surcharge", "worker_id", "coverage_id", "claimant_id", "arranger_name",
    "arranger_nik", "filed_by_proxy", "bank_name", "bank_account_number", "bank_account_holder",
    "hospital_bill", "home_care_cost", "transport_mode", "transport_cost", "incapacity_months",
    "disability_type", "disability_percent", "function_loss_percent",
]

MESSAGE_UPDATE = "Klaim sudah dibayar dan tidak dapat diubah."
MESSAGE_DELETE = "Klaim sudah dibayar dan tidak dapat dihapus."


def _postgresql_sql():
    old = ", ".join(f"OLD.{c}" for c in FROZEN_COLUMNS)
    new = ", ".join(f"NEW.{c}" for c in FROZEN_COLUMNS)
    return [
        f"""
        CREATE OR REPLACE FUNCTION claims_paid_claim_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{MESSAGE_DELETE} (id %%)', OLD.id USING ERRCODE = 'check_violation';
            END IF;
            IF ROW({old}) IS DISTINCT FROM ROW({new}) THEN
                RAISE EXCEPTION '{MESSAGE_UPDATE} (id %%)', OLD.id USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END;
        $$;
        """,
        """
        CREATE TRIGGER claims_paid_claim_is_immutable
        BEFORE UPDATE OR DELETE ON claims_claim
        FOR EACH ROW WHEN (OLD.status = 'paid')
        EXECUTE FUNCTION claims_paid_claim_is_immutable();
        """,
    ]


def _sqlite_sql():
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in FROZEN_COLUMNS)
    return [
        f"""
        CREATE TRIGGER claims_paid_claim_no_update BEFORE UPDATE ON claims_claim
        FOR EACH ROW WHEN OLD.status = 'paid' AND ({changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE_UPDATE}'); END;
        """,
        f"""
        CREATE TRIGGER claims_paid_claim_no_delete BEFORE DELETE ON claims_claim
        FOR EACH ROW WHEN OLD.status = 'paid'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE_DELETE}'); END;
        """,
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _postgresql_sql, "sqlite": _sqlite_sql}.get(vendor)
    if statements is None:
        return
    for sql in statements():
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_claim_is_immutable ON claims_claim")
        schema_editor.execute("DROP FUNCTION IF EXISTS claims_paid_claim_is_immutable()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_claim_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_claim_no_delete")


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_claim_details_documents_scholarships")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
