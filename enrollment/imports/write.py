"""Step 3 of the import (commit only): workers, occupations, heirs, draft coverage and the audit
trail, written with COPY in the commit's transaction."""

import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.bulk import RawJson, insert_rows, rendered, reserve_ids
from core.models import AuditEvent
from core.roles import require_permission
from funding.models import FundingSource

from ..models import Coverage, Heir, Worker
from ..services import coverage_created_changes, draft_coverage_fields
from .reading import WorkerFile


WORKER_COLUMNS = [
    "id", "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "desa_id", "phone",
    "monthly_income", "created_at", "updated_at",
]
HEIR_COLUMNS = [
    "id", "worker_id", "relationship", "full_name", "nik", "birth_date", "phone", "bank_name", "bank_account_number",
    "bank_account_holder", "created_at", "updated_at",
]
COVERAGE_COLUMNS = [
    "id", "worker_id", "funding_source_id", "jkk", "jkm", "start_date", "end_date", "income_basis", "status",
    "kpj_number", "cancel_reason", "created_by_id", "created_at", "updated_at",
]
AUDIT_COLUMNS = [
    "at", "actor_id", "action", "content_type_id", "object_id", "object_repr", "parent_type_id", "parent_id", "changes", "note",
]


def write_candidates(file: WorkerFile, *, funding: FundingSource, start, by, batch=None, coverages=True) -> None:
    """Write the valid rows: workers, occupations, heirs, draft coverage and their audit rows.
    Without ``coverages`` (a village's upload, imports.village) no coverage is written.

    Creating coverage is enrolment: only for whoever may enrol (enrollment.add_coverage), whatever
    permission let them import the file (issue 14: a village's list is submitted, never enrolled)."""
    if coverages:
        require_permission(by, "enrollment.add_coverage")
    result = file.result
    valid = [c for c in file.candidates if c.ok]
    now = rendered(timezone.now())  # the same in every row: rendered to text once
    actor_id = by.pk if getattr(by, "pk", None) else None
    new = [c for c in valid if c.worker_id is None]
    for candidate, pk in zip(new, reserve_ids(Worker, len(new))):
        candidate.worker_id = pk
    write_workers(new, now)
    with_heir = [c for c in new if c.heir is not None]
    heir_ids = reserve_ids(Heir, len(with_heir))
    insert_rows(Heir, HEIR_COLUMNS, (
        (pk, c.worker_id, c.heir[0], c.heir[1], c.heir[2], None, "", "", "", "", now, now)
        for c, pk in zip(with_heir, heir_ids)
    ))
    coverage_ids = reserve_ids(Coverage, len(valid)) if coverages else []
    fields = draft_coverage_fields(funding, start, file.end, funding.programs)
    first_day, last_day = rendered(start), rendered(file.end)
    insert_rows(Coverage, COVERAGE_COLUMNS, (
        (pk, c.worker_id, funding.pk, fields["jkk"], fields["jkm"], first_day, last_day, fields["income_basis"],
         fields["status"], "", "", actor_id, now, now)
        for c, pk in zip(valid, coverage_ids)
    ))

    # The audit trail: one row per worker, heir and coverage, each naming its file row.
    types = ContentType.objects.get_for_models(Worker, Heir, Coverage)
    worker_type, heir_type, coverage_type = types[Worker].pk, types[Heir].pk, types[Coverage].pk
    action = AuditEvent.Action.IMPORT
    # Labels translated once, not once per heir (a lazy label formats through gettext each time).
    relationship_label = {value: str(label) for value, label in Heir.Relationship.choices}
    coverage_changes = RawJson(json.dumps(coverage_created_changes(funding, Coverage(**fields)), cls=DjangoJSONEncoder))
    coverage_repr = f" · {funding} ({start:%d-%m-%Y}–{file.end:%d-%m-%Y})"
    desa_names = {d.pk: d.name for desas in file.regions.desa.values() for d in desas}
    note_text = _("Impor Excel %(file)s, lembar \"%(sheet)s\" baris %(row)d")
    # One note per file row, shared by its worker's, heir's and coverage's audit rows.
    notes = {c: note_text % {"file": file.name, "sheet": c.sheet, "row": c.row} for c in valid}

    def events():
        # object_repr as the models' __str__ write it; heirs and coverage name their worker as parent.
        # The changes hold only text: written as JSON text (RawJson, a jsonb column) with the C
        # string encoder json.dumps uses, not a DjangoJSONEncoder or a json.dumps call per row.
        for c in new:
            yield (now, actor_id, action, worker_type, str(c.worker_id), c.full_name[:200], None, "",
                   RawJson(f'{{"nik": [null, {_json_text(c.nik)}], "full_name": [null, {_json_text(c.full_name)}], '
                           f'"desa": [null, {_json_text(desa_names.get(c.desa_id))}]}}'),
                   notes[c])
        for c, pk in zip(with_heir, heir_ids):
            yield (now, actor_id, action, heir_type, str(pk), f"{c.heir[1]} ({relationship_label[c.heir[0]]})"[:200],
                   worker_type, str(c.worker_id),
                   RawJson(f'{{"relationship": [null, {_json_text(c.heir[0])}], "full_name": [null, {_json_text(c.heir[1])}]}}'),
                   notes[c])
        for c, pk in zip(valid, coverage_ids):
            yield (now, actor_id, action, coverage_type, str(pk), (c.full_name + coverage_repr)[:200],
                   worker_type, str(c.worker_id), coverage_changes, notes[c])

    insert_rows(AuditEvent, AUDIT_COLUMNS, events())
    if batch is not None:
        record(actor=by, obj=batch, action=action, note=file.name, changes={
            "workers_created": [None, len(new)], "coverages_created": [None, len(coverage_ids)], "funding_source": [None, funding.code]})
    result.created = len(new)
    result.enrolled = len(coverage_ids)
    result.committed = True


def _json_text(value) -> str:
    """A str (or None) as JSON, exactly as json.dumps writes it."""
    return "null" if value is None else _encode_text(value)


_encode_text = json.encoder.encode_basestring_ascii


def write_workers(new, now) -> None:
    """New workers (ids reserved) and their occupations.

    The occupations go first: the foreign keys are checked at commit, and the dashboard's
    summary trigger (dashboard migrations 0001 and 0004) then computes each new worker's summary row once,
    when the worker is written, with his occupations already there; written after the workers
    they would make it compute every row a second time (about a second at 100,000 workers).
    """
    insert_rows(Worker.occupations.through, ["worker_id", "occupation_id"], (
        (c.worker_id, occupation_id) for c in new for occupation_id in c.occupation_ids
    ))
    insert_rows(Worker, WORKER_COLUMNS, (
        (c.worker_id, c.nik, c.kk_number, c.full_name, c.birth_place, c.birth_date, c.sex, c.address, c.desa_id,
         c.phone, c.monthly_income, now, now)
        for c in new
    ))
