from decimal import Decimal

import pytest

from core.money import format_rupiah, rupiah
from core.privacy import mask_name, mask_nik


def test_rupiah_rounds_half_up_to_whole_rupiah():
    assert rupiah(Decimal("23456.5")) == Decimal("23457")
    assert rupiah(Decimal("23456.49")) == Decimal("23456")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        rupiah(0.1)


def test_rupiah_is_shown_with_dots():
    assert format_rupiah(Decimal("84000000")) == "Rp84.000.000"
    assert format_rupiah(Decimal("-16800")) == "-Rp16.800"
    assert format_rupiah(0) == "Rp0"


def test_nik_and_name_masking():
    assert mask_nik("6209015505800001") == "6209********0001"
    assert mask_name("BUDI SANTOSO") == "B*** S******"
