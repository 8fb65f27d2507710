"""Oxygen amounts converted with the guide's table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.sirs.units import M3_PER_UNIT, to_m3


@pytest.mark.parametrize(
    ("amount", "unit", "m3"),
    [
        (10, "m3", "10.00"),
        (100, "liter", "89.70"),
        (100, "Kg", "78.00"),
        ("1.5", "ton", "1183.29"),
        (2, "galon", "6.08"),
        (1, "L", "0.90"),
    ],
)
def test_guide_factors(amount: object, unit: str, m3: str) -> None:
    assert to_m3(amount, unit) == Decimal(m3)  # type: ignore[arg-type]


def test_table_is_the_guides() -> None:
    assert M3_PER_UNIT == {
        "m3": Decimal("1"),
        "liter": Decimal("0.897"),
        "kg": Decimal("0.78"),
        "ton": Decimal("788.86"),
        "galon": Decimal("3.04"),
    }


def test_bad_unit_and_amount() -> None:
    with pytest.raises(ValueError, match="unknown oxygen unit 'bar'"):
        to_m3(1, "bar")
    with pytest.raises(ValueError, match="non-negative"):
        to_m3(-1, "kg")
