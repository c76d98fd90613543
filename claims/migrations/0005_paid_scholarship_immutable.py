"""A paid claim stays immutable with the yearly scholarships (0003, 0004).

The claim's trigger function is replaced to also freeze ``death_claim_id`` (which death a
scholarship was paid on), and the scholarship rows of a paid claim (child, level, school year,
amount granted: what later years are counted from, R-JKM-4) can no longer be changed or deleted.
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
    "death_claim_id",
]
PREVIOUS_COLUMNS = FROZEN_COLUMNS[:-1]

MESSAGE_UPDATE = "Klaim sudah dibayar dan tidak dapat diubah."
MESSAGE_DELETE = "Klaim sudah dibayar dan tidak dapat dihapus."
MESSAGE_SCHOLARSHIP = "Beasiswa pada klaim yang sudah dibayar tidak dapat diubah atau dihapus."


def _claim_function(columns):
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"""
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
        """


SCHOLARSHIP_POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION claims_paid_scholarship_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM claims_claim WHERE id = OLD.claim_id AND status = 'paid') THEN
            RAISE EXCEPTION '{MESSAGE_SCHOLARSHIP} (id %%)', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END;
    $$;
    """,
    """
    CREATE TRIGGER claims_paid_scholarship_is_immutable
    BEFORE UPDATE OR DELETE ON claims_scholarshipchild
    FOR EACH ROW EXECUTE FUNCTION claims_paid_scholarship_is_immutable();
    """,
]


def _sqlite_claim_trigger(columns):
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [
        "DROP TRIGGER IF EXISTS claims_paid_claim_no_update",
        f"""
        CREATE TRIGGER claims_paid_claim_no_update BEFORE UPDATE ON claims_claim
        FOR EACH ROW WHEN OLD.status = 'paid' AND ({changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE_UPDATE}'); END;
        """,
    ]


SCHOLARSHIP_SQLITE = [
    f"""
    CREATE TRIGGER claims_paid_scholarship_no_update BEFORE UPDATE ON claims_scholarshipchild
    FOR EACH ROW WHEN (SELECT status FROM claims_claim WHERE id = OLD.claim_id) = 'paid'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE_SCHOLARSHIP}'); END;
    """,
    f"""
    CREATE TRIGGER claims_paid_scholarship_no_delete BEFORE DELETE ON claims_scholarshipchild
    FOR EACH ROW WHEN (SELECT status FROM claims_claim WHERE id = OLD.claim_id) = 'paid'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE_SCHOLARSHIP}'); END;
    """,
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [_claim_function(FROZEN_COLUMNS), *SCHOLARSHIP_POSTGRESQL]
    elif vendor == "sqlite":
        statements = [*_sqlite_claim_trigger(FROZEN_COLUMNS), *SCHOLARSHIP_SQLITE]
    else:
        return
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_scholarship_is_immutable ON claims_scholarshipchild")
        schema_editor.execute("DROP FUNCTION IF EXISTS claims_paid_scholarship_is_immutable()")
        schema_editor.execute(_claim_function(PREVIOUS_COLUMNS))
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_scholarship_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS claims_paid_scholarship_no_delete")
        for sql in _sqlite_claim_trigger(PREVIOUS_COLUMNS):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_yearly_scholarship_claims")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
