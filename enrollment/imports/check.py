"""Step 2 of the import: the rows through the enrolment gate (enrollment.services.check_enrollment:
R-AGE-1, R-ENR-2, deaths, R-ENR-3/R-ENR-5 overlaps, R-ENR-4 quota and budget for the whole batch),
after finding which NIKs are workers already registered."""

from django.utils.translation import gettext as _

from funding.contributions import RateTable
from funding.models import FundingSource

from ..models import Worker
from ..services import AGE, COVERED, DEATH, Applicant, check_enrollment, chunked
from .reading import WorkerFile
from .result import Candidate, Problem


def check_database(file: WorkerFile, *, funding: FundingSource, start, rates: RateTable, lock=False, viewer=None) -> bool:
    """Existing workers, then the enrolment gate for every row: its age (R-AGE-1), a death, an
    R-ENR-3/R-ENR-5 overlap, and R-ENR-4 for the whole batch.

    With ``lock`` (inside the commit's transaction, after the funding source's lock) the
    registered workers among the rows are locked too, in primary-key order as enroll_workers
    does, so nobody enrols them elsewhere meanwhile. Returns False when the batch itself
    cannot be enrolled (period, rates, quota or budget).

    ``viewer`` (an AreaScope: the uploader is an area account) sees the whole regency's NIKs, as
    every check must, but a worker registered outside its desa is a row error that names nobody:
    the task runs unscoped, and the preview must not tell a village whose NIK this is.
    """
    result = file.result
    niks = [entry.nik if isinstance(entry, Candidate) else entry[0] for entry in file.nik_rows]
    existing = {}
    for chunk in chunked(niks):
        for nik, pk in Worker.objects.filter(nik__any=chunk).values_list("nik", "pk"):
            existing[nik] = pk
    registered = {}
    elsewhere = set()  # registered outside the viewer's area
    for chunk in chunked(sorted(existing.values())):
        query = Worker.objects.filter(pk__any=chunk).order_by("pk")
        if lock:
            query = query.select_for_update(of=("self",))
        for nik, pk, name, died_on, desa_id in query.values_list("nik", "pk", "full_name", "died_on", "desa_id"):
            registered[nik] = (pk, name, died_on)
            if viewer is not None and desa_id not in viewer.desa_ids:
                elsewhere.add(nik)

    # Every row the gate sees; its item is the reader's entry (see _where), to keep memory flat.
    applicants = []
    for entry in file.nik_rows:
        if isinstance(entry, Candidate):
            applicants.append(Applicant(nik=entry.nik, birth_date=entry.birth_date, died_on=_death_date(registered, entry.nik),
                                        transport=entry.transport, counted=entry.ok, item=entry))
        else:
            applicants.append(Applicant(nik=entry[0], birth_date=entry[4], died_on=_death_date(registered, entry[0]),
                                        counted=False, item=entry))
    for entry in file.age_rows:  # rows without a NIK to check: their age only
        applicants.append(Applicant(birth_date=entry[2], counted=False, item=entry))
    check = check_enrollment(funding=funding, applicants=applicants, start=start, programs=funding.programs,
                             rules=file.rules, rates=rates)

    def refuse(sheet, row, column, value, message, candidate):
        result.errors.append(Problem(sheet, row, column, value, message))
        result.rejected.setdefault((sheet, row), []).append(message)
        if candidate is not None:
            candidate.ok = False

    # R-AGE-1, named at the birth date's column (or the NIK's, when the date came from the NIK).
    for applicant in (a for a in applicants if a in check.refused):
        for rule, message in check.problems_of(applicant):
            if rule == AGE:
                _nik, sheet, row, _column, candidate, (column, cell) = _where(applicant.item)
                refuse(sheet, row, column, cell.display() if cell is not None else "", message, candidate)
    if check.end is None:  # R-ENR-2: the batch cannot start then
        for _none, message in check.batch:
            result.errors.append(Problem(None, None, None, None, message))
        result.valid = sum(1 for c in file.candidates if c.ok)
        return False

    refused = check.refused
    for applicant in applicants:
        if not applicant.nik or (applicant not in refused and applicant.nik not in registered):
            continue  # nothing to say about this row: most of them
        nik, sheet, row, column, candidate, _age_at = _where(applicant.item)
        if nik in elsewhere:  # nothing more about this person: not the uploader's to know
            refuse(sheet, row, column, nik, _(
                "NIK ini sudah terdaftar sebagai warga di luar wilayah Anda; hubungi Dinas untuk perubahannya."
            ), candidate)
            continue
        problems = dict(check.problems_of(applicant))
        messages = []
        if COVERED in problems:
            result.duplicates += 1
            messages.append(problems[COVERED])
        if DEATH in problems:
            messages.append(problems[DEATH])
        if nik in registered and candidate is not None and not messages:
            pk, name, _died_on = registered[nik]
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
            refuse(sheet, row, column, nik, message, candidate)
    result.valid = sum(1 for c in file.candidates if c.ok)
    for _none, message in check.batch:  # R-ENR-4 (or the rates table)
        result.errors.append(Problem(None, None, None, None, message))
    file.end = check.end
    return not check.batch


def _death_date(registered, nik):
    return registered[nik][2] if nik in registered else None


def _where(entry):
    """(nik or None, sheet, row, NIK header, candidate or None, (header, cell) of the birth date) of a
    reader's entry: a Candidate, a (nik, sheet, row, NIK header, birth date, age_at) row refused for
    another reason, or a (sheet, row, birth date, age_at) row without a NIK to check."""
    if isinstance(entry, Candidate):
        return entry.nik, entry.sheet, entry.row, entry.nik_column, entry, entry.age_at
    if len(entry) == 6:
        nik, sheet, row, column, _birth_date, age_at = entry
        return nik, sheet, row, column, None, age_at
    sheet, row, _birth_date, age_at = entry
    return None, sheet, row, None, None, age_at
