"""The summary rows behind the dashboard on PostgreSQL (issue 13): read them, rebuild them.

The rows and the triggers that keep them exact are created by
``dashboard/migrations/0001_summary_tables_and_triggers.py`` (its docstring describes them).
Every read here returns a few hundred to a few thousand rows whatever the number of workers.
Whether a worker is covered depends on today and on the sources in scope, so the reads filter
the workers' "signature" (the sources where they hold an active and an ended coverage) at query
time: covered = an active coverage of a source in scope, or an ended one of a source in scope
whose period is over (``Scope.covered_condition``).

The area scope (issue 14, core/areas.py): these rows are no Django models, so no scoped manager
reads them; instead every read here takes the current scope in ``_params`` (the one place) and
keeps the rows of its desa (``IN_AREA``; every tally holds the worker's desa, migration 0004).
Money is the program's whole: the coverage rows are read for every desa and only flagged.

SQLite (the ``make run`` demo) has no triggers: ``in_use()`` is False there and
``dashboard.queries`` computes from the tables as before.
"""

import datetime

from django.conf import settings
from django.db import connection

from core.areas import current_scope

# The workers an aggregate counts: those covered in the scope (see the module docstring).
COVERED = "n <> 0 AND (active && %(sources)s::bigint[] OR ended && %(over)s::bigint[])"
# The rows of the area in scope (every read but the program-wide coverage rows takes it).
IN_AREA = "(%(area)s::bigint[] IS NULL OR desa_id = ANY(%(area)s::bigint[]))"


def in_use() -> bool:
    return connection.vendor == "postgresql"


def rebuild():
    """Everything again from the tables: after loading rows with the triggers disabled (the
    benchmark's COPY seeding does not need them) or to check the rows against the tables."""
    with connection.cursor() as cursor:
        # Claims' months are taken in this zone (see the migration).
        cursor.execute("UPDATE dashboard_summary_settings SET time_zone = %s", [settings.TIME_ZONE])
        cursor.execute("SELECT dashboard_summary_rebuild()")


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _params(scope, **extra):
    """The query parameters, with the area of the running request or task: ``area`` is None
    for the regency, else the desa ids of core.areas.current_scope() (an empty list: nothing)."""
    area = current_scope()
    return {"sources": scope.source_ids, "over": scope.over_source_ids,
            "kecamatan": scope.kecamatan.pk if scope.kecamatan else None,
            "area": sorted(area.desa_ids) if area is not None else None, **extra}


def edge_years(today: datetime.date, lowest_ages) -> dict[int, datetime.date]:
    """Birth years whose workers straddle a band's lower edge today, each with its cut-off:
    born in today.year - N, a worker is N when born on or before the cut-off (today's day and
    month that year; 29 February falls back to 28 February), else N - 1. Every other birth year
    falls in one band."""
    edges = {}
    for age in lowest_ages:
        year = today.year - age
        try:
            edges[year] = today.replace(year=year)
        except ValueError:
            edges[year] = today.replace(year=year, day=28)
    return edges


def covered_workers(scope, lowest_ages) -> tuple[list[dict], list[dict]]:
    """Covered workers in scope, each once, in one query: per (desa, sex), and per birth date
    that stands for a group of workers of one age band: the first day of every birth year but
    the edge years, and for an edge year the earliest birth date on each side of its cut-off
    (``lowest_ages``: the bands' lower edges). About 60 rows of births whatever the size.

    Returns (places, births): places {"desa_id", "sex", "n"}; births {"birth_date", "n"}.
    """
    edges = edge_years(scope.today, lowest_ages)
    ranges = " OR ".join(
        f"(birth_date >= '{year:04d}-01-01'::date AND birth_date < '{year + 1:04d}-01-01'::date)" for year in edges
    ) or "false"
    side = "CASE " + " ".join(
        f"WHEN birth_date < '{year + 1:04d}-01-01'::date AND birth_date >= '{year:04d}-01-01'::date "
        f"THEN birth_date <= '{cutoff.isoformat()}'::date" for year, cutoff in edges.items()
    ) + " END" if edges else "NULL"
    in_kecamatan = "(%(kecamatan)s::bigint IS NULL OR kecamatan_id = %(kecamatan)s::bigint)"
    rows = _rows(
        f"""SELECT 'place' AS part, desa_id, sex, NULL::date AS birth_date, sum(n)::integer AS n
            FROM dashboard_tally_place
            WHERE {COVERED} AND {IN_AREA} AND (%(kecamatan)s::bigint IS NULL
                  OR desa_id IN (SELECT id FROM enrollment_desa WHERE kecamatan_id = %(kecamatan)s::bigint))
            GROUP BY desa_id, sex HAVING sum(n) <> 0
            UNION ALL
            SELECT 'birth', NULL, NULL, make_date(birth_year, 1, 1), sum(n)::integer FROM dashboard_tally_birth_year
            WHERE {COVERED} AND {in_kecamatan} AND {IN_AREA} AND NOT (birth_year = ANY(%(edges)s::integer[]))
            GROUP BY birth_year HAVING sum(n) <> 0
            UNION ALL
            SELECT 'birth', NULL, NULL, min(birth_date), sum(n)::integer FROM dashboard_tally_birth_date
            WHERE ({ranges}) AND {COVERED} AND {in_kecamatan} AND {IN_AREA}
            GROUP BY extract(year FROM birth_date), {side} HAVING sum(n) <> 0""",  # noqa: S608 (dates from Python)
        _params(scope, edges=list(edges)),
    )
    places = [{"desa_id": r["desa_id"], "sex": r["sex"], "n": r["n"]} for r in rows if r["part"] == "place"]
    births = [{"birth_date": r["birth_date"], "n": r["n"]} for r in rows if r["part"] == "birth"]
    return places, births


