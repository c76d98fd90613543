"""Accepted village submissions through the one enrolment gate (issue 14).

MINIMAL STAND-IN written by the "submissions" branch so its verbs and tests run; the "shares"
branch owns this module (area shares, the waiting list and its order) and replaces it at merge.
Here every accepted row is enrolled through ``enroll_workers`` (the gate: R-AGE-1, R-ENR-2..5)
from ``start_for`` (the program's start, or today when it is already running); nothing waits.
"""

from django.utils.translation import gettext as _

from core import transitions

from .models import Submission
from .services import enroll_workers, start_for


def enroll_or_wait(submissions, *, by) -> tuple[list, list]:
    """Enrol the accepted ``submissions`` (locked by the caller, in one transaction): each gets a
    draft coverage and moves to enrolled, audited under its worker. Returns (enrolled, waiting)."""
    enrolled, by_funding = [], {}
    for submission in submissions:
        by_funding.setdefault(submission.funding_source_id, []).append(submission)
    for rows in by_funding.values():
        funding = rows[0].funding_source
        note = _("Pengajuan desa diterima")
        coverages = enroll_workers(funding=funding, workers=[s.worker for s in rows], start=start_for(funding), by=by,
                                   note=note)
        for submission, coverage in zip(rows, coverages):
            transitions.apply(submission, Submission.Status.ENROLLED, by=by, fields={"coverage": coverage},
                              parent=submission.worker, note=note, as_text=True)
            enrolled.append(submission)
    return enrolled, []
