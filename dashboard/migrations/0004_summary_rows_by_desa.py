"""The summary rows by desa (issue 14): an Operator Desa's dashboard reads the same rows as the
regent's, filtered by the desa of their area (dashboard/summary.py).

``dashboard_tally_place`` and ``dashboard_tally_claim`` already hold the worker's desa; the four
tallies that stopped at the kecamatan (birth year, birth date, occupation, coverage) gain a
``desa_id`` column in their key, so a village's age bands, occupations and coverage figures are
read off them as a kecamatan's were. Only the two functions that write those four tallies change
(``dashboard_tally_workers`` and ``dashboard_coverage_changed``); every trigger stays as 0001 made
it. The rows are rebuilt from the tables at the end (``dashboard_summary_rebuild``).
"""

import importlib

from django.db import migrations

TABLES = """
TRUNCATE dashboard_tally_birth_year, dashboard_tally_birth_date, dashboard_tally_occupation, dashboard_tally_coverage;
ALTER TABLE dashboard_tally_birth_year ADD COLUMN desa_id bigint NOT NULL,
    DROP CONSTRAINT dashboard_tally_birth_year_pkey, ADD PRIMARY KEY (active, ended, kecamatan_id, desa_id, birth_year);
ALTER TABLE dashboard_tally_birth_date ADD COLUMN desa_id bigint NOT NULL,
    DROP CONSTRAINT dashboard_tally_birth_date_pkey, ADD PRIMARY KEY (birth_date, active, ended, kecamatan_id, desa_id);
ALTER TABLE dashboard_tally_occupation ADD COLUMN desa_id bigint NOT NULL,
    DROP CONSTRAINT dashboard_tally_occupation_pkey, ADD PRIMARY KEY (active, ended, kecamatan_id, desa_id, occupation_id);
ALTER TABLE dashboard_tally_coverage ADD COLUMN desa_id bigint NOT NULL,
    DROP CONSTRAINT dashboard_tally_coverage_pkey,
    ADD PRIMARY KEY (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport);
"""

UNDO_TABLES = """
TRUNCATE dashboard_tally_birth_year, dashboard_tally_birth_date, dashboard_tally_occupation, dashboard_tally_coverage;
ALTER TABLE dashboard_tally_birth_year DROP CONSTRAINT dashboard_tally_birth_year_pkey, DROP COLUMN desa_id,
    ADD PRIMARY KEY (active, ended, kecamatan_id, birth_year);
ALTER TABLE dashboard_tally_birth_date DROP CONSTRAINT dashboard_tally_birth_date_pkey, DROP COLUMN desa_id,
    ADD PRIMARY KEY (birth_date, active, ended, kecamatan_id);
ALTER TABLE dashboard_tally_occupation DROP CONSTRAINT dashboard_tally_occupation_pkey, DROP COLUMN desa_id,
    ADD PRIMARY KEY (active, ended, kecamatan_id, occupation_id);
ALTER TABLE dashboard_tally_coverage DROP CONSTRAINT dashboard_tally_coverage_pkey, DROP COLUMN desa_id,
    ADD PRIMARY KEY (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport);
"""

