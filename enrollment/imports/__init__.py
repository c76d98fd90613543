"""Bulk import of workers from the district officials' Excel lists: R-IMP-1..5 of ../shared/domain.md.

One service for the admin upload page (through a Celery task), the ``import_workers`` command
and the benchmark. It works in three steps:

1. **Read** (no lock held): stream every sheet, find its header row (R-IMP-1), map the columns
   by their aliases (R-IMP-2), keep the data rows (R-IMP-3), normalise the values (R-IMP-4) and
   check each row with the rule functions the admin form uses (R-NIK-*, R-AGE-1, R-ENR-1,
   R-ENR-6): ``nik.parse_nik``, ``nik.identity_errors``, ``services.age_error``, ...
2. **Check against the database**: NIKs already registered, already covered in an overlapping
   period (R-ENR-3, R-ENR-5), deceased workers, and the funding source's quota and budget for
   the whole batch (R-ENR-4). For a commit this runs under the funding source's row lock.
3. **Write** (commit only) in the same transaction: new workers, their occupations and heirs,
   draft coverage under the funding source and the audit trail, all or nothing.

A NIK already in the database is not a new worker: when the worker is not covered in an
overlapping period (a renewal, 2025 -> 2026) the new coverage is his, and his recorded data is not
changed; when he is covered, the row is an error counted in ``duplicates``.

An occupation the list does not know is not a reason to lose the worker: it is recorded as
"Lainnya" with a warning, because it changes neither the eligibility nor, for the regency's
public money, the price (R-RATE-4); the operator can correct it on the worker's page. It still
counts as one of the occupations the worker declared (R-ENR-6: at most 2).

The package, one module per job: ``columns`` (header aliases, R-IMP-1/2), ``reading`` (the file,
sheet by sheet, through core.xlsx), ``rows`` (R-IMP-3..5: which rows are data, their values and
rules), ``check`` (step 2), ``write`` (step 3) and ``rejected`` (the file of rejected rows).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.bulk import paused_gc
from core.models import ProgramRules
from core.roles import require_permission
from funding.contributions import RateTable
from funding.models import FundingSource

from ..areas import is_area_bound, scope_for
from ..services import start_for

from .check import check_database
from .columns import COLUMN_ALIASES, HEADER_FIELDS, HEADER_SEARCH_ROWS, header_field
from .reading import WorkerFile
from .rejected import ERROR_COLUMN, write_rejected_rows
from .result import Candidate, ImportResult, Problem
from .village import check_village_rows, write_submissions
from .write import write_candidates

__all__ = [
    "COLUMN_ALIASES", "ERROR_COLUMN", "HEADER_FIELDS", "HEADER_SEARCH_ROWS", "Candidate", "ImportConflict", "ImportResult",
    "Problem", "WorkerFile", "check_database", "header_field", "import_workers", "write_candidates", "write_rejected_rows",
]


def import_workers(path, *, funding: FundingSource, by, start: datetime.date | None = None, dry_run=False,
                   skip_invalid=False, progress=None, display_name=None, batch=None, on_commit=None) -> ImportResult:
    """Read, check and (unless ``dry_run``) commit a workers file; see the module docstring.

    Raises FileProblem for a problem with the whole file (nothing else happens). A file with
    row errors is committed only with ``skip_invalid`` (the valid rows, all or nothing). The
    quota and budget are checked for the whole batch before anything is written.
    ``on_commit(result)`` runs inside the commit's transaction (the admin marks its batch there).

    An area-bound uploader (an Operator Desa, issue 14) submits instead of enrolling: rows of
    another desa are errors, and the commit writes submissions, not coverages (imports.village).
    """
    require_permission(by, "enrollment.import_workers")
    village = is_area_bound(by)
    if village:
        require_permission(by, "enrollment.submit_village")
    with paused_gc():
        return _import_workers(path, funding=funding, by=by, start=start, dry_run=dry_run, skip_invalid=skip_invalid,
                               progress=progress, display_name=display_name, batch=batch, on_commit=on_commit,
                               village=village)


def _import_workers(path, *, funding, by, start, dry_run, skip_invalid, progress, display_name, batch, on_commit,
                    village):
    rules = ProgramRules.current()
    start = start or (start_for(funding) if village else funding.period_start)
    rates = RateTable.load()
    allowed = scope_for(by).desa_ids if village else None
    file = WorkerFile(path, start=start, rules=rules, display_name=display_name, allowed_desa=allowed).read(progress)
    result = file.result
    if dry_run:
        check_database(file, funding=funding, start=start, rates=rates, capacity=not village)
        if village:
            check_village_rows(file, funding=funding)
        return result
    try:
        with transaction.atomic():
            funding = FundingSource.objects.lock(funding)
            batch_ok = check_database(file, funding=funding, start=start, rates=rates, lock=True, capacity=not village)
            if village:
                check_village_rows(file, funding=funding)
            blocked = not batch_ok or (result.errors and not skip_invalid) or result.valid == 0
            if not blocked and village:
                write_submissions(file, funding=funding, by=by, batch=batch)
            elif not blocked:
                write_candidates(file, funding=funding, start=start, by=by, batch=batch)
            if on_commit is not None:
                on_commit(result)
    except IntegrityError as exc:
        # Someone registered one of these NIKs between our check and our write: nothing was
        # written; running the import again sees that worker as registered.
        raise ImportConflict(_("Data berubah ketika impor disimpan (NIK yang sama didaftarkan bersamaan); tidak ada yang disimpan. Ulangi impor.")) from exc
    return result


class ImportConflict(Exception):
    """A concurrent change made the commit fail; nothing was written and a retry can succeed."""
