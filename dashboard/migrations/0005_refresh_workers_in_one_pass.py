"""The dashboard's summary trigger computes a batch of workers in one pass (issue 13, the import's cost).

``dashboard_refresh_workers`` (0001) looked up each worker's occupations, transport flag and
sources with four subqueries per worker, and recounted every id it was given. The Excel import
writes 100,000 workers in one COPY: now their rows are computed from the occupations and coverages
grouped in one pass; only the workers counted so far are taken out of the tallies first (none when
they are new), and only the workers that exist are put back (none when their occupations are
written before them, as the import does: the worker's trigger then counts them once). The
tallies are the same; dashboard/tests/test_exactness.py compares them with a recount.
"""

from django.db import migrations

REFRESH = """
CREATE OR REPLACE FUNCTION dashboard_refresh_workers(ids bigint[], with_coverages boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    counted bigint[];
    present bigint[];
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Out of the tallies: the workers counted so far (none when they are new).
    counted := ARRAY(SELECT worker_id FROM dashboard_worker_state WHERE worker_id = ANY(ids));
    IF cardinality(counted) > 0 THEN
        PERFORM dashboard_tally_workers(counted, -1, with_coverages);
        DELETE FROM dashboard_worker_state WHERE worker_id = ANY(counted);
    END IF;
    -- Into them: the workers that exist now (none when their occupations are written first).
    present := ARRAY(SELECT id FROM enrollment_worker WHERE id = ANY(ids));
    IF cardinality(present) = 0 THEN
        RETURN;
    END IF;
    -- One pass over the workers, their occupations and their coverages, grouped, rather than four
    -- lookups per worker (the Excel import writes 100,000 at once).
    INSERT INTO dashboard_worker_state
        (worker_id, desa_id, kecamatan_id, sex, birth_date, occupations, transport, active, ended)
    SELECT w.id, w.desa_id, d.kecamatan_id, w.sex, w.birth_date, COALESCE(o.occupations, '{}'),
           COALESCE(o.transport, false), COALESCE(c.active, '{}'), COALESCE(c.ended, '{}')
    FROM enrollment_worker w JOIN enrollment_desa d ON d.id = w.desa_id
    LEFT JOIN (
        SELECT wo.worker_id, array_agg(wo.occupation_id ORDER BY wo.occupation_id) AS occupations,
               bool_or(o.is_transport) AS transport
        FROM enrollment_worker_occupations wo JOIN enrollment_occupation o ON o.id = wo.occupation_id
        WHERE wo.worker_id = ANY(present) GROUP BY wo.worker_id
    ) o ON o.worker_id = w.id
    LEFT JOIN (
        SELECT worker_id,
               array_agg(DISTINCT funding_source_id ORDER BY funding_source_id) FILTER (WHERE status = 'active') AS active,
               array_agg(DISTINCT funding_source_id ORDER BY funding_source_id) FILTER (WHERE status = 'ended') AS ended
        FROM enrollment_coverage WHERE worker_id = ANY(present) AND status IN ('active', 'ended') GROUP BY worker_id
    ) c ON c.worker_id = w.id
    WHERE w.id = ANY(present);
    PERFORM dashboard_tally_workers(present, 1, with_coverages);
END $$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION dashboard_refresh_workers(ids bigint[], with_coverages boolean) RETURNS void
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
"""


def replace(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # SQLite (make run): no summary rows
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_summary_rows_by_desa"),
    ]

    operations = [migrations.RunPython(replace(REFRESH), replace(PREVIOUS))]