# 0001's functions with the desa added wherever the four tallies took the kecamatan.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION dashboard_tally_workers(ids bigint[], sign integer, with_coverages boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_tally_place AS t (active, ended, desa_id, sex, n)
    SELECT active, ended, desa_id, sex, sign * count(*) FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (active, ended, desa_id, sex) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_birth_year AS t (active, ended, kecamatan_id, desa_id, birth_year, n)
    SELECT active, ended, kecamatan_id, desa_id, extract(year FROM birth_date)::integer, sign * count(*)
    FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (active, ended, kecamatan_id, desa_id, birth_year) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_birth_date AS t (birth_date, active, ended, kecamatan_id, desa_id, n)
    SELECT birth_date, active, ended, kecamatan_id, desa_id, sign * count(*) FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (birth_date, active, ended, kecamatan_id, desa_id) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_occupation AS t (active, ended, kecamatan_id, desa_id, occupation_id, n)
    SELECT s.active, s.ended, s.kecamatan_id, s.desa_id, o.occupation_id, sign * count(*)
    FROM dashboard_worker_state s CROSS JOIN LATERAL unnest(s.occupations) AS o(occupation_id)
    WHERE s.worker_id = ANY(ids) AND cardinality(s.active) + cardinality(s.ended) > 0 GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (active, ended, kecamatan_id, desa_id, occupation_id) DO UPDATE SET n = t.n + excluded.n;

    IF with_coverages THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.desa_id, s.transport, sign * count(*)
        FROM enrollment_coverage c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id
        WHERE c.worker_id = ANY(ids) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport)
        DO UPDATE SET n = t.n + excluded.n;

        INSERT INTO dashboard_tally_claim AS t (funding_source_id, desa_id, status, filed, paid, n, amount)
        SELECT c.funding_source_id, s.desa_id, k.status,
               date_trunc('month', COALESCE(k.submitted_at, k.created_at)
                          AT TIME ZONE (SELECT time_zone FROM dashboard_summary_settings LIMIT 1))::date,
               COALESCE(CASE WHEN k.status = 'paid' THEN date_trunc('month', k.paid_on)::date END, '0001-01-01'),
               sign * count(*), sign * sum(COALESCE(k.paid_amount, 0))
        FROM claims_claim k JOIN dashboard_worker_state s ON s.worker_id = k.worker_id
        JOIN enrollment_coverage c ON c.id = k.coverage_id
        WHERE k.worker_id = ANY(ids) GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (funding_source_id, desa_id, status, filed, paid)
        DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION dashboard_coverage_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.desa_id, s.transport, -count(*)
        FROM old_rows c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport)
        DO UPDATE SET n = t.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.desa_id, s.transport, count(*)
        FROM new_rows c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, desa_id, transport)
        DO UPDATE SET n = t.n + excluded.n;
    END IF;
    -- A coverage moved to another source takes its claims along.
    IF TG_OP = 'UPDATE' THEN
      IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.funding_source_id <> n.funding_source_id) THEN
        INSERT INTO dashboard_tally_claim AS t (funding_source_id, desa_id, status, filed, paid, n, amount)
        SELECT c.funding_source_id, s.desa_id, k.status,
               date_trunc('month', COALESCE(k.submitted_at, k.created_at)
                          AT TIME ZONE (SELECT time_zone FROM dashboard_summary_settings LIMIT 1))::date,
               COALESCE(CASE WHEN k.status = 'paid' THEN date_trunc('month', k.paid_on)::date END, '0001-01-01'),
               -1 * count(*), -1 * sum(COALESCE(k.paid_amount, 0))
        FROM claims_claim k JOIN dashboard_worker_state s ON s.worker_id = k.worker_id
        JOIN old_rows c ON c.id = k.coverage_id
        WHERE true GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (funding_source_id, desa_id, status, filed, paid)
        DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
        INSERT INTO dashboard_tally_claim AS t (funding_source_id, desa_id, status, filed, paid, n, amount)
        SELECT c.funding_source_id, s.desa_id, k.status,
               date_trunc('month', COALESCE(k.submitted_at, k.created_at)
                          AT TIME ZONE (SELECT time_zone FROM dashboard_summary_settings LIMIT 1))::date,
               COALESCE(CASE WHEN k.status = 'paid' THEN date_trunc('month', k.paid_on)::date END, '0001-01-01'),
               1 * count(*), 1 * sum(COALESCE(k.paid_amount, 0))
        FROM claims_claim k JOIN dashboard_worker_state s ON s.worker_id = k.worker_id
        JOIN new_rows c ON c.id = k.coverage_id
        WHERE true GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (funding_source_id, desa_id, status, filed, paid)
        DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
      END IF;
    END IF;
    -- The workers whose active/ended sources may have moved.
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT worker_id FROM new_rows WHERE status IN ('active', 'ended'));
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT DISTINCT worker_id FROM old_rows WHERE status IN ('active', 'ended'));
    ELSE
        ids := ARRAY(
            SELECT o.worker_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.worker_id, o.funding_source_id, o.status) IS DISTINCT FROM (n.worker_id, n.funding_source_id, n.status)
            UNION SELECT n.worker_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.worker_id, o.funding_source_id, o.status) IS DISTINCT FROM (n.worker_id, n.funding_source_id, n.status)
        );
    END IF;
    PERFORM dashboard_refresh_workers(ids, false);
    RETURN NULL;
END $$;
"""


def _original_functions() -> str:
    """0001's two functions, to put back when this migration is reversed."""
    original = importlib.import_module("dashboard.migrations.0001_summary_tables_and_triggers").FUNCTIONS
    parts = original.split("CREATE FUNCTION ")
    keep = [part for part in parts if part.startswith(("dashboard_tally_workers(", "dashboard_coverage_changed("))]
    assert len(keep) == 2, "0001's functions moved"
    return "".join("CREATE OR REPLACE FUNCTION " + part for part in keep)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (make run): no summary rows
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TABLES + FUNCTIONS)
        cursor.execute("SELECT dashboard_summary_rebuild()")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(UNDO_TABLES + _original_functions())
        cursor.execute("SELECT dashboard_summary_rebuild()")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_monthly_report"),
    ]

    operations = [migrations.RunPython(forward, backward)]
