"""R-HEIR-1: the order of priority among a worker's heirs (PP 44/2015 art. 37 and 40)."""

import pytest

from demo.builders import make_heir, make_worker
from enrollment.heirs import claimant_refusal, entitled_heirs
from enrollment.models import Heir

R = Heir.Relationship


@pytest.fixture
def worker(db):
    return make_worker()


def heirs_of(worker, *relationships):
    return [make_heir(worker, relationship=r, full_name=f"AHLI {r.upper()}") for r in relationships]


def test_spouse_and_children_are_one_class_and_both_entitled(worker):
    spouse, child, parent = heirs_of(worker, R.SPOUSE, R.CHILD, R.PARENT)
    assert entitled_heirs(worker.heirs.all()) == [spouse, child]


def test_parent_is_refused_while_a_spouse_exists(worker):
    spouse, parent = heirs_of(worker, R.SPOUSE, R.PARENT)
    reason = claimant_refusal(parent, worker.heirs.all())
    assert reason and spouse.full_name in reason and "R-HEIR-1" in reason


def test_without_spouse_or_children_lineal_relatives_are_entitled(worker):
    grandchild, sibling, parent = heirs_of(worker, R.GRANDCHILD, R.SIBLING, R.PARENT)
    assert set(entitled_heirs(worker.heirs.all())) == {grandchild, parent}
    assert claimant_refusal(parent, worker.heirs.all()) is None
    assert claimant_refusal(sibling, worker.heirs.all())


@pytest.mark.parametrize(
    "present, entitled",
    [
        ((R.SIBLING, R.PARENT_IN_LAW, R.WILL), R.SIBLING),
        ((R.PARENT_IN_LAW, R.WILL), R.PARENT_IN_LAW),
        ((R.WILL,), R.WILL),
        ((R.GRANDPARENT, R.SIBLING), R.GRANDPARENT),
    ],
)
def test_the_highest_non_empty_class_is_entitled(worker, present, entitled):
    heirs_of(worker, *present)
    assert [h.relationship for h in entitled_heirs(worker.heirs.all())] == [entitled]


def test_no_heirs_means_nobody_is_entitled(worker):
    assert entitled_heirs(worker.heirs.all()) == []


def test_an_heir_of_another_worker_is_refused(worker):
    other = make_worker()
    stranger = make_heir(other)
    heirs_of(worker, R.SPOUSE)
    assert claimant_refusal(stranger, worker.heirs.all())
