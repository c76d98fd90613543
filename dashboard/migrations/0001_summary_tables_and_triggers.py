"""The dashboard's summary rows, kept exact by PostgreSQL triggers (issue 13, item 3).

Every covered-worker figure used to scan every covered worker (20–50 ms of PostgreSQL time each
at 100,000 workers). These tables hold the same counts already grouped, so a request reads a few
thousand rows whatever the number of workers:

* ``dashboard_worker_state``: one row per worker with what the figures read of it: desa,
  kecamatan, sex, birth date, occupations, whether one is a transport occupation (R-COST-1), and
  the funding sources where it holds an ``active`` and an ``ended`` coverage (its "signature").
  Whether a worker is covered depends on today and on the sources in scope (an ended coverage
  counts once its program's period is over), so that is decided at query time from the
  signature; the rows stay free of dates.
* ``dashboard_tally_place`` (signature, desa, sex), ``dashboard_tally_birth_year`` (signature,
  kecamatan, birth year), ``dashboard_tally_birth_date`` (signature, kecamatan, birth date: read
  only for the five birth years that straddle an age band's edge today),
  ``dashboard_tally_occupation`` (signature, kecamatan, occupation): workers with an active or
  ended coverage, counted once whatever their number of coverages.
* ``dashboard_tally_coverage``: coverages per (source, status, start, end, programs, income
  basis, the worker's kecamatan and transport flag): the coverage figures and R-COST-1.
* ``dashboard_tally_claim``: claims per (the coverage's source, the worker's desa, status, month
  filed, month paid) with the amount paid: read with GROUPING SETS instead of looking up each
  claim's desa and source (two index probes a claim: ~45 ms at 2,000 claims under load). Months
  are taken in ``dashboard_summary_settings.time_zone`` (settings.TIME_ZONE when built; after
  changing TIME_ZONE run ``manage.py rebuild_dashboard_summary``).

Statement-level AFTER triggers with transition tables keep them exact on every write path: the
services' saves, the admin, the Excel import's COPY, bulk ``update()`` and a shell. A change of a
worker (desa, sex, birth date), of its occupations, of a desa's kecamatan or an occupation's
transport flag, and of any coverage recomputes the affected workers' rows
(``dashboard_refresh_workers``); TRUNCATE (the test suite's flush) rebuilds everything
(``dashboard_summary_rebuild``, also called by the benchmark after seeding and by
``manage.py rebuild_dashboard_summary``). PostgreSQL only: on SQLite (``make run``) the dashboard
computes from the tables, as before.
"""

from django.conf import settings
from django.db import migrations

TALLIES = """
CREATE TABLE dashboard_summary_settings (time_zone text NOT NULL);
CREATE TABLE dashboard_tally_claim (
    funding_source_id bigint NOT NULL, desa_id bigint NOT NULL, status varchar(10) NOT NULL,
    filed date NOT NULL, paid date NOT NULL,  -- 0001-01-01: not paid (no paid_on, or not status paid)
    n integer NOT NULL, amount numeric(17, 0) NOT NULL,
    PRIMARY KEY (funding_source_id, desa_id, status, filed, paid)
);
CREATE TABLE dashboard_worker_state (
    worker_id bigint PRIMARY KEY,
    desa_id bigint NOT NULL,
    kecamatan_id bigint NOT NULL,
    sex varchar(1) NOT NULL,
    birth_date date NOT NULL,
    occupations bigint[] NOT NULL,
    transport boolean NOT NULL,
    active bigint[] NOT NULL,
    ended bigint[] NOT NULL
);
CREATE TABLE dashboard_tally_place (
    active bigint[] NOT NULL, ended bigint[] NOT NULL, desa_id bigint NOT NULL, sex varchar(1) NOT NULL,
    n integer NOT NULL, PRIMARY KEY (active, ended, desa_id, sex)
);
CREATE TABLE dashboard_tally_birth_year (
    active bigint[] NOT NULL, ended bigint[] NOT NULL, kecamatan_id bigint NOT NULL, birth_year integer NOT NULL,
    n integer NOT NULL, PRIMARY KEY (active, ended, kecamatan_id, birth_year)
);
CREATE TABLE dashboard_tally_birth_date (
    birth_date date NOT NULL, active bigint[] NOT NULL, ended bigint[] NOT NULL, kecamatan_id bigint NOT NULL,
    n integer NOT NULL, PRIMARY KEY (birth_date, active, ended, kecamatan_id)
);
CREATE TABLE dashboard_tally_occupation (
    active bigint[] NOT NULL, ended bigint[] NOT NULL, kecamatan_id bigint NOT NULL, occupation_id bigint NOT NULL,
    n integer NOT NULL, PRIMARY KEY (active, ended, kecamatan_id, occupation_id)
);
CREATE TABLE dashboard_tally_coverage (
    funding_source_id bigint NOT NULL, status varchar(10) NOT NULL, start_date date NOT NULL, end_date date NOT NULL,
    jkk boolean NOT NULL, jkm boolean NOT NULL, income_basis numeric(15, 0) NOT NULL,
    kecamatan_id bigint NOT NULL, transport boolean NOT NULL, n integer NOT NULL,
    PRIMARY KEY (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport)
);
"""

