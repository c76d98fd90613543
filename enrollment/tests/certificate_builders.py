"""Builders and readers for the certificate tests: active coverage, paid claims, PDFs read back."""

import datetime
import io
import itertools
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from pypdf import PdfReader

from claims.models import Claim
from core.testing import make_heir, make_worker
from enrollment.models import Coverage

_kpj = itertools.count(1)


def make_active_coverage(funding, *, worker=None, status=Coverage.Status.ACTIVE, **worker_overrides) -> Coverage:
    """A coverage registered with BPJS (KPJ number given), as after activate_coverage."""
    worker = worker or make_worker(**worker_overrides)
    now = timezone.now()
    return Coverage.objects.create(
        worker=worker, funding_source=funding, start_date=funding.period_start, end_date=funding.period_end,
        income_basis=funding.income_basis, status=status, kpj_number=f"25{next(_kpj):09d}",
        registered_on=funding.period_start, submitted_at=now, activated_at=now,
        cancelled_at=now if status == Coverage.Status.CANCELLED else None,
    )


def make_paid_claim(coverage, *, heir=None, breakdown=None, **overrides) -> Claim:
    """A paid JKM death claim (R-JKM-1: Rp42.000.000), created directly as the claims module would leave it."""
    heir = heir or make_heir(coverage.worker)
    breakdown = breakdown if breakdown is not None else [
        {"code": "lump_sum", "label": "Santunan sekaligus", "amount": "20000000"},
        {"code": "periodic", "label": "Santunan berkala 24 bulan", "amount": "12000000"},
        {"code": "funeral", "label": "Biaya pemakaman", "amount": "10000000"},
    ]
    values = dict(
        worker=coverage.worker, coverage=coverage, kind=Claim.Kind.JKM_DEATH, status=Claim.Status.PAID,
        event_date=coverage.start_date + datetime.timedelta(days=200), claimant=heir,
        benefit_amount=Decimal("42000000"), benefit_breakdown=breakdown,
        submitted_at=timezone.now(), verified_at=timezone.now(), approved_at=timezone.now(), paid_at=timezone.now(),
        paid_on=coverage.start_date + datetime.timedelta(days=210), paid_amount=Decimal("42000000"),
        payment_reference=f"TRF-2025-{next(_kpj):06d}",
    )
    values.update(overrides)
    return Claim.objects.create(**values)


def pdf_pages(data_or_path) -> list[str]:
    """The text of each page of a PDF (bytes or a path)."""
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return [page.extract_text() for page in PdfReader(source).pages]


def decode_qr(pdf: bytes, page: int = 1) -> list[str]:
    """Rasterise one page with poppler's pdftoppm and read the QR codes on it with zbar."""
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol, decode

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile", str(source),
             str(Path(folder) / "page")],
            check=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return [symbol.data.decode() for symbol in decode(image, symbols=[ZBarSymbol.QRCODE])]


def wait_for(condition, *, timeout=60.0, interval=0.1, what="condition"):
    """Poll until ``condition()`` is truthy (work done by a real worker); fail after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def flat(text: str) -> str:
    """PDF text with line breaks and repeated spaces folded, for phrases that wrap."""
    return " ".join(text.split())