def claim_parts(scope) -> dict:
    """Claims of the scope (see ``Scope.claims``): per (status, desa) with the amount paid, per
    month filed, and paid claims per month paid, read off ``dashboard_tally_claim`` (claims per
    source, desa, status and months) with GROUPING SETS: a few hundred rows."""
    rows = _rows(
        f"""SELECT status, desa_id, filed, paid, sum(n)::integer AS n, sum(amount) AS amount,
                  GROUPING(desa_id, filed, paid) AS part
           FROM (
               SELECT status, desa_id, filed, n, amount,
                      CASE WHEN status = 'paid' AND paid <> '0001-01-01' THEN paid END AS paid
               FROM dashboard_tally_claim
               WHERE n <> 0 AND (NOT %(restricted)s OR funding_source_id = ANY(%(sources)s::bigint[])) AND {IN_AREA}
                 AND (%(kecamatan)s::bigint IS NULL
                      OR desa_id IN (SELECT id FROM enrollment_desa WHERE kecamatan_id = %(kecamatan)s::bigint))
           ) AS claim
           GROUP BY GROUPING SETS ((status, desa_id), (filed), (paid)) HAVING sum(n) <> 0""",  # noqa: S608 (constant SQL)
        _params(scope, restricted=scope.restricted_to_sources),
    )
    # GROUPING(desa_id, filed, paid): 0b011 = (status, desa_id), 0b101 = (filed), 0b110 = (paid).
    return {
        "desa": [{"status": r["status"], "desa_id": r["desa_id"], "n": r["n"], "amount": r["amount"] or 0}
                 for r in rows if r["part"] == 0b011],
        "filed": [{"filed": r["filed"], "n": r["n"]} for r in rows if r["part"] == 0b101],
        "paid": [{"paid": r["paid"], "n": r["n"]} for r in rows if r["part"] == 0b110 and r["paid"] is not None],
    }


def covered_occupations(scope) -> dict:
    """Covered workers per occupation id in scope."""
    rows = _rows(
        f"""SELECT occupation_id, sum(n)::integer AS n FROM dashboard_tally_occupation
            WHERE {COVERED} AND {IN_AREA} AND (%(kecamatan)s::bigint IS NULL OR kecamatan_id = %(kecamatan)s::bigint)
            GROUP BY occupation_id HAVING sum(n) <> 0""",  # noqa: S608 (constant SQL)
        _params(scope),
    )
    return {row["occupation_id"]: row["n"] for row in rows}


def coverage_rows(scope) -> list[dict]:
    """Coverages of the sources in scope per (source, status, start, end, programs, income
    basis, in place, transport), in the shape of ``Aggregates.coverage_rows``: ``in_place``
    when a kecamatan or an area is in scope (the worker lives there), ``transport`` for the
    non-public payers of R-COST-1. Every place is read, flagged: the committed cost is the
    program's whole."""
    params = _params(scope)
    rows = _rows(
        f"""SELECT funding_source_id, status, start_date, end_date, jkk, jkm, income_basis,
                  ((%(kecamatan)s::bigint IS NULL OR kecamatan_id = %(kecamatan)s::bigint) AND {IN_AREA}) AS in_place,
                  transport, sum(n)::integer AS n
           FROM dashboard_tally_coverage
           WHERE n <> 0 AND funding_source_id = ANY(%(sources)s::bigint[])
           GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(n) <> 0""",  # noqa: S608 (constant SQL)
        params,
    )
    placed = bool(scope.kecamatan) or params["area"] is not None
    not_public = {source.pk for source in scope.sources if not source.is_public_funds}
    keys = ("funding_source_id", "status", "start_date", "end_date", "jkk", "jkm", "income_basis")
    groups = {}
    for row in rows:
        extra = {}
        if placed:
            extra["in_place"] = row["in_place"]
        if not_public:
            extra["transport"] = row["transport"] and row["funding_source_id"] in not_public
        key = (*(row[name] for name in keys), *extra.items())
        groups[key] = groups.get(key, 0) + row["n"]
    return [
        {**dict(zip(keys, key[: len(keys)])), **dict(key[len(keys):]), "n": n}
        for key, n in groups.items()
    ]