FUNCTIONS = """
-- Add (sign = 1) or take out (sign = -1) what the workers ``ids`` count, as their state rows say.
-- The worker tallies count workers with an active or ended coverage; the coverage tally counts
-- every coverage of a worker that has a state row.
CREATE FUNCTION dashboard_tally_workers(ids bigint[], sign integer, with_coverages boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_tally_place AS t (active, ended, desa_id, sex, n)
    SELECT active, ended, desa_id, sex, sign * count(*) FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (active, ended, desa_id, sex) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_birth_year AS t (active, ended, kecamatan_id, birth_year, n)
    SELECT active, ended, kecamatan_id, extract(year FROM birth_date)::integer, sign * count(*) FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (active, ended, kecamatan_id, birth_year) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_birth_date AS t (birth_date, active, ended, kecamatan_id, n)
    SELECT birth_date, active, ended, kecamatan_id, sign * count(*) FROM dashboard_worker_state
    WHERE worker_id = ANY(ids) AND cardinality(active) + cardinality(ended) > 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (birth_date, active, ended, kecamatan_id) DO UPDATE SET n = t.n + excluded.n;

    INSERT INTO dashboard_tally_occupation AS t (active, ended, kecamatan_id, occupation_id, n)
    SELECT s.active, s.ended, s.kecamatan_id, o.occupation_id, sign * count(*)
    FROM dashboard_worker_state s CROSS JOIN LATERAL unnest(s.occupations) AS o(occupation_id)
    WHERE s.worker_id = ANY(ids) AND cardinality(s.active) + cardinality(s.ended) > 0 GROUP BY 1, 2, 3, 4
    ON CONFLICT (active, ended, kecamatan_id, occupation_id) DO UPDATE SET n = t.n + excluded.n;

    IF with_coverages THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.transport, sign * count(*)
        FROM enrollment_coverage c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id
        WHERE c.worker_id = ANY(ids) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport)
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

-- Recompute the state rows of the workers ``ids`` from the tables and move their counts.
-- with_coverages: whether the worker's kecamatan or transport flag may have changed (not when
-- only coverages changed: the coverage trigger has counted those rows itself).
CREATE FUNCTION dashboard_refresh_workers(ids bigint[], with_coverages boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM dashboard_tally_workers(ids, -1, with_coverages);
    DELETE FROM dashboard_worker_state WHERE worker_id = ANY(ids);
    INSERT INTO dashboard_worker_state
        (worker_id, desa_id, kecamatan_id, sex, birth_date, occupations, transport, active, ended)
    SELECT w.id, w.desa_id, d.kecamatan_id, w.sex, w.birth_date,
           COALESCE((SELECT array_agg(wo.occupation_id ORDER BY wo.occupation_id)
                     FROM enrollment_worker_occupations wo WHERE wo.worker_id = w.id), '{}'),
           EXISTS (SELECT 1 FROM enrollment_worker_occupations wo
                   JOIN enrollment_occupation o ON o.id = wo.occupation_id
                   WHERE wo.worker_id = w.id AND o.is_transport),
           COALESCE((SELECT array_agg(DISTINCT c.funding_source_id ORDER BY c.funding_source_id)
                     FROM enrollment_coverage c WHERE c.worker_id = w.id AND c.status = 'active'), '{}'),
           COALESCE((SELECT array_agg(DISTINCT c.funding_source_id ORDER BY c.funding_source_id)
                     FROM enrollment_coverage c WHERE c.worker_id = w.id AND c.status = 'ended'), '{}')
    FROM enrollment_worker w JOIN enrollment_desa d ON d.id = w.desa_id
    WHERE w.id = ANY(ids);
    PERFORM dashboard_tally_workers(ids, 1, with_coverages);
END $$;

-- Everything again from the tables (after a TRUNCATE, a load with triggers off, the migration).
CREATE FUNCTION dashboard_summary_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dashboard_tally_claim, dashboard_worker_state, dashboard_tally_place, dashboard_tally_birth_year,
             dashboard_tally_birth_date, dashboard_tally_occupation, dashboard_tally_coverage;
    PERFORM dashboard_refresh_workers(ARRAY(SELECT id FROM enrollment_worker), true);
    DELETE FROM dashboard_tally_place WHERE n = 0;
    DELETE FROM dashboard_tally_birth_year WHERE n = 0;
    DELETE FROM dashboard_tally_birth_date WHERE n = 0;
    DELETE FROM dashboard_tally_occupation WHERE n = 0;
    DELETE FROM dashboard_tally_coverage WHERE n = 0;
    DELETE FROM dashboard_tally_claim WHERE n = 0;
END $$;

CREATE FUNCTION dashboard_claim_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_tally_claim AS t (funding_source_id, desa_id, status, filed, paid, n, amount)
        SELECT c.funding_source_id, s.desa_id, k.status,
               date_trunc('month', COALESCE(k.submitted_at, k.created_at)
                          AT TIME ZONE (SELECT time_zone FROM dashboard_summary_settings LIMIT 1))::date,
               COALESCE(CASE WHEN k.status = 'paid' THEN date_trunc('month', k.paid_on)::date END, '0001-01-01'),
               -1 * count(*), -1 * sum(COALESCE(k.paid_amount, 0))
        FROM old_rows k JOIN dashboard_worker_state s ON s.worker_id = k.worker_id
        JOIN enrollment_coverage c ON c.id = k.coverage_id
        WHERE true GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (funding_source_id, desa_id, status, filed, paid)
        DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_tally_claim AS t (funding_source_id, desa_id, status, filed, paid, n, amount)
        SELECT c.funding_source_id, s.desa_id, k.status,
               date_trunc('month', COALESCE(k.submitted_at, k.created_at)
                          AT TIME ZONE (SELECT time_zone FROM dashboard_summary_settings LIMIT 1))::date,
               COALESCE(CASE WHEN k.status = 'paid' THEN date_trunc('month', k.paid_on)::date END, '0001-01-01'),
               1 * count(*), 1 * sum(COALESCE(k.paid_amount, 0))
        FROM new_rows k JOIN dashboard_worker_state s ON s.worker_id = k.worker_id
        JOIN enrollment_coverage c ON c.id = k.coverage_id
        WHERE true GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (funding_source_id, desa_id, status, filed, paid)
        DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_coverage_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.transport, -count(*)
        FROM old_rows c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport)
        DO UPDATE SET n = t.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_tally_coverage AS t
            (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport, n)
        SELECT c.funding_source_id, c.status, c.start_date, c.end_date, c.jkk, c.jkm, c.income_basis,
               s.kecamatan_id, s.transport, count(*)
        FROM new_rows c JOIN dashboard_worker_state s ON s.worker_id = c.worker_id GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT (funding_source_id, status, start_date, end_date, jkk, jkm, income_basis, kecamatan_id, transport)
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

CREATE FUNCTION dashboard_worker_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_refresh_workers(ARRAY(SELECT id FROM new_rows), true);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_refresh_workers(ARRAY(SELECT id FROM old_rows), true);
    ELSE
        PERFORM dashboard_refresh_workers(ARRAY(
            SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.desa_id, o.sex, o.birth_date) IS DISTINCT FROM (n.desa_id, n.sex, n.birth_date)
            UNION SELECT o.id FROM old_rows o LEFT JOIN new_rows n ON n.id = o.id WHERE n.id IS NULL
            UNION SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id WHERE o.id IS NULL
        ), true);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_worker_occupations_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_refresh_workers(ARRAY(SELECT DISTINCT worker_id FROM new_rows), true);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_refresh_workers(ARRAY(SELECT DISTINCT worker_id FROM old_rows), true);
    ELSE
        PERFORM dashboard_refresh_workers(ARRAY(SELECT worker_id FROM old_rows UNION SELECT worker_id FROM new_rows), true);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_desa_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh_workers(ARRAY(
        SELECT w.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN enrollment_worker w ON w.desa_id = n.id
        WHERE o.kecamatan_id IS DISTINCT FROM n.kecamatan_id
    ), true);
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_occupation_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_refresh_workers(ARRAY(
        SELECT DISTINCT wo.worker_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN enrollment_worker_occupations wo ON wo.occupation_id = n.id
        WHERE o.is_transport IS DISTINCT FROM n.is_transport
    ), true);
    RETURN NULL;
END $$;

CREATE FUNCTION dashboard_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_summary_rebuild();
    RETURN NULL;
END $$;
"""

