"""Oxygen quantities in the unit RS Online wants: m³.

``Logistik/oksigen`` takes every figure in cubic metres, and hospitals count
oxygen in litres, kilograms, tons or gallons depending on the supplier. The
factors are the guide's own conversion table, verbatim, so that what we send
matches what Kemenkes expects even where the physics would say otherwise.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

__all__ = ["M3_PER_UNIT", "Unit", "to_m3"]

Unit = Literal["m3", "liter", "kg", "ton", "galon"]

M3_PER_UNIT: dict[str, Decimal] = {
    "m3": Decimal("1"),
    "liter": Decimal("0.897"),
    "kg": Decimal("0.78"),
    "ton": Decimal("788.86"),
    "galon": Decimal("3.04"),
}
_ALIASES = {"m³": "m3", "l": "liter", "litre": "liter", "gallon": "galon"}
_CENT = Decimal("0.01")


def to_m3(amount: Decimal | int | str, unit: str) -> Decimal:
    """``amount`` of ``unit`` in m³, rounded to two decimals like the guide's samples."""
    key = unit.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in M3_PER_UNIT:
        known = ", ".join(M3_PER_UNIT)
        raise ValueError(f"unknown oxygen unit {unit!r} (one of {known})")
    value = Decimal(str(amount))
    if not value.is_finite() or value < 0:
        raise ValueError(f"oxygen amount must be a non-negative number, got {amount!r}")
    return (value * M3_PER_UNIT[key]).quantize(_CENT, rounding=ROUND_HALF_UP)
