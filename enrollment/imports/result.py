"""What an import found and did: its problems (R-IMP-5), its result (the JSON of ``import_workers
--json``) and the candidates, the rows that passed the file checks."""

from dataclasses import dataclass, field


@dataclass
class Problem:
    """One error or warning, naming its place as Excel shows it (R-IMP-1, R-IMP-5)."""

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ImportResult:
    """What an import found and did. ``as_dict`` is the JSON of ``import_workers --json``.

    rows: data rows read (R-IMP-3), every imported sheet together.
    valid: rows passing every rule; on commit each of them gets a draft coverage.
    created: new workers written (0 on a dry run or when nothing is committed); the other
        committed rows are workers already registered, enrolled again (valid - created).
    duplicates: rows refused as duplicates, i.e. a NIK repeated in the file (the later rows)
        or a NIK already covered in an overlapping period (R-ENR-3, R-ENR-5); they are
        also listed in ``errors``.
    committed: whether anything was written.
    """

    rows: int = 0
    valid: int = 0
    created: int = 0
    duplicates: int = 0
    skipped_sheets: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    committed: bool = False
    enrolled: int = 0  # coverages written
    submitted: int = 0  # village submissions written instead of coverages (issue 14, imports.village)
    # (sheet, row) -> messages of the rows refused, for the file of rejected rows.
    rejected: dict = field(default_factory=dict)
    # sheet title -> how its header was read (header rows, columns), for the file of rejected rows.
    layouts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "duplicates": self.duplicates,
            "skipped_sheets": list(self.skipped_sheets),
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
            "committed": self.committed,
        }


class Candidate:
    """A row that passed the file checks: the worker (and heir) it would create or enrol."""

    __slots__ = (
        "sheet", "row", "nik_column", "nik", "full_name", "birth_place", "birth_date", "sex", "address", "desa_id",
        "phone", "kk_number", "monthly_income", "occupation_ids", "transport", "heir", "worker_id", "ok",
        "age_at",  # (header, cell) naming an R-AGE-1 error of the gate (imports.check)
    )

    def __init__(self, *, sheet, row, nik_column, nik, full_name, birth_place, birth_date, sex, address, desa_id, phone,
                 kk_number, monthly_income, occupation_ids, transport, heir, age_at):
        # Spelled out rather than a setattr loop: one of these per row, 100,000 in a big list.
        self.sheet, self.row, self.nik_column, self.nik, self.full_name = sheet, row, nik_column, nik, full_name
        self.birth_place, self.birth_date, self.sex, self.address, self.desa_id = birth_place, birth_date, sex, address, desa_id
        self.phone, self.kk_number, self.monthly_income, self.occupation_ids = phone, kk_number, monthly_income, occupation_ids
        self.transport, self.heir, self.age_at = transport, heir, age_at
        self.worker_id = None
        self.ok = True