# (table, function, events): one trigger per event (PostgreSQL allows transition tables on
# single-event triggers only).
WATCHED = [
    ("enrollment_coverage", "dashboard_coverage_changed", ("INSERT", "UPDATE", "DELETE")),
    ("enrollment_worker", "dashboard_worker_changed", ("INSERT", "UPDATE", "DELETE")),
    ("enrollment_worker_occupations", "dashboard_worker_occupations_changed", ("INSERT", "UPDATE", "DELETE")),
    ("enrollment_desa", "dashboard_desa_changed", ("UPDATE",)),
    ("enrollment_occupation", "dashboard_occupation_changed", ("UPDATE",)),
    ("claims_claim", "dashboard_claim_changed", ("INSERT", "UPDATE", "DELETE")),
]
TRUNCATED = ["claims_claim", "enrollment_coverage", "enrollment_worker", "enrollment_worker_occupations", "enrollment_desa"]


def _trigger_sql():
    statements = []
    for table, function, events in WATCHED:
        for event in events:
            transition = {
                "INSERT": "REFERENCING NEW TABLE AS new_rows",
                "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "DELETE": "REFERENCING OLD TABLE AS old_rows",
            }[event]
            statements.append(
                f"CREATE TRIGGER dashboard_{event.lower()} AFTER {event} ON {table} {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    for table in TRUNCATED:
        statements.append(
            f"CREATE TRIGGER dashboard_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION dashboard_truncated();"
        )
    return "\n".join(statements)


def _drop_sql():
    statements = [f"DROP TRIGGER IF EXISTS dashboard_{event.lower()} ON {table};"
                  for table, _function, events in WATCHED for event in events]
    statements += [f"DROP TRIGGER IF EXISTS dashboard_truncate ON {table};" for table in TRUNCATED]
    statements += [
        "DROP FUNCTION IF EXISTS dashboard_truncated(), dashboard_occupation_changed(), dashboard_desa_changed(),"
        " dashboard_worker_occupations_changed(), dashboard_worker_changed(), dashboard_coverage_changed(),"
        " dashboard_summary_rebuild(), dashboard_claim_changed(), dashboard_refresh_workers(bigint[], boolean),"
        " dashboard_tally_workers(bigint[], integer, boolean);",
        "DROP TABLE IF EXISTS dashboard_summary_settings, dashboard_tally_claim, dashboard_worker_state, dashboard_tally_place, dashboard_tally_birth_year,"
        " dashboard_tally_birth_date, dashboard_tally_occupation, dashboard_tally_coverage;",
    ]
    return "\n".join(statements)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite (make run): the dashboard computes from the tables
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(TALLIES + FUNCTIONS + _trigger_sql())
        cursor.execute("INSERT INTO dashboard_summary_settings (time_zone) VALUES (%s)", [settings.TIME_ZONE])
        cursor.execute("SELECT dashboard_summary_rebuild()")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_drop_sql())


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0008_queued_work_sweeper"),
        ("claims", "0005_paid_scholarship_immutable"),
    ]

    operations = [migrations.RunPython(create, drop)]
