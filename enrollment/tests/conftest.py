import pytest

from enrollment.imports import import_workers


@pytest.fixture
def run_import(funding):
    """run_import(path, **options): the service as the admin and the command call it (system actor)."""

    def _run(path, **options):
        options.setdefault("funding", funding)
        options.setdefault("by", None)
        return import_workers(path, **options)

    return _run


def errors_at(result, row):
    return [p for p in result.errors if p.row == row]


def messages(problems):
    return " | ".join(p.message for p in problems)
