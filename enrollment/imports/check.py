"""Step 2 of the import: the rows against the database (registered workers, overlaps, deaths)
and the batch against the funding source's quota and budget (R-ENR-3..5)."""

from django.utils.translation import gettext as _

from funding.contributions import RateTable
from funding.models import FundingSource

from ..models import Worker
from ..services import (
    EnrollmentError, capacity_problems, chunked, coverage_end_for, death_error, enrollment_cost, overlap_problems_by_nik,
)
from .reading import WorkerFile
from .result import Candidate, Problem


def check_database(file: WorkerFile, *, funding: FundingSource, start, rates: RateTable, lock=False) -> bool:
    """Existing workers, R-ENR-3/R-ENR-5 overlaps, deaths, then R-ENR-4 for the whole batch.

    With ``lock`` (inside the commit's transaction, after the funding source's lock) the
    registered workers among the rows are locked too, in primary-key order as enroll_workers
    does, so nobody enrols them elsewhere meanwhile. Returns False when the batch itself
    cannot be enrolled (period, rates, quota or budget).
    """
    result = file.result
    programs = funding.programs
    try:
        end = coverage_end_for(funding, start, programs)  # R-ENR-2
    except EnrollmentError as exc:
        for message in exc.messages:
            result.errors.append(Problem(None, None, None, None, message))
        result.valid = sum(1 for c in file.candidates if c.ok)
        return False

    def rows():
        for entry in file.nik_rows:
            if isinstance(entry, Candidate):
                yield entry.nik, entry.sheet, entry.row, entry.nik_column, entry
            else:
                yield (*entry, None)

    niks = [entry.nik if isinstance(entry, Candidate) else entry[0] for entry in file.nik_rows]
    existing = {}
    for chunk in chunked(niks):
        for nik, pk in Worker.objects.filter(nik__any=chunk).values_list("nik", "pk"):
            existing[nik] = pk
    registered = {}
    for chunk in chunked(sorted(existing.values())):
        query = Worker.objects.filter(pk__any=chunk).order_by("pk")
        if lock:
            query = query.select_for_update(of=("self",))
        for nik, pk, name, died_on in query.values_list("nik", "pk", "full_name", "died_on"):
            registered[nik] = (pk, name, died_on)
    covered = overlap_problems_by_nik(niks, start, end, programs)
    for nik, sheet, row, column, candidate in rows():
        messages = []
        if nik in covered:
            result.duplicates += 1
            messages.append(covered[nik])
        if nik in registered:
            pk, name, died_on = registered[nik]
            error = death_error(died_on, start)
            if error:
                messages.append(error)
            if candidate is not None and not messages:
                candidate.worker_id = pk
                if name != candidate.full_name:
                    result.warnings.append(Problem(sheet, row, column, nik, _(
                        "NIK ini sudah terdaftar atas nama %(name)s; data pekerja yang ada dipakai dan tidak diubah."
                    ) % {"name": name}))
                if candidate.heir is not None:
                    result.warnings.append(Problem(sheet, row, column, nik, _(
                        "Pekerja sudah terdaftar; ahli waris di berkas tidak ditambahkan. Ubah ahli waris di halaman pekerja."
                    )))
        for message in messages:
            result.errors.append(Problem(sheet, row, column, nik, message))
            result.rejected.setdefault((sheet, row), []).append(message)
            if candidate is not None:
                candidate.ok = False
    valid = [c for c in file.candidates if c.ok]
    result.valid = len(valid)
    problems = []
    try:
        cost = enrollment_cost(funding, start=start, end=end, programs=programs, rates=rates,
                               transports=[c.transport for c in valid])
        problems = capacity_problems(funding, len(valid), cost, rates=rates)  # R-ENR-4
    except EnrollmentError as exc:
        problems = exc.problems
    for _worker, message in problems:
        result.errors.append(Problem(None, None, None, None, message))
    file.end = end
    return not problems
